//go:build integration

package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/local/testenv"
)

// noisePNG is a valid PNG too big for POST /receipt, so the CLI must take
// the presigned path.
func noisePNG(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1100, 1100))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.IntN(256))
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Len() <= directLimit {
		t.Fatalf("test image is only %d bytes", b.Len())
	}
	return b.Bytes()
}

// TestCLI drives the CLI against the local stack as a user would: create a
// key, upload through both paths, list, get, delete, revoke. The gateway
// keeps no authorizer answers here, so a revoked key fails at once.
func TestCLI(t *testing.T) {
	st := testenv.Stack(t, map[string]string{"AuthorizerCacheTtl": "0"})
	root := testenv.Root(t)
	dir := t.TempDir()
	stack, _ := json.Marshal(map[string]string{"api": st.APIURL, "dynamodb": st.Dynamo.Endpoint, "table": st.Template.PhysicalName("ReceiptsTable")})
	if err := os.MkdirAll(filepath.Join(dir, ".local"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".local", "stack.json"), stack, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.png")
	if err := os.WriteFile(big, noisePNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	out, err := cli(t, "keys", "create", "--tenant", "cli-test", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Key, Tenant string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Tenant != "cli-test" || !strings.HasPrefix(created.Key, "rcpt_") {
		t.Fatalf("keys create --json = %s", out)
	}
	if err := os.WriteFile(filepath.Join(dir, ".local", "dev-api-key"), []byte(created.Key), 0o600); err != nil {
		t.Fatal(err)
	}

	small := filepath.Join(root, "..", "shared", "receipts", "sroie", "img", "030.jpg")
	out, err = cli(t, "upload", small, big, "--wait", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var uploaded []map[string]any
	if err := json.Unmarshal([]byte(out), &uploaded); err != nil || len(uploaded) != 2 {
		t.Fatalf("upload --json = %s", out)
	}
	if uploaded[0]["status"] != "COMPLETED" {
		t.Errorf("small upload ended %v", uploaded[0]["status"])
	}
	// Noise has no text: processed, and failed for it.
	if s := uploaded[1]["status"]; s != "COMPLETED" && s != "FAILED" {
		t.Errorf("presigned upload ended %v", s)
	}
	id := uploaded[0]["uuid"].(string)

	out, err = cli(t, "list")
	if err != nil || !strings.Contains(out, id) || !strings.HasPrefix(out, "ID") {
		t.Errorf("list = %q, %v", out, err)
	}
	if out, err = cli(t, "get", id, "--json"); err != nil || !strings.Contains(out, `"status": "COMPLETED"`) {
		t.Errorf("get = %q, %v", out, err)
	}
	if _, err = cli(t, "delete", id); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err = cli(t, "get", id); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("get after delete = %v, want a 404", err)
	}
	if out, err = cli(t, "keys", "list"); err != nil || !strings.Contains(out, "cli-test") || strings.Contains(out, created.Key) {
		t.Errorf("keys list = %q, %v (must show prefixes, never keys)", out, err)
	}
	if _, err = cli(t, "keys", "revoke", created.Key[:9]); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err = cli(t, "list"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("list with a revoked key = %v, want a 401", err)
	}
	if _, err = cli(t, "frobnicate"); err == nil {
		t.Error("an unknown command succeeded")
	}
}
