//go:build !integration

package processor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/receipt"
)

// TestEachReceiptWritesItsTimings: every receipt processed writes one EMF
// record with its outcome and stage times, and a completed one keeps its
// engine and timings for GET.
func TestEachReceiptWritesItsTimings(t *testing.T) {
	tests := []struct {
		name                string
		swap                bool // the stored file is not the one validated
		wantOutcome, reason string
	}{
		{"completed", false, "COMPLETED", "none"},
		{"failed for good", true, "FAILED", "file_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(id(1))
			f.update(id(1), func(rc *receipt.Receipt) { rc.CreatedAt = time.Now().Add(-3 * time.Second) })
			if tt.swap {
				f.putFile(receipt.FileKey(tenant, id(1)), []byte("%PDF-1.4 other bytes %%EOF"))
			}
			var out bytes.Buffer
			f.p.Engine, f.p.Metrics = "tesseract", metrics.New(&out)
			if err := f.p.Process(context.Background(), job(id(1))); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("want one metrics line, got %q", out.String())
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
				t.Fatal(err)
			}
			if rec["Outcome"] != tt.wantOutcome || rec["Reason"] != tt.reason || rec["Engine"] != "tesseract" || rec["id"] != id(1) {
				t.Errorf("record %s", lines[0])
			}
			if q, _ := rec["QueuedTime"].(float64); q < 3000 {
				t.Errorf("QueuedTime %v, want at least the 3 s since upload", rec["QueuedTime"])
			}
			if total, _ := rec["TotalTime"].(float64); total < 3000 {
				t.Errorf("TotalTime %v, want at least 3 s", rec["TotalTime"])
			}
			rc := f.get(id(1))
			if tt.wantOutcome == "COMPLETED" && (rc.Engine != "tesseract" || rc.Timings.Total < 3*time.Second || rc.Timings.Queued < 3*time.Second) {
				t.Errorf("stored engine %q timings %+v", rc.Engine, rc.Timings)
			}
		})
	}
}
