package api

import (
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
)

// DeleteHandler serves DELETE /receipt/{id}, the function DeleteFunction
// runs.
func (s *Server) DeleteHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"DELETE /receipt/{id}": s.delete})
}

// delete is DELETE /receipt/{id}: the file, the record, then any text
// stored beside the file.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	rc, ok := s.callersReceipt(w, r)
	if !ok {
		return
	}
	tenant, id := rc.Tenant, rc.ID
	// The file goes first: a retried DELETE finishes what a failed one
	// started, and a processor that loses the file marks the receipt FAILED
	// rather than leaving it processing.
	if err := s.files.Delete(r.Context(), rc.FileKey); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.receipts.Delete(r.Context(), tenant, id); err != nil {
		s.fail(w, r, err)
		return
	}
	// The text goes by its key, after the record, whether or not the record
	// read above named it: a processor may have stored and recorded it
	// since. One that stores it after this finds the receipt gone and
	// removes it itself; one left by a failure here, the sweeper removes.
	if err := s.files.Delete(r.Context(), receipt.DetailsKey(tenant, id)); err != nil {
		s.log.WarnContext(r.Context(), "text of a deleted receipt left for the sweeper", "id", id, "tenant", tenant, "err", err)
	}
	s.log.InfoContext(r.Context(), "receipt deleted", "id", id, "tenant", tenant)
	w.WriteHeader(http.StatusNoContent)
}
