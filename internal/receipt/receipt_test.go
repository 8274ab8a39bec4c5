//go:build !integration

package receipt_test

import (
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

func TestStatusAt(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status receipt.Status
		until  time.Time
		want   receipt.Status
	}{
		{"upload still possible", receipt.Uploading, now.Add(time.Minute), receipt.Uploading},
		{"upload URL expired", receipt.Uploading, now.Add(-time.Nanosecond), receipt.Failed},
		{"uploading with no expiry", receipt.Uploading, time.Time{}, receipt.Uploading},
		{"processing", receipt.Processing, time.Time{}, receipt.Processing},
		{"completed, an old expiry left behind", receipt.Completed, now.Add(-time.Hour), receipt.Completed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &receipt.Receipt{Status: tt.status, UploadExpiresAt: tt.until}
			if got := r.StatusAt(now); got != tt.want {
				t.Errorf("StatusAt = %s, want %s", got, tt.want)
			}
		})
	}
}
