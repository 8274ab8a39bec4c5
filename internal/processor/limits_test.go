//go:build !integration

package processor_test

import (
	"context"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// TestPixelLimit: an image over the pixel limit never reaches an engine
// (Textract included) and ends FAILED at once, without a retry.
func TestPixelLimit(t *testing.T) {
	tests := []struct {
		name       string
		doc        []byte
		typ        string
		wantFailed string // part of the reason; "" for completed
	}{
		{"jpeg bomb", testdocs.JPEG(30000, 30000), receipt.JPEG, "image of 30000x30000 pixels is over the limit"},
		{"png bomb", testdocs.PNG(8944, 8944, 2, 16), receipt.PNG, "image of 8944x8944 pixels is over the limit"},
		{"image within the limit", testdocs.JPEG(4960, 7016), receipt.JPEG, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(id(1))
			f.update(id(1), func(rc *receipt.Receipt) {
				rc.ContentType, rc.Size, rc.SHA256 = tt.typ, int64(len(tt.doc)), sum(tt.doc)
			})
			f.putFile(receipt.FileKey(tenant, id(1)), tt.doc)
			j := job(id(1))
			j.ContentType, j.Size, j.SHA256 = tt.typ, int64(len(tt.doc)), sum(tt.doc)
			if err := f.p.Process(context.Background(), j); err != nil {
				t.Fatalf("Process = %v, want no error (no retry)", err)
			}
			got := f.get(id(1))
			if tt.wantFailed == "" {
				if got.Status != receipt.Completed || f.ex.calls != 1 {
					t.Errorf("status %s after %d extractions, want COMPLETED", got.Status, f.ex.calls)
				}
				return
			}
			if got.Status != receipt.Failed || !strings.Contains(got.Error, tt.wantFailed) || f.ex.calls != 0 {
				t.Errorf("status %s (%q) after %d extractions, want FAILED (%s) before any", got.Status, got.Error, f.ex.calls, tt.wantFailed)
			}
		})
	}
}
