//go:build integration

package stack_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// TestMaxPages: a scanned PDF of far more pages than MAX_PAGES (10 in the
// template) is read up to that count and no further. It completes, saying
// in its warnings what was left out, long before its time budget (100 s):
// its 500 pages, read one by one, would take several budgets and end
// FAILED on time. Its first page is a receipt, the others blank, so the
// pages read take about 20 s.
func TestMaxPages(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "max-pages")
	jpeg, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	id := c.uploadID(t, "scan.pdf", testdocs.ReceiptThenBlank(jpeg, 463, 1013, 500))
	body := c.waitDone(t, id)
	took := time.Since(start)
	t.Logf("ended %s after %s", body["status"], took.Round(time.Millisecond))
	if body["status"] != "COMPLETED" {
		t.Fatalf("status %v (error %v), want COMPLETED: only the first pages are read", body["status"], body["error"])
	}
	fields, _ := body["fields"].(map[string]any)
	var warnings []string
	if ws, ok := fields["warnings"].([]any); ok {
		for _, w := range ws {
			s, _ := w.(string)
			warnings = append(warnings, s)
		}
	}
	if want := "pages: 500 in document, first 10 read"; !slices.Contains(warnings, want) {
		t.Errorf("warnings %q, want %q", warnings, want)
	}
	// A liveness bound, not a measure: the budget is 100 s.
	if limit := 90 * time.Second; took > limit {
		t.Errorf("took %s, want under %s", took, limit)
	}
}
