package processor_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

type outcome struct{ completed, failed, reason string }

type fakeReceipts struct{ got outcome }

func (f *fakeReceipts) Complete(_ context.Context, _, id, _ string, _ receipt.Fields, _ time.Time) error {
	f.got.completed = id
	return nil
}

func (f *fakeReceipts) Fail(_ context.Context, _, id, reason string, _ time.Time) error {
	f.got.failed, f.got.reason = id, reason
	return nil
}

type oneFile []byte

func (f oneFile) Get(context.Context, string) ([]byte, error) { return f, nil }

// countingExtractor stands in for an engine, and counts what reached it.
type countingExtractor struct{ calls int }

func (c *countingExtractor) Extract(context.Context, extract.Document) (extract.Result, error) {
	c.calls++
	return extract.Result{Text: "TOTAL 9.00"}, nil
}

// TestPixelLimit: an image over the pixel limit never reaches an engine
// (Textract included) and ends FAILED at once, without a retry.
func TestPixelLimit(t *testing.T) {
	tests := []struct {
		name       string
		doc        []byte
		typ        string
		wantFailed string // reason's start; "" for completed
	}{
		{"jpeg bomb", testdocs.JPEG(30000, 30000), receipt.JPEG, "image of 30000x30000 pixels is over the limit"},
		{"png bomb", testdocs.PNG(8944, 8944, 2, 16), receipt.PNG, "image of 8944x8944 pixels is over the limit"},
		{"image within the limit", testdocs.JPEG(4960, 7016), receipt.JPEG, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, ex := &fakeReceipts{}, &countingExtractor{}
			p := processor.New(rs, oneFile(tt.doc), "bucket", ex, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := p.Process(context.Background(), processor.Job{Tenant: "t", ID: "r1", FileKey: "t/r1", ContentType: tt.typ}); err != nil {
				t.Fatalf("Process = %v, want no error (no retry)", err)
			}
			if tt.wantFailed == "" {
				if rs.got.completed != "r1" || ex.calls != 1 {
					t.Errorf("got %+v after %d extractions, want completed", rs.got, ex.calls)
				}
				return
			}
			if rs.got.failed != "r1" || !strings.HasPrefix(rs.got.reason, tt.wantFailed) || ex.calls != 0 {
				t.Errorf("got %+v after %d extractions, want FAILED (%s...) before any", rs.got, ex.calls, tt.wantFailed)
			}
		})
	}
}
