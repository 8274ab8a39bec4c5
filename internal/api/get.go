package api

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// GetHandler serves GET /receipt/{id}, the function GetFunction runs.
func (s *Server) GetHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"GET /receipt/{id}": s.get})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	rc, ok := s.callersReceipt(w, r)
	if !ok {
		return
	}
	// A text too long for the table is stored beside the file; GET still
	// answers with all of it (lists leave it out).
	if rc.DetailsKey != "" {
		text, err := s.files.Get(r.Context(), rc.DetailsKey)
		if err != nil {
			// Not the caller's mistake, even when the object is missing.
			s.fail(w, r, fmt.Errorf("read text of receipt %s: %v", rc.ID, err))
			return
		}
		rc.Details = string(text)
	}
	writeJSON(w, http.StatusOK, fitAnswer(s.bodyOf(rc)))
}

// fitAnswer cuts a receipt's text further, and says so, when escaping
// makes its answer too large for Lambda's response.
func fitAnswer(b receiptBody) receiptBody {
	enc, err := json.Marshal(b)
	if err != nil || answerSize(enc) <= MaxAnswerBytes {
		return b
	}
	text := b.Details
	b.Details, b.DetailsTruncated = "", true
	rest, _ := json.Marshal(b)
	b.Details = fitText(text, MaxAnswerBytes-answerSize(rest))
	return b
}
