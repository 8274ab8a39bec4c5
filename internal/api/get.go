package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
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
	s.answer(w, r, http.StatusOK, rc)
}

// answer writes the receipt whole, as GET does, with its ETag.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, rc *receipt.Receipt) {
	if err := s.loadText(r.Context(), rc); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", rc.ETag())
	writeJSON(w, status, fitAnswer(s.bodyOf(rc)))
}

// loadText reads a text too long for the table, which is stored beside
// the file: a receipt is answered with all of it (lists leave it out).
func (s *Server) loadText(ctx context.Context, rc *receipt.Receipt) error {
	if rc.DetailsKey == "" {
		return nil
	}
	text, err := s.files.Get(ctx, rc.DetailsKey)
	if err != nil {
		// Not the caller's mistake, even when the object is missing.
		return fmt.Errorf("read text of receipt %s: %v", rc.ID, err)
	}
	rc.Details = string(text)
	return nil
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
