package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

// statuses is the one place where a kind of error becomes an HTTP status.
// A kind not here is no mistake of the caller's: a 500.
var statuses = map[receipt.Kind]int{
	receipt.BadInput:        http.StatusBadRequest,
	receipt.Unauthorized:    http.StatusUnauthorized,
	receipt.NotFound:        http.StatusNotFound,
	receipt.NotAllowed:      http.StatusMethodNotAllowed,
	receipt.Conflict:        http.StatusConflict,
	receipt.Stale:           http.StatusPreconditionFailed,
	receipt.TooLarge:        http.StatusRequestEntityTooLarge,
	receipt.UnsupportedType: http.StatusUnsupportedMediaType,
	receipt.Mismatch:        http.StatusUnprocessableEntity,
	receipt.Limited:         http.StatusTooManyRequests,
}

// The caller's mistakes, answered with their kind's status and their own
// message. Messages of the original service are kept byte for byte.
var (
	errFileNotFound     = receipt.NewError(receipt.BadInput, "File not found in the request.")
	errInvalidFormat    = receipt.NewError(receipt.BadInput, "Invalid file format. Supported formats: PNG, JPG, PDF.")
	errTooLarge         = receipt.NewError(receipt.TooLarge, "File too large. The maximum upload size is 4 MiB; use POST /receipt/uploads for files up to 10 MB.")
	errMethodNotAllowed = receipt.NewError(receipt.NotAllowed, "method not allowed")
	errRouteNotFound    = receipt.NewError(receipt.NotFound, "route not found")
	errReceiptNotFound  = receipt.NewError(receipt.NotFound, "receipt not found")
	errUnauthorized     = receipt.NewError(receipt.Unauthorized, "unauthorized")
)

// errTooManyPixels answers an image whose header declares more pixels than
// the limit: refused before anything decodes it.
func errTooManyPixels(e *receipt.PixelError) *receipt.Error {
	return receipt.Errorf(receipt.BadInput,
		"Image too large: %dx%d pixels is over the limit of %d pixels.", e.Width, e.Height, e.Limit)
}

// domainErrors maps the domain's errors to answers: the one place where a
// store or service error becomes a kind and a message for the caller.
var domainErrors = []struct {
	err    error
	answer *receipt.Error
}{
	{receipt.ErrNotFound, errReceiptNotFound},
	{receipt.ErrConflict, receipt.NewError(receipt.Conflict, "conflict")},
	{receipt.ErrBadCursor, errBadCursor},
	// What a client gave is bounded before it is stored, so this is a bound
	// missed; still the input's size, never a 500.
	{receipt.ErrTooLarge, receipt.NewError(receipt.TooLarge, "receipt too large to store")},
	{webhook.ErrEndpointNotFound, receipt.NewError(receipt.NotFound, "webhook not found")},
	{webhook.ErrDeliveryNotFound, receipt.NewError(receipt.NotFound, "delivery not found")},
	{webhook.ErrTooManyEndpoints, receipt.Errorf(receipt.Conflict, "a tenant may have at most %d webhooks: delete one first", webhook.MaxEndpoints)},
}

// fail answers err as JSON. Anything that is not a known client error is
// logged in full and answered with a generic 500, never with its text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ce, ok := receipt.AsError(err)
	if !ok {
		for _, d := range domainErrors {
			if errors.Is(err, d.err) {
				ce, ok = d.answer, true
				break
			}
		}
	}
	if !ok || statuses[ce.Kind] == 0 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ce = errInternal
	}
	writeClientError(w, ce)
}

// errInternal answers what is not the caller's mistake, never with its
// text.
var errInternal = receipt.NewError(receipt.Transient, "internal error")

// writeClientError answers e in the API's error shape, with its kind's
// status.
func writeClientError(w http.ResponseWriter, e *receipt.Error) {
	status, ok := statuses[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]string{"error": e.Message})
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
