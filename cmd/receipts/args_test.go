//go:build !integration

package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAPI answers as the Receipts API does for one receipt, id-1, to the
// key k; any other key is a 401, any other receipt a 404.
func fakeAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthorized"}`))
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "POST /receipt":
			_, _ = w.Write([]byte(`"id-1"`))
		case "GET /receipt/id-1":
			_, _ = w.Write([]byte(`{"uuid":"id-1","status":"COMPLETED","fields":{"vendor":"ACME","total":"9.00"},"details":"ACME TOTAL 9.00"}`))
		case "GET /receipts":
			_, _ = w.Write([]byte(`{"receipts":[{"uuid":"id-1","status":"COMPLETED","fields":{"vendor":"ACME"}}]}`))
		case "DELETE /receipt/id-1":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"receipt not found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func pngFile(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.png")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCLI(args ...string) (out, errOut string, err error) {
	var o, e bytes.Buffer
	err = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

// TestFlagsGoAnywhere: the flags every command takes may come before or
// after the command, and a command's own flags before or after its
// arguments, as --name value or --name=value.
func TestFlagsGoAnywhere(t *testing.T) {
	srv := fakeAPI(t)
	file := pngFile(t)
	u := srv.URL
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // in the output
	}{
		{"global flags first", nil, []string{"--url", u, "--key", "k", "--json", "list"}, `"uuid": "id-1"`},
		{"global flags last", nil, []string{"list", "--json", "--url", u, "--key", "k"}, `"uuid": "id-1"`},
		{"name=value", nil, []string{"list", "--url=" + u, "--key=k", "--limit=1", "--json"}, `"uuid": "id-1"`},
		{"from the environment", map[string]string{"RECEIPTS_URL": u, "RECEIPTS_API_KEY": "k"}, []string{"list", "--json"}, `"uuid": "id-1"`},
		{"flag beats environment", map[string]string{"RECEIPTS_URL": u, "RECEIPTS_API_KEY": "wrong"}, []string{"list", "--key", "k"}, "ACME"},
		{"upload, flags after files", nil, []string{"upload", file, "--wait", "--json", "--url", u, "--key", "k"}, `"status": "COMPLETED"`},
		{"upload, flags before files", nil, []string{"--json", "upload", "--wait", "--url", u, "--key", "k", file}, `"status": "COMPLETED"`},
		{"upload without waiting", nil, []string{"upload", file, "--url", u, "--key", "k"}, "PROCESSING"},
		{"get, a table and the text", nil, []string{"get", "id-1", "--url", u, "--key", "k"}, "ACME TOTAL 9.00"},
		{"get, flags first", nil, []string{"--url", u, "--key", "k", "get", "--json", "id-1"}, `"vendor": "ACME"`},
		{"delete", nil, []string{"delete", "id-1", "--url", u, "--key", "k"}, "deleted id-1"},
		{"delete, json", nil, []string{"--json", "delete", "--url", u, "--key", "k", "id-1"}, `"deleted": "id-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"RECEIPTS_URL", "RECEIPTS_API_KEY", "RECEIPTS_TABLE"} {
				t.Setenv(k, tt.env[k])
			}
			out, errOut, err := runCLI(tt.args...)
			if err != nil || !strings.Contains(out, tt.want) {
				t.Errorf("receipts %q = %q (stderr %q), %v; want %q in it", tt.args, out, errOut, err, tt.want)
			}
		})
	}
}

// TestHelp: --help prints the usage of what it follows to stdout and
// succeeds.
func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Usage: receipts <command>", "upload <file> ...", "keys revoke <key-or-prefix>", "--json", "--url=URL"}},
		{[]string{"-h"}, []string{"Usage: receipts <command>"}},
		{[]string{"list", "--help"}, []string{"Usage: receipts list", "--status=STATUS", "--limit=N", "--all"}},
		{[]string{"upload", "a.jpg", "--help"}, []string{"Usage: receipts upload <file> ...", "--wait"}},
		{[]string{"keys", "create", "--help"}, []string{"Usage: receipts keys create", "--tenant=NAME"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, err := runCLI(tt.args...)
			if err != nil || errOut != "" {
				t.Errorf("err %v, stderr %q; want neither", err, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestErrors: a mistake in the command line is a usage error (exit 2) with
// the usage on stderr; a failure of the request is not (exit 1).
func TestErrors(t *testing.T) {
	srv := fakeAPI(t)
	u := srv.URL
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		want      string // in the error
	}{
		{"no command", nil, true, "expected one of"},
		{"unknown command", []string{"frobnicate"}, true, "unexpected argument frobnicate"},
		{"get without an id", []string{"get"}, true, `expected "<id>"`},
		{"get with two ids", []string{"get", "a", "b"}, true, "unexpected argument b"},
		{"delete without an id", []string{"delete"}, true, `expected "<id>"`},
		{"upload without files", []string{"upload", "--wait"}, true, "<file>"},
		{"keys without a subcommand", []string{"keys"}, true, "expected one of"},
		{"revoke without a key", []string{"keys", "revoke"}, true, "<key-or-prefix>"},
		{"limit not a number", []string{"list", "--limit", "x"}, true, "--limit"},
		{"flag without its value", []string{"list", "--url"}, true, "--url"},
		{"unknown flag", []string{"list", "--colour"}, true, "unknown flag --colour"},
		{"bad key", []string{"list", "--url", u, "--key", "nope"}, false, "401: unauthorized"},
		{"unknown receipt", []string{"get", "id-2", "--url", u, "--key", "k"}, false, "404: receipt not found"},
		{"unreadable file", []string{"upload", "/nonexistent.png", "--url", u, "--key", "k"}, false, "1 of 1 uploads failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"RECEIPTS_URL", "RECEIPTS_API_KEY", "RECEIPTS_TABLE"} {
				t.Setenv(k, "")
			}
			_, errOut, err := runCLI(tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one with %q", err, tt.want)
			}
			var u usageError
			if got := errors.As(err, &u); got != tt.wantUsage {
				t.Errorf("usage error %v, want %v", got, tt.wantUsage)
			}
			if tt.wantUsage && !strings.Contains(errOut, "Usage: receipts") {
				t.Errorf("stderr %q, want the usage", errOut)
			}
		})
	}
}
