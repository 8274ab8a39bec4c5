// Package workqueue is the queue between the table and the processor. The
// table's stream is the trigger (no receipt can be stored without being
// processed), but its consumer, the Dispatcher, only puts one message per
// receipt (a Job) on the work queue and does nothing slow; the processor
// consumes the queue; DeadLetters marks FAILED the receipts whose messages,
// or stream records, ran out of retries. Nothing here reads a document, so
// the functions built on it link no extraction engine.
package workqueue

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/streamrecord"
)

// Job is one receipt to process: the body of a work queue message. It
// carries what the processor needs without reading the stream again,
// including the size and SHA-256 of the file as it was validated, so the
// processor can tell that the bytes it reads are those bytes.
type Job struct {
	Tenant      string `json:"tenant"`
	ID          string `json:"id"`
	FileKey     string `json:"fileKey"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// ParseJob reads a work queue message body.
func ParseJob(body string) (Job, error) {
	var j Job
	if err := json.Unmarshal([]byte(body), &j); err != nil {
		return Job{}, fmt.Errorf("parse work message: %w", err)
	}
	if j.Tenant == "" || !receipt.ValidID(j.ID) || j.FileKey == "" {
		return Job{}, fmt.Errorf("work message names no receipt: %.200s", body)
	}
	return j, nil
}

// Body is the job as a work queue message body.
func (j Job) Body() string {
	b, _ := json.Marshal(j)
	return string(b)
}

// JobFrom reads the receipt a stream record carries: an INSERT of a receipt
// to process (a direct upload), or the MODIFY that moves a presigned upload
// to PROCESSING. ok is false for any other record (the event source's filter
// should have dropped them, but a wider filter must not make us misbehave).
func JobFrom(r events.DynamoDBEventRecord) (Job, bool) {
	if r.EventName != string(events.DynamoDBOperationTypeInsert) && r.EventName != string(events.DynamoDBOperationTypeModify) {
		return Job{}, false
	}
	tenant, id, ok := store.KeyFromStreamKeys(streamrecord.Strings(r.Change.Keys))
	if !ok {
		return Job{}, false
	}
	rc, err := store.ReceiptFromImage(streamrecord.SDK(r.Change.NewImage))
	if err != nil || rc.Status != receipt.Processing {
		return Job{}, false
	}
	return Job{Tenant: tenant, ID: id, FileKey: rc.FileKey, ContentType: rc.ContentType, Size: rc.Size, SHA256: rc.SHA256}, true
}
