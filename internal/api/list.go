package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

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

// maxVendorQuery is the longest vendor prefix a list takes, in bytes.
const maxVendorQuery = 200

var (
	errBadLimit  = receipt.NewError(receipt.BadInput, "limit must be a whole number from 1 to 100")
	errBadCursor = receipt.NewError(receipt.BadInput, "invalid cursor")
	errBadStatus = receipt.NewError(receipt.BadInput, "status must be UPLOADING, PROCESSING, COMPLETED or FAILED")
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
	q, err := listQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, next, err := s.receipts.List(r.Context(), tenant, q, s.now())
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
			next = q.Cursor(rs[i-1].Fields.Date, rs[i-1].ID)
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

// listQuery reads a list's parameters; a bad one is a 400 that names it.
func listQuery(v url.Values) (receipt.ListQuery, error) {
	q := receipt.ListQuery{Limit: defaultLimit}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return q, errBadLimit
		}
		q.Limit = n
	}
	var err error
	if q.After, err = decodeCursor(v.Get("cursor")); err != nil {
		return q, err
	}
	q.Status = receipt.Status(v.Get("status"))
	switch q.Status {
	case "", receipt.Uploading, receipt.Processing, receipt.Completed, receipt.Failed:
	default:
		return q, errBadStatus
	}
	for name, dst := range map[string]*string{"from": &q.From, "to": &q.To} {
		if *dst = v.Get(name); *dst != "" && !receipt.ValidDate(*dst) {
			return q, badParam(name + " must be a date as YYYY-MM-DD")
		}
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return q, badParam("from must not be after to")
	}
	if vendor := v.Get("vendor"); vendor != "" {
		if q.Vendor = receipt.FoldVendor(vendor); q.Vendor == "" || len(vendor) > maxVendorQuery {
			return q, badParam(fmt.Sprintf("vendor must be up to %d bytes holding a letter or digit", maxVendorQuery))
		}
	}
	for name, dst := range map[string]*string{"minTotal": &q.MinTotal, "maxTotal": &q.MaxTotal} {
		if *dst = v.Get(name); *dst != "" && !receipt.ValidAmount(*dst) {
			return q, badParam(name + " must be a decimal amount, e.g. 12.50")
		}
	}
	if q.MinTotal != "" && q.MaxTotal != "" && amountLess(q.MaxTotal, q.MinTotal) {
		return q, badParam("minTotal must not be above maxTotal")
	}
	switch v.Get("duplicates") {
	case "", "false":
	case "true":
		q.Duplicates = true
	default:
		return q, badParam("duplicates must be true or false")
	}
	return q, nil
}

func badParam(message string) *receipt.Error { return receipt.NewError(receipt.BadInput, message) }

// amountLess reports a < b for two valid amounts.
func amountLess(a, b string) bool {
	x, _ := new(big.Rat).SetString(a)
	y, _ := new(big.Rat).SetString(b)
	return x.Cmp(y) < 0
}

// A cursor is where the list continues (the last receipt listed or read,
// as the store names it), encoded so clients treat it as opaque.
// Forging one gains nothing: listing is always confined to the caller's
// tenant.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 100 || !utf8.Valid(b) {
		return "", errBadCursor
	}
	// Whether it names a place in this list is the store's to say
	// (receipt.ListQuery.Position).
	return string(b), nil
}
