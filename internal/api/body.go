package api

import (
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

const stillProcessing = "receipt is still processing"

// receiptBody is a receipt as clients see it. The first keys are the original
// service's and keep their names and meaning; the rest were added since.
type receiptBody struct {
	Message      string `json:"message,omitempty"`
	UUID         string `json:"uuid"`
	Details      string `json:"details"`
	IsProcessing bool   `json:"isProcessing"`
	HasError     bool   `json:"hasError"`
	Error        string `json:"error"`

	Status           receipt.Status `json:"status"`
	DetailsTruncated bool           `json:"detailsTruncated,omitempty"`
	Fields           *fieldsBody    `json:"fields,omitempty"`
	// Extracted and Corrections are present once a person corrected a
	// field: what the service read, and which fields were set, when and
	// with which key.
	Extracted           *fieldsBody               `json:"extracted,omitempty"`
	Corrections         map[string]correctionBody `json:"corrections,omitempty"`
	CountryHint         string                    `json:"countryHint,omitempty"`
	DuplicateOf         string                    `json:"duplicateOf,omitempty"`
	PossibleDuplicateOf string                    `json:"possibleDuplicateOf,omitempty"`
	Engine              string                    `json:"engine,omitempty"`
	Timings             *timingsBody              `json:"timings,omitempty"`
	Filename            string                    `json:"filename,omitempty"`
	ContentType         string                    `json:"contentType"`
	Size                int64                     `json:"size"`
	CreatedAt           time.Time                 `json:"createdAt"`
	UpdatedAt           time.Time                 `json:"updatedAt"`
}

func (s *Server) bodyOf(r *receipt.Receipt) receiptBody { return bodyAt(r, s.now()) }

// ReceiptBody is a receipt as GET /receipt/{id} answers it at now: what
// webhook events carry.
func ReceiptBody(r *receipt.Receipt, now time.Time) any { return bodyAt(r, now) }

func bodyAt(r *receipt.Receipt, now time.Time) receiptBody {
	if st := r.StatusAt(now); st != r.Status {
		seen := *r
		seen.Status = st
		r = &seen
	}
	b := receiptBody{
		UUID: r.ID, Details: r.Details, Status: r.Status, DetailsTruncated: r.DetailsTruncated,
		IsProcessing: r.Status == receipt.Processing || r.Status == receipt.Uploading,
		Filename:     r.Filename, ContentType: r.ContentType, Size: r.Size,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Fields: fieldsOf(r.Fields),
		CountryHint: r.CountryHint, DuplicateOf: r.DuplicateOf, PossibleDuplicateOf: r.PossibleDuplicateOf,
	}
	if len(r.Corrections) > 0 {
		b.Extracted = fieldsOf(r.Extracted)
		if b.Extracted == nil {
			b.Extracted = &fieldsBody{}
		}
		b.Corrections = make(map[string]correctionBody, len(r.Corrections))
		for name, c := range r.Corrections {
			b.Corrections[name] = correctionBody{At: c.At, By: c.By}
		}
	}
	if r.Status == receipt.Completed {
		b.Engine, b.Timings = r.Engine, timingsOf(r.Timings)
	}
	switch r.Status {
	case receipt.Processing, receipt.Uploading:
		b.Message = stillProcessing
	case receipt.Failed:
		b.HasError, b.Error = true, receipt.ExtractionError
	}
	return b
}

// correctionBody says when a field was set, and with which key (its
// prefix).
type correctionBody struct {
	At time.Time `json:"at"`
	By string    `json:"by,omitempty"`
}

// timingsBody says, in milliseconds, where a finished receipt's processing
// time went.
type timingsBody struct {
	Queued int64 `json:"queued"`
	Fetch  int64 `json:"fetch"`
	OCR    int64 `json:"ocr"`
	Parse  int64 `json:"parse"`
	Total  int64 `json:"total"`
}

func timingsOf(t receipt.Timings) *timingsBody {
	if t == (receipt.Timings{}) {
		return nil
	}
	return &timingsBody{Queued: t.Queued.Milliseconds(), Fetch: t.Fetch.Milliseconds(), OCR: t.OCR.Milliseconds(),
		Parse: t.Parse.Milliseconds(), Total: t.Total.Milliseconds()}
}
