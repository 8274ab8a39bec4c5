package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// sources is what one function's binary is built from: the folders of the
// module's packages it imports (any .go file there may join the build), the
// files they embed, and the module's go.mod and go.sum.
type sources struct {
	dirs  map[string]bool
	files map[string]bool
}

// stamp is what the watcher remembers of a file.
type stamp struct {
	mod  time.Time
	size int64
}

// listSources asks the go command which of the module's packages, and which
// embedded files, each function is built from, for this machine's platform
// and the build's tags.
func listSources(ctx context.Context, root string, fns []samtemplate.Function) (map[string]sources, error) {
	args := []string{"list", "-e", "-deps", "-tags", "lambda.norpc", "-json=ImportPath,Dir,EmbedFiles,Deps,Module"}
	pkgOf := map[string]string{} // function's package pattern -> logical id
	for _, fn := range fns {
		rel, err := filepath.Rel(root, fn.CodeURI)
		if err != nil {
			return nil, err
		}
		pattern := "./" + filepath.ToSlash(filepath.Clean(rel))
		pkgOf[pattern] = fn.LogicalID
		args = append(args, pattern)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list the functions' packages: %w\n%s", err, stderr.Bytes())
	}
	type pkg struct {
		ImportPath string
		Dir        string
		EmbedFiles []string
		Deps       []string
		Module     *struct{ Main bool }
	}
	local := map[string]pkg{} // the module's own packages, by import path
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read go list's answer: %w", err)
		}
		if p.Module != nil && p.Module.Main {
			local[p.ImportPath] = p
		}
	}
	byFn := map[string]sources{}
	for _, p := range local {
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			continue
		}
		id, ok := pkgOf["./"+filepath.ToSlash(rel)]
		if !ok {
			continue
		}
		src := sources{dirs: map[string]bool{}, files: map[string]bool{
			filepath.Join(root, "go.mod"): true, filepath.Join(root, "go.sum"): true,
		}}
		for _, path := range append([]string{p.ImportPath}, p.Deps...) {
			dep, ok := local[path]
			if !ok {
				continue // the standard library or another module
			}
			src.dirs[dep.Dir] = true
			for _, f := range dep.EmbedFiles {
				src.files[filepath.Join(dep.Dir, f)] = true
			}
		}
		byFn[id] = src
	}
	for _, fn := range fns {
		if _, ok := byFn[fn.LogicalID]; !ok {
			return nil, fmt.Errorf("go list did not list %s's package %s", fn.LogicalID, fn.CodeURI)
		}
	}
	return byFn, nil
}

// scan stamps every file the functions are built from: the non-test .go
// files of their packages' folders and the embedded files. A file that is
// missing is absent from the result.
func scan(lists ...map[string]sources) map[string]stamp {
	dirs, files := map[string]bool{}, map[string]bool{}
	for _, all := range lists {
		for _, src := range all {
			for d := range src.dirs {
				dirs[d] = true
			}
			for f := range src.files {
				files[f] = true
			}
		}
	}
	out := map[string]stamp{}
	for d := range dirs {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			if info, err := e.Info(); err == nil {
				out[filepath.Join(d, name)] = stamp{info.ModTime(), info.Size()}
			}
		}
	}
	for f := range files {
		if info, err := os.Stat(f); err == nil {
			out[f] = stamp{info.ModTime(), info.Size()}
		}
	}
	return out
}

// changed returns the files that were added, removed or modified between
// two scans.
func changed(before, after map[string]stamp) []string {
	var out []string
	for p, st := range after {
		if old, ok := before[p]; !ok || old != st {
			out = append(out, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p)
		}
	}
	return out
}

// affected returns the functions, in the template's order, built from any
// of the changed files.
func affected(fns []samtemplate.Function, all map[string]sources, paths map[string]bool) []samtemplate.Function {
	var out []samtemplate.Function
	for _, fn := range fns {
		src := all[fn.LogicalID]
		for p := range paths {
			if src.files[p] || (strings.HasSuffix(p, ".go") && src.dirs[filepath.Dir(p)]) {
				out = append(out, fn)
				break
			}
		}
	}
	return out
}
