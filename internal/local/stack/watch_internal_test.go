//go:build !integration

package stack

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
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

// syncBuffer is a log the watcher writes and the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.WriteString(string(p))
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watchModule is a module of two functions: A prints a message its
// library embeds, B prints "b". Its build target, once it has compiled,
// pauses while the file "pause" exists, so a test can save a file that the
// build just made does not hold.
var watchModule = map[string]string{
	"go.mod": "module example.com/m\n\ngo 1.22\n",
	"Makefile": "build-%Function:\n" +
		"\tgo build -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo '$*' | tr A-Z a-z)\n" +
		"\t@touch $(ARTIFACTS_DIR)/compiled\n" +
		"\t@while [ -f pause ]; do sleep 0.1; done\n",
	"lib/lib.go":          "package lib\n\nimport _ \"embed\"\n\n//go:embed msg.txt\nvar Msg string\n",
	"lib/msg.txt":         "one",
	"shared/shared.go":    "package shared\n\n// Name is used by both functions.\nconst Name = \"m\"\n",
	"functions/a/main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/lib\"\n\t\"example.com/m/shared\"\n)\n\nvar _ = shared.Name\n\nfunc main() { fmt.Print(lib.Msg) }\n",
	"functions/b/main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/shared\"\n)\n\nvar _ = shared.Name\n\nfunc main() { fmt.Print(\"b\") }\n",
}

// TestWatchLoop drives the watcher over a small module: an embedded file,
// a new Go file saved while a build runs, a broken file and its removal,
// each rebuild only what uses them, and a failed build keeps the binary.
func TestWatchLoop(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	remove := func(name string) {
		t.Helper()
		if err := os.Remove(filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range watchModule {
		write(name, content)
	}
	buildDir := t.TempDir()
	logs := &syncBuffer{}
	s := &Stack{root: root, buildDir: buildDir, logs: newLineWriter(logs),
		hosts: map[string]*lambdalocal.Host{}, fns: map[string]lambdalocal.Function{}}
	var fns []samtemplate.Function
	for _, id := range []string{"A", "B"} {
		fn := samtemplate.Function{LogicalID: id + "Function", CodeURI: filepath.Join(root, "functions", strings.ToLower(id))}
		fns = append(fns, fn)
		f := lambdalocal.Function{Name: fn.LogicalID, Bootstrap: filepath.Join(buildDir, strings.ToLower(id), "bootstrap")}
		s.fns[fn.LogicalID] = f
		s.hosts[fn.LogicalID] = lambdalocal.NewHost(f, io.Discard)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srcs, err := listSources(ctx, root, fns)
	if err != nil {
		t.Fatal(err)
	}
	snap := scan(srcs)
	if err := Build(ctx, root, buildDir, fns); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); s.watch(ctx, fns, srcs, snap) }()
	t.Cleanup(func() { cancel(); <-done })

	run := func(id string) string {
		t.Helper()
		out, err := exec.Command(s.fns[id].Bootstrap).Output()
		if err != nil {
			t.Fatalf("run %s: %v", id, err)
		}
		return string(out)
	}
	waitLog := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for strings.Count(logs.String(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("after a minute, the log holds %q fewer than %d times:\n%s", what, n, logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	reloads := func(id string) int { return strings.Count(logs.String(), "[watch] reloaded "+id+" (") }

	write("lib/msg.txt", "two")
	waitLog("[watch] reloaded AFunction (", 1)
	if got := run("AFunction"); got != "two" {
		t.Errorf("after the embedded file's edit, A prints %q, want two", got)
	}

	// Saved after A's build read its sources: the next round picks it up.
	compiled := filepath.Join(buildDir, ".next", "a", "compiled")
	_ = os.Remove(compiled)
	write("pause", "")
	write("lib/msg.txt", "three")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(compiled); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute, A's rebuild has not compiled:\n%s", logs)
		}
	}
	write("lib/extra.go", "package lib\n\nfunc init() { Msg += \"+extra\" }\n")
	remove("pause")
	waitLog("[watch] reloaded AFunction (", 3)
	if got := run("AFunction"); got != "three+extra" {
		t.Errorf("after a Go file was added during a build, A prints %q, want three+extra", got)
	}

	write("lib/broken.go", "package lib\n\nfunc broken() { undefinedName() }\n")
	waitLog("[watch] AFunction did not build", 1)
	if out := logs.String(); !strings.Contains(out, "undefinedName") {
		t.Errorf("the log lacks the compiler's error:\n%s", out)
	}
	if got := run("AFunction"); got != "three+extra" {
		t.Errorf("after a broken edit, A prints %q, want the last good binary's three+extra", got)
	}
	remove("lib/broken.go")
	waitLog("[watch] reloaded AFunction (", 4)

	write("functions/b/main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/shared\"\n)\n\nvar _ = shared.Name\n\nfunc main() { fmt.Print(\"b2\") }\n")
	waitLog("[watch] reloaded BFunction (", 1)
	if got := run("BFunction"); got != "b2" {
		t.Errorf("after its edit, B prints %q, want b2", got)
	}
	if n := reloads("AFunction"); n != 4 {
		t.Errorf("A reloaded %d times, want 4 (B's edit is not A's):\n%s", n, logs)
	}
	if strings.Count(logs.String(), "[watch] reloaded BFunction (") != 1 {
		t.Errorf("B reloaded for A's edits:\n%s", logs)
	}

	// A package both import breaks: its errors are shown once.
	write("shared/broken.go", "package shared\n\nfunc broken() { undefinedShared() }\n")
	waitLog("[watch] BFunction did not build (the same errors as AFunction)", 1)
	if n := strings.Count(logs.String(), "undefinedShared"); n != 1 {
		t.Errorf("the compiler's errors are in the log %d times, want once:\n%s", n, logs)
	}
	remove("shared/broken.go")
	waitLog("[watch] reloaded BFunction (", 2)
	if n := reloads("AFunction"); n != 5 {
		t.Errorf("A reloaded %d times, want 5:\n%s", n, logs)
	}
}
