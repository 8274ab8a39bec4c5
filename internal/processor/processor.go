// Package processor extracts uploaded receipts. It is driven by the table's
// stream: each new receipt item is an INSERT record, so the table is the
// queue and no receipt can be stored without being processed.
package processor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/receipt"
)

// Receipts records the outcome of processing.
type Receipts interface {
	Complete(ctx context.Context, tenant, id, details string, f receipt.Fields, now time.Time) error
	Fail(ctx context.Context, tenant, id, reason string, now time.Time) error
}

// Files reads stored documents.
type Files interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// Processor turns stream records of new receipts into results.
type Processor struct {
	receipts  Receipts
	files     Files
	extractor extract.Extractor
	bucket    string
	log       *slog.Logger
	now       func() time.Time
	// Workers is how many records of a batch are extracted at once.
	Workers int
}

// New returns a Processor over documents stored in bucket.
func New(receipts Receipts, files Files, bucket string, extractor extract.Extractor, log *slog.Logger) *Processor {
	return &Processor{receipts: receipts, files: files, bucket: bucket, extractor: extractor, log: log, now: time.Now, Workers: 2}
}

// Job is one receipt to process, as a stream record names it.
type Job struct {
	Tenant, ID, FileKey, ContentType string
}

// JobFrom reads the receipt a record carries: an INSERT of a receipt to
// process (a direct upload), or the MODIFY that moves a presigned upload to
// PROCESSING. ok is false for any other record (the event source's filter
// should have dropped them, but a wider filter must not make us misbehave).
func JobFrom(r events.DynamoDBEventRecord) (Job, bool) {
	if r.EventName != string(events.DynamoDBOperationTypeInsert) && r.EventName != string(events.DynamoDBOperationTypeModify) {
		return Job{}, false
	}
	img := r.Change.NewImage
	tenant, ok1 := strings.CutPrefix(str(r.Change.Keys["PK"]), "TENANT#")
	id, ok2 := strings.CutPrefix(str(r.Change.Keys["SK"]), "RECEIPT#")
	if !ok1 || !ok2 || str(img["status"]) != string(receipt.Processing) {
		return Job{}, false
	}
	return Job{Tenant: tenant, ID: id, FileKey: str(img["fileKey"]), ContentType: str(img["contentType"])}, true
}

func str(v events.DynamoDBAttributeValue) string {
	if v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// Handle processes a batch of stream records. Records whose processing
// failed for a reason that may pass (throttling, timeouts) are reported as
// batch item failures: Lambda retries from the first of them, and records
// already finished are skipped by the conditional writes.
func (p *Processor) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	errs := make([]error, len(ev.Records))
	sem := make(chan struct{}, max(1, p.Workers))
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		job, ok := JobFrom(rec)
		if !ok {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = p.Process(ctx, job)
		}()
	}
	wg.Wait()
	var resp events.DynamoDBEventResponse
	for i, err := range errs {
		if err != nil {
			// Lambda resumes from the first failure; later ones ride along.
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: ev.Records[i].Change.SequenceNumber}}
			break
		}
	}
	return resp, nil
}

// Process extracts one receipt and records the result. It returns an error
// only when trying again may succeed; a document that cannot be read ends
// FAILED at once.
func (p *Processor) Process(ctx context.Context, job Job) error {
	log := p.log.With("tenant", job.Tenant, "id", job.ID)
	doc, err := p.files.Get(ctx, job.FileKey)
	if errors.Is(err, receipt.ErrNotFound) {
		return p.fail(ctx, job, "stored file is missing")
	}
	if err != nil {
		log.WarnContext(ctx, "read file, will retry", "err", err)
		return fmt.Errorf("read file of receipt %s: %w", job.ID, err)
	}
	start := time.Now()
	res, err := p.extractor.Extract(ctx, extract.Document{
		Bytes: doc, ContentType: job.ContentType, Bucket: p.bucket, Key: job.FileKey, Received: p.now(),
	})
	if errors.Is(err, extract.ErrUnreadable) {
		log.InfoContext(ctx, "document unreadable", "err", err)
		return p.fail(ctx, job, err.Error())
	}
	if err != nil {
		log.WarnContext(ctx, "extract, will retry", "err", err)
		return fmt.Errorf("extract receipt %s: %w", job.ID, err)
	}
	err = p.receipts.Complete(ctx, job.Tenant, job.ID, res.Text, res.Fields, p.now())
	if errors.Is(err, receipt.ErrConflict) {
		log.InfoContext(ctx, "already finished or deleted; result dropped")
		return nil
	}
	if err != nil {
		return fmt.Errorf("complete receipt %s: %w", job.ID, err)
	}
	log.InfoContext(ctx, "receipt completed", "ms", time.Since(start).Milliseconds())
	return nil
}

func (p *Processor) fail(ctx context.Context, job Job, reason string) error {
	err := p.receipts.Fail(ctx, job.Tenant, job.ID, reason, p.now())
	if err != nil && !errors.Is(err, receipt.ErrConflict) {
		return fmt.Errorf("fail receipt %s: %w", job.ID, err)
	}
	return nil
}
