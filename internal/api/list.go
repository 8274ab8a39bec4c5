package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Listing limits.
const (
	defaultLimit = 20
	maxLimit     = 100
)

type listBody struct {
	Receipts   []json.RawMessage `json:"receipts"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

// listEnvelope is room for what a page holds beside its receipts.
const listEnvelope = 256

var (
	errBadLimit  = &clientError{http.StatusBadRequest, "limit must be a whole number from 1 to 100"}
	errBadCursor = &clientError{http.StatusBadRequest, "invalid cursor"}
	errBadStatus = &clientError{http.StatusBadRequest, "status must be UPLOADING, PROCESSING, COMPLETED or FAILED"}
)

// ListHandler serves GET /receipts, the function ListFunction runs.
func (s *Server) ListHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"GET /receipts": s.list})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	q := r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.fail(w, r, errBadLimit)
			return
		}
		limit = n
	}
	after, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		s.fail(w, r, errBadCursor)
		return
	}
	status := receipt.Status(q.Get("status"))
	switch status {
	case "", receipt.Uploading, receipt.Processing, receipt.Completed, receipt.Failed:
	default:
		s.fail(w, r, errBadStatus)
		return
	}
	rs, next, err := s.receipts.List(r.Context(), tenant, limit, after, status, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := listBody{Receipts: make([]json.RawMessage, 0, len(rs))}
	size := listEnvelope
	for i, rc := range rs {
		b, err := json.Marshal(s.bodyOf(rc))
		if err != nil {
			s.fail(w, r, fmt.Errorf("encode receipt %s: %w", rc.ID, err))
			return
		}
		// A page ends where the next receipt would not fit in Lambda's
		// response; the cursor goes on after the last one listed.
		n := answerSize(b)
		if i > 0 && size+n > MaxAnswerBytes {
			next = rs[i-1].ID
			break
		}
		size += n
		body.Receipts = append(body.Receipts, b)
	}
	// A filtered page may be short, even empty, and still have a cursor:
	// each request reads a bounded number of receipts (see store.List).
	if next != "" {
		body.NextCursor = encodeCursor(next)
	}
	writeJSON(w, http.StatusOK, body)
}

// A cursor is the id to continue after (the last receipt listed or read),
// encoded so clients treat it as opaque.
// Forging one gains nothing: listing is always confined to the caller's
// tenant.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !receipt.ValidID(string(b)) {
		return "", errBadCursor
	}
	return string(b), nil
}
