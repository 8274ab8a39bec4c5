// Package extract turns receipt documents into text and fields. Engines
// (Tesseract, Textract) produce text, and where they can, fields; Parse turns
// any receipt text into fields, so every engine shares one parser.
package extract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Result is what an engine got from a document.
type Result struct {
	Text   string
	Fields receipt.Fields
	// ParseTime is the part of the engine's time spent turning text into
	// fields, where the engine measures it.
	ParseTime time.Duration
}

// Document is a stored receipt document.
type Document struct {
	Bytes       []byte
	ContentType string // receipt.PNG, JPEG or PDF
	// Bucket and Key say where it is stored, for engines that read it there.
	Bucket, Key string
	// Received is when the receipt was uploaded: a date after it is a
	// misreading. Zero means now.
	Received time.Time
	// Country is the client's or the tenant's word on where the receipt
	// is from (ISO 3166-1 alpha-2); empty lets the receipt's evidence
	// decide.
	Country string
}

// Extractor reads a document.
type Extractor interface {
	Extract(ctx context.Context, doc Document) (Result, error)
}

// ErrUnreadable means the document itself is at fault (corrupt, empty, no
// text): trying again cannot help. Any other error may be transient.
var ErrUnreadable = errors.New("document unreadable")

// ErrOverLimit means the document is over one of the limits on what a
// document may cost (pixels, a subprocess's memory). It wraps ErrUnreadable:
// the same document would exceed the limit again, so it is never retried.
var ErrOverLimit = fmt.Errorf("%w: over a limit", ErrUnreadable)
