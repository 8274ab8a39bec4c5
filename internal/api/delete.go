package api

import "net/http"

// DeleteHandler serves DELETE /receipt/{id}, the function DeleteFunction
// runs.
func (s *Server) DeleteHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"DELETE /receipt/{id}": s.delete})
}

// delete is DELETE /receipt/{id}: the file, any text stored beside it, then
// the record.
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
	if rc.DetailsKey != "" {
		if err := s.files.Delete(r.Context(), rc.DetailsKey); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.receipts.Delete(r.Context(), tenant, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "receipt deleted", "id", id, "tenant", tenant)
	w.WriteHeader(http.StatusNoContent)
}
