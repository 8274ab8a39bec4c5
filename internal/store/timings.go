package store

import (
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// timings is receipt.Timings in the item, in whole milliseconds.
type timings struct {
	Queued int64 `dynamodbav:"queuedMs"`
	Fetch  int64 `dynamodbav:"fetchMs"`
	OCR    int64 `dynamodbav:"ocrMs"`
	Parse  int64 `dynamodbav:"parseMs"`
	Total  int64 `dynamodbav:"totalMs"`
}

func timingsItem(t receipt.Timings) *timings {
	if t == (receipt.Timings{}) {
		return nil
	}
	return &timings{Queued: t.Queued.Milliseconds(), Fetch: t.Fetch.Milliseconds(), OCR: t.OCR.Milliseconds(),
		Parse: t.Parse.Milliseconds(), Total: t.Total.Milliseconds()}
}

func (t *timings) domain() receipt.Timings {
	if t == nil {
		return receipt.Timings{}
	}
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	return receipt.Timings{Queued: ms(t.Queued), Fetch: ms(t.Fetch), OCR: ms(t.OCR), Parse: ms(t.Parse), Total: ms(t.Total)}
}
