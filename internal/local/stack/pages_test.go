//go:build integration

package stack_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/testenv"
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
	id := c.uploadID(t, "scan.pdf", receiptThenBlank(jpeg, 463, 1013, 500))
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

// receiptThenBlank is a scanned PDF (no text layer) of n pages: the JPEG
// (w×h pixels) on the first, blank pages after it.
func receiptThenBlank(jpg []byte, w, h, n int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			fmt.Fprintf(&b, "\nstream\n%s\nendstream", stream)
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n")
	// 1 catalog, 2 page tree, 3 and 4 the images, 5 and 6 the contents;
	// pages from 7 on.
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 7+i)
	}
	obj("<</Type /Catalog /Pages 2 0 R>>", nil)
	obj(fmt.Sprintf("<</Type /Pages /Kids [%s] /Count %d>>", strings.Join(kids, " "), n), nil)
	obj(fmt.Sprintf("<</Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d>>", w, h, len(jpg)), jpg)
	obj("<</Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1>>", []byte{0xff})
	for _, content := range []string{fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", w, h), fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im1 Do Q", w, h)} {
		obj(fmt.Sprintf("<</Length %d>>", len(content)), []byte(content))
	}
	for i := range n {
		contents := 6
		if i == 0 {
			contents = 5
		}
		obj(fmt.Sprintf("<</Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R /Resources <</XObject <</Im0 3 0 R /Im1 4 0 R>>>>>>", w, h, contents), nil)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}
