//go:build !integration

package docs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
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

// TestLinksResolve: every relative link in the README and the guides in
// docs/ names a file that exists, and an anchor a heading of that file.
func TestLinksResolve(t *testing.T) {
	root := ".."
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join(root, "README.md"))
	links := 0
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s links to %s, which does not exist", filepath.Base(page), target)
					continue
				}
			}
			if anchor != "" && !anchors(t, path)[anchor] {
				t.Errorf("%s links to %s: no heading makes the anchor #%s", filepath.Base(page), target, anchor)
			}
		}
	}
	if links < 20 {
		t.Fatalf("found %d relative links; the pattern finds too few", links)
	}
}

// markdownLink matches an inline link's target: [text](target).
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// anchors returns the anchors GitHub makes of a Markdown file's headings:
// lower case, punctuation dropped, spaces as hyphens.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	inCode := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var slug strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ' || r == '-':
				slug.WriteRune('-')
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
				slug.WriteRune(r)
			}
		}
		out[slug.String()] = true
	}
	return out
}

// TestReadmeIsShort: the README is what a newcomer reads in ten minutes;
// the rest belongs in docs/.
func TestReadmeIsShort(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > 250 {
		t.Errorf("README is %d lines; keep it to about 250 and move the rest to docs/", n)
	}
}
