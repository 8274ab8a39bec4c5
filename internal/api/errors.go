package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

// clientError is a mistake of the caller's, answered with its own status and
// message. Messages of the original service are kept byte for byte.
type clientError struct {
	status  int
	message string
}

func (e *clientError) Error() string { return e.message }

var (
	errFileNotFound     = &clientError{http.StatusBadRequest, "File not found in the request."}
	errInvalidFormat    = &clientError{http.StatusBadRequest, "Invalid file format. Supported formats: PNG, JPG, PDF."}
	errTooLarge         = &clientError{http.StatusRequestEntityTooLarge, "File too large. The maximum upload size is 4 MiB; use POST /receipt/uploads for files up to 10 MB."}
	errMethodNotAllowed = &clientError{http.StatusMethodNotAllowed, "method not allowed"}
	errRouteNotFound    = &clientError{http.StatusNotFound, "route not found"}
	errReceiptNotFound  = &clientError{http.StatusNotFound, "receipt not found"}
	errUnauthorized     = &clientError{http.StatusUnauthorized, "unauthorized"}
)

// errTooManyPixels answers an image whose header declares more pixels than
// the limit: refused before anything decodes it.
func errTooManyPixels(e *receipt.PixelError) *clientError {
	return &clientError{http.StatusBadRequest, fmt.Sprintf(
		"Image too large: %dx%d pixels is over the limit of %d pixels.", e.Width, e.Height, e.Limit)}
}

// domainErrors maps the domain's errors to answers: the one place where a
// store or service error becomes an HTTP status.
var domainErrors = []struct {
	err    error
	answer *clientError
}{
	{receipt.ErrNotFound, errReceiptNotFound},
	{receipt.ErrConflict, &clientError{http.StatusConflict, "conflict"}},
	{receipt.ErrBadCursor, errBadCursor},
	// What a client gave is bounded before it is stored, so this is a bound
	// missed; still the input's size, never a 500.
	{receipt.ErrTooLarge, &clientError{http.StatusRequestEntityTooLarge, "receipt too large to store"}},
	{webhook.ErrEndpointNotFound, &clientError{http.StatusNotFound, "webhook not found"}},
	{webhook.ErrDeliveryNotFound, &clientError{http.StatusNotFound, "delivery not found"}},
	{webhook.ErrTooManyEndpoints, &clientError{http.StatusConflict, fmt.Sprintf("a tenant may have at most %d webhooks: delete one first", webhook.MaxEndpoints)}},
}

// fail answers err as JSON. Anything that is not a known client error is
// logged in full and answered with a generic 500, never with its text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ce *clientError
	if !errors.As(err, &ce) {
		for _, d := range domainErrors {
			if errors.Is(err, d.err) {
				ce = d.answer
				break
			}
		}
	}
	if ce == nil {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ce = &clientError{http.StatusInternalServerError, "internal error"}
	}
	writeClientError(w, ce)
}

// writeClientError answers e in the API's error shape.
func writeClientError(w http.ResponseWriter, e *clientError) {
	writeJSON(w, e.status, map[string]string{"error": e.message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
