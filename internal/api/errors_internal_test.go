//go:build !integration

package api

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/receipts-api/receipts/internal/receipt"
)

// TestErrorKinds: an error of a kind the caller causes is answered with
// its kind's 4xx and its own message, however deeply wrapped; any other
// kind, or an error of no kind, is a 500 that never shows its text.
func TestErrorKinds(t *testing.T) {
	s := New(nil, nil, nil)
	s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	want := map[receipt.Kind]int{
		receipt.BadInput: 400, receipt.Unauthorized: 401, receipt.NotFound: 404, receipt.NotAllowed: 405,
		receipt.Conflict: 409, receipt.Stale: 412, receipt.TooLarge: 413, receipt.UnsupportedType: 415,
		receipt.Mismatch: 422, receipt.Limited: 429,
		receipt.Transient: 500, receipt.Unreadable: 500, receipt.OverLimit: 500, receipt.TimedOut: 500,
	}
	for k := receipt.Transient; k <= receipt.TimedOut; k++ {
		status, ok := want[k]
		if !ok {
			t.Errorf("kind %d has no expected status here: add it", k)
			continue
		}
		w := httptest.NewRecorder()
		s.fail(w, httptest.NewRequest("GET", "/", nil), fmt.Errorf("context: %w", receipt.NewError(k, "secret detail")))
		wantBody := `{"error":"secret detail"}`
		if status == 500 {
			wantBody = `{"error":"internal error"}`
		}
		if w.Code != status || w.Body.String() != wantBody {
			t.Errorf("kind %d: %d %s, want %d %s", k, w.Code, w.Body, status, wantBody)
		}
	}
}
