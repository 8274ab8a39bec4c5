//go:build !integration

package docs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeLayoutMatchesTree: the README's layout table has a line for
// every directory of Go code under cmd/, functions/ and internal/, and
// names nothing that does not exist.
func TestReadmeLayoutMatchesTree(t *testing.T) {
	root := ".."
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := layoutEntries(t, string(readme))
	for path := range listed {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(path))); err != nil {
			t.Errorf("README's layout names %s, which does not exist", path)
		}
	}
	dirs := goDirs(t, root, "cmd", "functions", "internal")
	if len(dirs) < 30 {
		t.Fatalf("found %d directories of Go code; the walk found too few", len(dirs))
	}
	for _, d := range dirs {
		if !listed[d] {
			t.Errorf("README's layout has no line for %s", d)
		}
	}
}

// layoutEntries returns the first word of each line of the code block
// under the README's "## Layout" heading.
func layoutEntries(t *testing.T, readme string) map[string]bool {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Layout\n")
	if !ok {
		t.Fatal(`README has no "## Layout" section`)
	}
	_, block, ok := strings.Cut(section, "```\n")
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal("README's layout section has no code block")
	}
	entries := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			entries[strings.TrimSuffix(f[0], "/")] = true
		}
	}
	return entries
}

// goDirs returns the directories under the given top-level ones, relative
// to root with slashes, that hold Go files; testdata is not code.
func goDirs(t *testing.T, root string, tops ...string) []string {
	t.Helper()
	seen := map[string]bool{}
	var dirs []string
	for _, top := range tops {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(d.Name(), ".go") {
				return nil
			}
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			if rel = filepath.ToSlash(rel); !seen[rel] {
				seen[rel] = true
				dirs = append(dirs, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dirs
}

// TestOpenAPIJSONIsTheYAML: the JSON served is the YAML documented; after
// an edit of openapi.yaml, go generate ./docs writes it again.
func TestOpenAPIJSONIsTheYAML(t *testing.T) {
	want, err := JSONOf(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(OpenAPIJSON, want) {
		t.Error("docs/openapi.json is not docs/openapi.yaml: run go generate ./docs")
	}
}
