//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/testenv"
)

// syncBuffer is written by the listener's server while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWebhooksCLI: `webhooks listen` shows, verified, the event of an
// upload made meanwhile (as from another terminal), and removes its
// endpoint when it stops; add, list, deliveries and remove manage one.
func TestWebhooksCLI(t *testing.T) {
	st := testenv.Stack(t, nil)
	small := filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "030.jpg")
	dir := t.TempDir()
	stack, _ := json.Marshal(map[string]string{"api": st.APIURL, "dynamodb": st.Dynamo.Endpoint, "table": st.Template.PhysicalName("ReceiptsTable")})
	if err := os.MkdirAll(filepath.Join(dir, ".local"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".local", "stack.json"), stack, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	key, err := st.CreateKey(context.Background(), "cli-hooks")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".local", "dev-api-key"), []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"webhooks", "listen"}, &out, &errOut) }()
	waitFor := func(what string, b *syncBuffer, parts ...string) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(b.String(), p)
			}
			if all {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s in 2 minutes; listen printed:\n%s%s", what, out.String(), errOut.String())
			}
		}
	}
	waitFor("ready line", &errOut, "Listening on http://127.0.0.1:")

	uploaded, err := cli(t, "upload", small, "--wait", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(uploaded), &rs); err != nil || len(rs) != 1 {
		t.Fatalf("upload: %s", uploaded)
	}
	id := rs[0]["uuid"].(string)
	waitFor("verified receipt.completed event", &out, "receipt.completed", id, "signature verified")
	t.Logf("listen printed:\n%s", out.String())
	stop()
	if err := <-done; err != nil {
		t.Fatalf("listen: %v", err)
	}
	if list, err := cli(t, "webhooks", "list", "--json"); err != nil || strings.TrimSpace(list) != "[]" {
		t.Errorf("after listen stopped: %s %v, want no endpoint", list, err)
	}

	added, err := cli(t, "webhooks", "add", "https://93.184.216.34/hook", "--events", "receipt.failed", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal([]byte(added), &w); err != nil || !strings.HasPrefix(w["secret"].(string), "whsec_") {
		t.Fatalf("add: %s", added)
	}
	ep := w["id"].(string)
	if list, err := cli(t, "webhooks", "list"); err != nil || !strings.Contains(list, ep) || !strings.Contains(list, "receipt.failed") {
		t.Errorf("list: %s %v", list, err)
	}
	if ds, err := cli(t, "webhooks", "deliveries", ep); err != nil || !strings.HasPrefix(ds, "ID") {
		t.Errorf("deliveries: %s %v", ds, err)
	}
	if _, err := cli(t, "webhooks", "remove", ep); err != nil {
		t.Errorf("remove: %v", err)
	}
	if _, err := cli(t, "webhooks", "add", "https://10.0.0.1/"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("add of a private address: %v, want a 400", err)
	}
}
