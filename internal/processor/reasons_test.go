//go:build !integration

package processor

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// TestPermanentFailures: an error of a kind no retry can mend, however
// wrapped, ends the receipt FAILED with the error's message as its reason
// and its kind's code in the metrics; any other error, a domain sentinel
// such as receipt.ErrNotFound included, is tried again.
func TestPermanentFailures(t *testing.T) {
	tests := []struct {
		err        error
		wantCode   string // "" for a retry
		wantReason string
	}{
		{receipt.Errorf(receipt.NotFound, "stored file is missing"), "file_missing", "stored file is missing"},
		{receipt.Errorf(receipt.Mismatch, "stored file (%d bytes) is not the file validated at upload", 3), "file_mismatch", "stored file (3 bytes) is not the file validated at upload"},
		{fmt.Errorf("page 2: %w", receipt.Errorf(receipt.OverLimit, "tesseract: over its 512 MiB memory limit")), "over_limit", "tesseract: over its 512 MiB memory limit"},
		{receipt.Errorf(receipt.TimedOut, "extraction took longer than the %s limit (DOC_TIME_LIMIT)", 100*time.Second), "time_limit", "extraction took longer than the 1m40s limit (DOC_TIME_LIMIT)"},
		{receipt.Errorf(receipt.Unreadable, "no text found: document unreadable"), "unreadable", "no text found: document unreadable"},
		{receipt.Errorf(receipt.TooLarge, "result too large to store"), "too_large", "result too large to store"},
		{errors.New("textract throttled"), "", ""},
		{fmt.Errorf("read receipt: %w", receipt.ErrNotFound), "", ""},
		{fmt.Errorf("update: %w", receipt.ErrTooLarge), "", ""},
		{receipt.NewError(receipt.Conflict, "a kind that is no document's fault"), "", ""},
		{receipt.NewError(receipt.Transient, "throttled"), "", ""},
		{nil, "", ""},
	}
	for _, tt := range tests {
		code, reason, ok := permanent(tt.err)
		if ok != (tt.wantCode != "") || code != tt.wantCode || reason != tt.wantReason {
			t.Errorf("permanent(%v) = %q, %q, %v; want %q, %q, %v", tt.err, code, reason, ok, tt.wantCode, tt.wantReason, tt.wantCode != "")
		}
	}
}
