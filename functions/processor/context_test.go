//go:build !integration

package main

import (
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerContext checks the repository's .dockerignore, the build
// context of the image: every package the processor links, its embedded
// files, the module's files and the Makefile reach the builder; .git,
// .local, .aws-sam, docs and tests do not.
func TestDockerContext(t *testing.T) {
	ignore := dockerignore(read(t, "../../.dockerignore"))
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc",
		"-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`, ".")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	need := []string{"go.mod", "go.sum", "Makefile"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		dir, err := filepath.Rel(root, f[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range f[1:] {
			need = append(need, path.Join(filepath.ToSlash(dir), name))
		}
	}
	if len(need) < 10 {
		t.Fatalf("go list found only %v", need)
	}
	for _, p := range need {
		if ignore.excludes(p) {
			t.Errorf(".dockerignore keeps %s, which the processor's build needs, out of the image's build context", p)
		}
	}
	for _, p := range []string{".git/HEAD", ".local/bin/staticcheck", ".aws-sam/build/template.yaml", "README.md", "docs/openapi.yaml",
		"functions/processor/image_test.go", "internal/parse/testdata/sroie.txt"} {
		if !ignore.excludes(p) {
			t.Errorf(".dockerignore sends %s to the image's builder", p)
		}
	}
}

// dockerignore is a .dockerignore: its patterns apply in order; a later one wins,
// a "!" one lets back in, and a pattern that matches a folder matches
// what it holds. Enough of Docker's rules for the file this repository has.
type dockerignore string

func (d dockerignore) excludes(file string) bool {
	out := false
	for _, line := range strings.Split(string(d), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		keep := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if matches(p, file) {
			out = !keep
		}
	}
	return out
}

// matches reports whether pattern matches file or a folder above it.
func matches(pattern, file string) bool {
	parts := strings.Split(file, "/")
	for i := 1; i <= len(parts); i++ {
		prefix := strings.Join(parts[:i], "/")
		if ok, _ := path.Match(pattern, prefix); ok {
			return true
		}
		if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
			for j := range i {
				if ok, _ := path.Match(rest, strings.Join(parts[j:i], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}
