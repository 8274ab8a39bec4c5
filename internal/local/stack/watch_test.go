//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// reloadWait bounds how long an edit may take to reach the API. The goal
// is well under it (seconds); it only keeps a broken watcher from hanging
// the test on a busy machine.
const reloadWait = 90 * time.Second

// copyModule copies the module's sources to a temporary folder, so a test
// can edit them without touching the repository. The copy shares the
// installed DynamoDB Local.
func copyModule(t *testing.T) string {
	t.Helper()
	root := testenv.Root(t)
	dst := t.TempDir()
	skip := map[string]bool{".git": true, ".local": true, ".aws-sam": true, "bin": true}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && skip[rel] {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy the module: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dst, ".local"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, ".local", "dynamodb"), filepath.Join(dst, ".local", "dynamodb")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// watchLog keeps the stack's output for the test to read, and logs it.
type watchLog struct {
	t  *testing.T
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *watchLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.b.Write(p)
	l.mu.Unlock()
	l.t.Logf("%s", p)
	return len(p), nil
}

func (l *watchLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// editFile rewrites a file of the copy, failing when old is not in it.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// getWithKey returns the status and body of an authorised GET.
func getWithKey(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReload polls until ok holds, failing with what it waited for after
// reloadWait. It returns how long it took.
func waitReload(t *testing.T, what string, logs *watchLog, ok func() bool) time.Duration {
	t.Helper()
	begin := time.Now()
	for !ok() {
		if time.Since(begin) > reloadWait {
			t.Fatalf("after %v, still waiting for %s; the stack's log:\n%s", reloadWait, what, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(begin)
}

// TestWatchReloadsEditedFunction edits a copy of the module while the stack
// watches it: an edit to a file a function embeds, then a new Go file in a
// package it imports, change the API's answer without a restart and without
// losing data, and reload only that function; a broken edit keeps the old
// binary serving; fixing it reloads again.
func TestWatchReloadsEditedFunction(t *testing.T) {
	dir := copyModule(t)
	logs := &watchLog{t: t}
	ctx := context.Background()
	st, err := stack.Start(ctx, stack.Config{
		Root: dir, APIAddr: "127.0.0.1:0", Logs: logs, BuildDir: t.TempDir(), Watch: true,
	})
	if err != nil {
		t.Fatalf("local stack: %v", err)
	}
	t.Cleanup(st.Close)
	key := newKey(t, st, "tenant-watch")
	doc := st.APIURL + "/openapi.json"
	title := func() string {
		status, body := getWithKey(t, doc, key)
		if status != 200 {
			t.Fatalf("GET /openapi.json: %d %s", status, body)
		}
		var d struct {
			Info struct{ Title string }
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatalf("GET /openapi.json: %v", err)
		}
		return d.Info.Title
	}
	if got := title(); got != "Receipts API" {
		t.Fatalf("title before the edit = %q", got)
	}

	// A receipt stored before the edits, which must outlive them.
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, _ := mw.CreateFormFile("file", "r.png")
	_, _ = w.Write(pngBytes)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", st.APIURL+"/receipt", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var id string
	if resp.StatusCode != 200 || json.Unmarshal(b, &id) != nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}

	t.Run("embedded file", func(t *testing.T) {
		editFile(t, filepath.Join(dir, "docs", "openapi.json"), `"title": "Receipts API"`, `"title": "Receipts API, edited"`)
		took := waitReload(t, "GET /openapi.json to answer the edited title", logs, func() bool {
			return title() == "Receipts API, edited"
		})
		t.Logf("the edit reached the API in %v", took.Round(100*time.Millisecond))
		if status, body := getWithKey(t, st.APIURL+"/receipt/"+id, key); status != 200 || !strings.Contains(body, id) {
			t.Errorf("the receipt stored before the edit: GET = %d %s", status, body)
		}
		out := logs.String()
		if !strings.Contains(out, "[watch] reloaded OpenAPIFunction (") {
			t.Errorf("the log does not say OpenAPIFunction reloaded:\n%s", out)
		}
		if n := strings.Count(out, "[watch] reloaded "); n != 1 {
			t.Errorf("%d functions reloaded, want only OpenAPIFunction:\n%s", n, out)
		}
	})

	// Go sources: a new file in a package the function imports.
	docs := filepath.Join(dir, "docs")
	t.Run("go source", func(t *testing.T) {
		writeFile(t, filepath.Join(docs, "edited.go"), `package docs

import "bytes"

func init() {
	OpenAPIJSON = bytes.Replace(OpenAPIJSON, []byte("\"title\": \"Receipts API, edited\""), []byte("\"title\": \"Receipts API, from Go\""), 1)
}
`)
		took := waitReload(t, "GET /openapi.json to answer the title set in Go", logs, func() bool {
			return title() == "Receipts API, from Go"
		})
		t.Logf("the edit reached the API in %v", took.Round(100*time.Millisecond))
		if n := strings.Count(logs.String(), "[watch] reloaded "); n != 2 {
			t.Errorf("%d reloads in all, want 2 of OpenAPIFunction:\n%s", n, logs)
		}
	})

	t.Run("broken edit", func(t *testing.T) {
		broken := filepath.Join(docs, "broken.go")
		writeFile(t, broken, "package docs\n\nfunc broken() { undefinedName() }\n")
		waitReload(t, "the log to report the failed build", logs, func() bool {
			return strings.Contains(logs.String(), "[watch] OpenAPIFunction did not build")
		})
		if out := logs.String(); !strings.Contains(out, "undefinedName") {
			t.Errorf("the log lacks the compiler's error:\n%s", out)
		}
		if got := title(); got != "Receipts API, from Go" {
			t.Errorf("after a broken edit, title = %q, want the last good binary's", got)
		}

		if err := os.Remove(broken); err != nil {
			t.Fatal(err)
		}
		waitReload(t, "OpenAPIFunction to reload once fixed", logs, func() bool {
			return strings.Count(logs.String(), "[watch] reloaded OpenAPIFunction (") == 3
		})
		if got := title(); got != "Receipts API, from Go" {
			t.Errorf("after the fix, title = %q", got)
		}
		if status, body := getWithKey(t, st.APIURL+"/receipt/"+id, key); status != 200 || !strings.Contains(body, id) {
			t.Errorf("the receipt stored before the edits: GET = %d %s", status, body)
		}
	})
}
