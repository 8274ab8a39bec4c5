package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

// writeAttempts is how often a write that lost to another writer is tried
// again on what that writer left, before the request gives up with 409.
const writeAttempts = 3

var (
	errStillProcessing = receipt.NewError(receipt.Conflict, stillProcessing)
	errStale           = receipt.NewError(receipt.Stale, "the receipt changed since that ETag: GET it again and reapply your change")
	errBusy            = receipt.NewError(receipt.Conflict, "the receipt kept changing; try again")
)

// PatchHandler serves PATCH /receipt/{id}, the function PatchFunction
// runs.
func (s *Server) PatchHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"PATCH /receipt/{id}": s.patch})
}

// patch corrects a receipt's fields with a JSON merge patch (RFC 7396).
// The engine's reading stays beside the corrections, and a corrected
// vendor teaches the tenant's vendor memory.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	tenant, id, ok := s.callersID(w, r)
	if !ok {
		return
	}
	p, err := readPatch(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ifMatch := r.Header.Get("If-Match")
	for attempt := 0; attempt < writeAttempts; attempt++ {
		rc, err := s.receipts.Get(r.Context(), tenant, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ifMatch != "" && !rc.MatchesETag(ifMatch) {
			s.fail(w, r, errStale)
			return
		}
		if st := rc.StatusAt(s.now()); st == receipt.Processing || st == receipt.Uploading {
			s.fail(w, r, errStillProcessing)
			return
		}
		if len(p) > 0 {
			err = s.correct(r.Context(), rc, p, keyPrefixFrom(r.Context()))
			if errors.Is(err, receipt.ErrConflict) {
				continue // changed since read: decide again on what it is now
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.answer(w, r, http.StatusOK, rc)
		return
	}
	s.fail(w, r, errBusy)
}

// correct applies the patch to rc and stores it, teaching the vendor
// memory when the vendor was set; rc becomes what was stored.
func (s *Server) correct(ctx context.Context, rc *receipt.Receipt, p patch, by string) error {
	now := s.now().UTC()
	seen := rc.Version
	set := rc.Fields
	corrections := make(map[string]receipt.Correction, len(rc.Corrections)+len(p))
	for name, c := range rc.Corrections {
		corrections[name] = c
	}
	for name, v := range p {
		if name == "lineItems" {
			set.LineItems = v.lineItems
		} else {
			set.Set(name, v.value)
		}
		corrections[name] = receipt.Correction{At: now, By: by}
	}
	var teach []vendors.Entry
	if v, ok := p["vendor"]; ok && v.value != "" {
		known, err := s.receipts.VendorEntries(ctx, rc.Tenant, vendors.Keys(rc.Extracted))
		if err != nil {
			return err
		}
		teach = vendors.Teach(rc.Extracted, rc.ID, v.value, known, now)
	}
	next := *rc
	next.Corrections = corrections
	next.Fields = receipt.Corrected(rc.Extracted, set, corrections)
	next.UpdatedAt = now
	if err := s.receipts.Correct(ctx, &next, seen, teach, now); err != nil {
		return fmt.Errorf("correct receipt %s: %w", rc.ID, err)
	}
	*rc = next
	return nil
}
