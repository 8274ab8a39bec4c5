package stack

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// moduleRoot is the folder holding go.mod, two levels above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s", root)
	}
	return root
}

// TestAffected holds the watcher to the go command's view of each
// function: a file changes the functions built from it and no other.
func TestAffected(t *testing.T) {
	root := moduleRoot(t)
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"), samtemplate.Options{Region: Region})
	if err != nil {
		t.Fatal(err)
	}
	all, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	var fns []samtemplate.Function
	for _, fn := range all {
		if fn.PackageType == "Zip" {
			fns = append(fns, fn)
		}
	}
	srcs, err := listSources(context.Background(), root, fns)
	if err != nil {
		t.Fatal(err)
	}
	every := func() []string {
		var ids []string
		for _, fn := range fns {
			ids = append(ids, fn.LogicalID)
		}
		return ids
	}()
	tests := []struct {
		file string
		want []string // nil: no function; want contains all: every function
		some bool     // want lists some of the functions, not all of them
	}{
		{"docs/openapi.yaml", []string{"OpenAPIFunction"}, false},
		{"docs/docs.go", []string{"OpenAPIFunction"}, false},
		{"docs/new.go", []string{"OpenAPIFunction"}, false},
		{"functions/get/main.go", []string{"GetFunction"}, false},
		{"internal/store/store.go", []string{"GetFunction", "ProcessorFunction"}, true},
		{"go.mod", every, false},
		{"README.md", nil, false},
		{"docs/notes.txt", nil, false},
		{"internal/local/stack/stack.go", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var got []string
			for _, fn := range affected(fns, srcs, map[string]bool{filepath.Join(root, tt.file): true}) {
				got = append(got, fn.LogicalID)
			}
			if tt.some {
				for _, id := range tt.want {
					if !slices.Contains(got, id) {
						t.Errorf("a change to %s rebuilds %v, which lacks %s", tt.file, got, id)
					}
				}
				if slices.Contains(got, "OpenAPIFunction") {
					t.Errorf("a change to %s rebuilds OpenAPIFunction, which does not use it", tt.file)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("a change to %s rebuilds %v, want %v", tt.file, got, tt.want)
			}
		})
	}
}

func TestChanged(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	before := map[string]stamp{"a.go": {t0, 1}, "b.go": {t0, 1}, "c.go": {t0, 1}, "d.go": {t0, 1}}
	after := map[string]stamp{"a.go": {t0, 1}, "b.go": {t0.Add(time.Millisecond), 1}, "c.go": {t0, 2}, "e.go": {t0, 1}}
	got := changed(before, after)
	slices.Sort(got)
	if want := []string{"b.go", "c.go", "d.go", "e.go"}; !slices.Equal(got, want) {
		t.Errorf("changed = %v, want %v", got, want)
	}
	if got := changed(before, before); len(got) != 0 {
		t.Errorf("changed between equal scans = %v", got)
	}
}

// TestScanSkipsTests: test files and other folders' files are not part of
// a function's build, so saving them rebuilds nothing.
func TestScanSkipsTests(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.go", "a_test.go", "notes.md", "embedded.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := scan(map[string]sources{"F": {
		dirs:  map[string]bool{dir: true},
		files: map[string]bool{filepath.Join(dir, "embedded.txt"): true, filepath.Join(dir, "gone.txt"): true},
	}})
	var names []string
	for p := range got {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	if want := []string{"a.go", "embedded.txt"}; !slices.Equal(names, want) {
		t.Errorf("scanned %v, want %v", names, want)
	}
}
