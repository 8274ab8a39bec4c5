//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
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
	t.Run("export", func(t *testing.T) { exportThousand(t, st) })
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

// exportThousand exports 1,000 receipts of 2024, seeded in the stack's
// table with vendors and addresses a spreadsheet could misread, to CSV:
// the file parses as CSV with a header and one line and one row per
// receipt, each once; receipts of other years are left out.
func exportThousand(t *testing.T, st *stack.Stack) {
	const n = 1000
	tenant := "cli-export"
	key, err := st.CreateKey(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	vendors := []string{"ALDI SÜD", "Comma, Ltd.", `Quote "Q" Shop`, "=SUM(A1:A9)", "Two\nLines", "-minus", "@home"}
	now := time.Now().UTC()
	var rs []*receipt.Receipt
	want := map[string]bool{}
	for i := range n + 50 {
		id, err := receipt.NewID()
		if err != nil {
			t.Fatal(err)
		}
		f := receipt.Fields{Vendor: vendors[i%len(vendors)], Address: "1 Main St\nTown", Total: fmt.Sprintf("%d.%02d", i%90, i%100), Currency: "EUR",
			Date: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%366).Format(time.DateOnly)}
		if i >= n {
			f.Date = "2023-12-31" // outside the export
		} else {
			want[id] = true
		}
		rs = append(rs, &receipt.Receipt{ID: id, Tenant: tenant, Status: receipt.Completed, Filename: "r.jpg", FileKey: receipt.FileKey(tenant, id),
			ContentType: receipt.JPEG, Size: 1000, SHA256: strings.Repeat("ef", 32), Details: "TEXT", Fields: f, Engine: "tesseract",
			CreatedAt: now, UpdatedAt: now})
	}
	testenv.PutReceipts(t, st.DB, st.Template.PhysicalName("ReceiptsTable"), rs)
	file := filepath.Join(t.TempDir(), "2024.csv")
	if _, err := cli(t, "--url", st.APIURL, "--key", key, "export", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "csv", "-o", file); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v", err)
	}
	if lines := bytes.Count(b, []byte("\n")); lines != n+1 || len(rows) != n+1 {
		t.Fatalf("%d lines and %d rows, want a header and %d", lines, len(rows), n)
	}
	for _, row := range rows[1:] {
		if !want[row[0]] {
			t.Fatalf("row for %q: not a receipt of 2024, or listed twice", row[0])
		}
		delete(want, row[0])
		if v := row[3]; v != "" && strings.ContainsAny(v[:1], "=+-@") {
			t.Errorf("vendor cell %q would be read as a formula", v)
		}
	}
}
