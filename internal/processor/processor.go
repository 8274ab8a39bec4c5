// Package processor extracts uploaded receipts: the Processor consumes the
// work queue (package workqueue), one message per receipt, so each receipt
// is retried, timed and failed on its own, and none waits behind another's.
package processor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
	"github.com/receipts-api/receipts/internal/workqueue"
)

// Receipts reads receipts and records the outcome of processing; it also
// answers what processing asks of the tenant's other records: its
// settings, its receipts of the same file or the same purchase, its
// vendor memory.
type Receipts interface {
	Get(ctx context.Context, tenant, id string) (*receipt.Receipt, error)
	Complete(ctx context.Context, tenant, id string, res receipt.Result, now time.Time) error
	Fail(ctx context.Context, tenant, id, reason string, now time.Time) error

	Settings(ctx context.Context, tenant string) (receipt.Settings, error)
	ReceiptsOfFile(ctx context.Context, tenant, sha256 string, n int) ([]string, error)
	RecordFile(ctx context.Context, tenant, sha256, id string) error
	SameReceipt(ctx context.Context, tenant string, f receipt.Fields, sha256 string) ([]string, error)
	VendorEntries(ctx context.Context, tenant string, keys []vendors.Key) (map[vendors.Key]vendors.Entry, error)
}

// Files reads stored documents and stores texts too large for the table.
type Files interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, body []byte, contentType string) error
	Delete(ctx context.Context, key string) error
}

// Processor turns work queue messages into results.
type Processor struct {
	receipts  Receipts
	files     Files
	extractor extract.Extractor
	bucket    string
	limits    limits.Limits
	log       *slog.Logger
	now       func() time.Time
	// Workers is how many messages of a batch are processed at once.
	Workers int
	// TempDir, if set, is emptied after each batch: whatever an extraction
	// or a subprocess it killed left behind.
	TempDir string
	// Engine names the extractor in results and metrics.
	Engine string
	// Metrics, if set, receives one record per receipt processed.
	Metrics *metrics.Writer
	// Retry, if set, hides a message that failed for a reason that may
	// pass until it should be tried again; without it, the message comes
	// back after the queue's visibility timeout.
	Retry Retrier
}

// Retrier hides a received message until it should be tried again.
type Retrier interface {
	Retry(ctx context.Context, msg events.SQSMessage) time.Duration
}

// New returns a Processor over documents stored in bucket, each bounded by
// lim: its time, its text, and the pixels an image may declare (checked
// again here, before any engine decodes it, as the upload may predate the
// limit or have come another way).
func New(receipts Receipts, files Files, bucket string, extractor extract.Extractor, lim limits.Limits, log *slog.Logger) *Processor {
	return &Processor{receipts: receipts, files: files, bucket: bucket, extractor: extractor, limits: lim,
		log: log, now: time.Now, Workers: 2}
}

// Handle processes a batch of work queue messages. Each message whose
// processing failed for a reason that may pass (throttling, a timeout of a
// service) is hidden for its back-off (Retry) and reported as a batch item
// failure: SQS hands it out again then, and after maxReceiveCount receives
// moves it to the dead-letter queue. The others are deleted, whatever their
// outcome.
func (p *Processor) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	errs := make([]error, len(ev.Records))
	sem := make(chan struct{}, max(1, p.Workers))
	var wg sync.WaitGroup
	for i, msg := range ev.Records {
		job, err := workqueue.ParseJob(msg.Body)
		if err != nil {
			// Receiving it again cannot make it parse.
			p.log.ErrorContext(ctx, "work message dropped", "messageId", msg.MessageId, "err", err)
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
	if p.TempDir != "" {
		if err := emptyDir(p.TempDir); err != nil {
			p.log.WarnContext(ctx, "clean temp dir", "dir", p.TempDir, "err", err)
		}
	}
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, err := range errs {
		if err != nil {
			if p.Retry != nil {
				p.Retry.Retry(ctx, ev.Records[i])
			}
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// reasons is the one place where a kind of error becomes a permanent
// failure: the receipt ends FAILED at once, with the error's message as
// its reason and this short, fixed code in its metrics. Any other kind is
// transient, and the message is tried again.
var reasons = map[receipt.Kind]string{
	receipt.NotFound:   "file_missing",
	receipt.Mismatch:   "file_mismatch",
	receipt.OverLimit:  "over_limit",
	receipt.TimedOut:   "time_limit",
	receipt.Unreadable: "unreadable",
	receipt.TooLarge:   "too_large",
}

// permanent returns err's reason code and message when it is a failure
// no retry can mend.
func permanent(err error) (code, reason string, ok bool) {
	e, ok := receipt.AsError(err)
	if !ok {
		return "", "", false
	}
	if code, ok = reasons[e.Kind]; !ok {
		return "", "", false
	}
	return code, e.Message, true
}

// Process extracts one receipt and records the result. It returns an error
// only when trying again may succeed; a permanent failure marks the receipt
// FAILED at once. Either way the failure is logged here, once, with its
// cause.
func (p *Processor) Process(ctx context.Context, job workqueue.Job) error {
	log := p.log.With("tenant", job.Tenant, "id", job.ID)
	r := &run{start: time.Now()}
	err := p.process(ctx, job, r)
	code, reason, failed := permanent(err)
	switch {
	case failed:
		log.WarnContext(ctx, "receipt failed", "reason", reason, "ms", time.Since(r.start).Milliseconds())
		p.record(job, r, "FAILED", code)
		if err := p.fail(ctx, job, reason); err != nil {
			log.ErrorContext(ctx, "record failure, will retry", "err", err)
			return err
		}
		return nil
	case err != nil:
		log.ErrorContext(ctx, "process receipt, will retry", "err", err, "ms", time.Since(r.start).Milliseconds())
		p.record(job, r, "RETRY", "transient")
		return err
	case r.skipped:
		return nil
	case r.copied:
		log.InfoContext(ctx, "receipt completed as a duplicate", "ms", time.Since(r.start).Milliseconds())
		p.record(job, r, "COMPLETED", "duplicate")
		return nil
	}
	p.record(job, r, "COMPLETED", "none")
	return nil
}

// run is one receipt's trip through the processor: where its time went.
type run struct {
	start    time.Time
	uploaded time.Time // the receipt's creation, once read
	size     int
	timings  receipt.Timings
	skipped  bool // finished or deleted before this delivery
	copied   bool // a duplicate's fields copied, not extracted
}

func (p *Processor) process(ctx context.Context, job workqueue.Job, r *run) error {
	log := p.log.With("tenant", job.Tenant, "id", job.ID)
	// A redelivered or replayed message for a finished receipt must not
	// cost another extraction.
	rc, err := p.receipts.Get(ctx, job.Tenant, job.ID)
	if errors.Is(err, receipt.ErrNotFound) {
		log.InfoContext(ctx, "receipt deleted; not extracted")
		r.skipped = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("read receipt %s: %w", job.ID, err)
	}
	if rc.Status != receipt.Processing {
		log.InfoContext(ctx, "receipt already finished; not extracted", "status", rc.Status)
		r.skipped = true
		return nil
	}
	// Queued since it was uploaded, or since it was sent back to be
	// processed again.
	r.uploaded = rc.CreatedAt
	if rc.Reprocessing() {
		r.uploaded = rc.UpdatedAt
	}
	r.timings.Queued = max(0, r.start.Sub(r.uploaded))
	first, err := p.firstOfFile(ctx, job, rc)
	if err != nil {
		return err
	}
	country, err := p.country(ctx, rc)
	if err != nil {
		return err
	}
	// The same file, read already: copied, unless the client now says it
	// is from another country than it was read as.
	if first != nil && first.Status == receipt.Completed && (country == "" || country == first.Fields.Country) {
		out, err := p.copyOf(ctx, first)
		if err != nil {
			return err
		}
		r.copied = true
		r.timings.Total = max(0, time.Since(r.start)+r.timings.Queued)
		return p.complete(ctx, job, rc, out, r.timings)
	}
	t := time.Now()
	doc, err := p.document(ctx, job, rc)
	r.timings.Fetch, r.size = time.Since(t), len(doc)
	if err != nil {
		return err
	}
	t = time.Now()
	res, err := p.extract(ctx, job, doc, country)
	r.timings.Parse = res.ParseTime
	r.timings.OCR = max(0, time.Since(t)-res.ParseTime)
	if err != nil {
		return err
	}
	out := outcome{text: res.Text, fields: res.Fields, engine: p.Engine}
	if first != nil {
		out.duplicateOf = first.ID
	}
	if err := p.review(ctx, rc, &out); err != nil {
		return err
	}
	r.timings.Total = max(0, time.Since(r.start)+r.timings.Queued)
	if err := p.complete(ctx, job, rc, out, r.timings); err != nil {
		return err
	}
	log.InfoContext(ctx, "receipt completed", "ms", time.Since(r.start).Milliseconds(), "textBytes", len(res.Text))
	return nil
}

// record writes the receipt's metrics: where its time went and how it
// ended. Dimensions are the engine, the outcome and a short reason code,
// never a tenant or a receipt; those go in the record's properties.
func (p *Processor) record(job workqueue.Job, r *run, outcome, reason string) {
	if p.Metrics == nil {
		return
	}
	if r.timings.Total == 0 {
		r.timings.Total = time.Since(r.start) + r.timings.Queued
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	_ = p.Metrics.Write(metrics.Record{
		Dimensions: map[string]string{"Engine": p.Engine, "Outcome": outcome, "Reason": reason},
		Values: []metrics.Value{
			{Name: "Receipts", Unit: metrics.Count, Value: 1},
			{Name: "QueuedTime", Unit: metrics.Milliseconds, Value: ms(r.timings.Queued)},
			{Name: "FetchTime", Unit: metrics.Milliseconds, Value: ms(r.timings.Fetch)},
			{Name: "OcrTime", Unit: metrics.Milliseconds, Value: ms(r.timings.OCR)},
			{Name: "ParseTime", Unit: metrics.Milliseconds, Value: ms(r.timings.Parse)},
			{Name: "TotalTime", Unit: metrics.Milliseconds, Value: ms(r.timings.Total)},
			{Name: "FileSize", Unit: metrics.Bytes, Value: float64(r.size)},
		},
		Properties: map[string]any{"tenant": job.Tenant, "id": job.ID, "contentType": job.ContentType},
	})
}

// document reads the receipt's file and checks that it is the file that was
// validated at upload: same size, same SHA-256. Anything else (an object
// overwritten after the check) is never extracted.
func (p *Processor) document(ctx context.Context, job workqueue.Job, rc *receipt.Receipt) ([]byte, error) {
	size, sum := job.Size, job.SHA256
	if sum == "" {
		size, sum = rc.Size, rc.SHA256
	}
	doc, err := p.files.Get(ctx, job.FileKey)
	if errors.Is(err, receipt.ErrNotFound) {
		return nil, receipt.Errorf(receipt.NotFound, "stored file is missing")
	}
	if err != nil {
		return nil, fmt.Errorf("read file of receipt %s: %w", job.ID, err)
	}
	if sum == "" {
		return nil, receipt.Errorf(receipt.Mismatch, "no checksum recorded for the file")
	}
	got := sha256.Sum256(doc)
	if int64(len(doc)) != size || hex.EncodeToString(got[:]) != sum {
		return nil, receipt.Errorf(receipt.Mismatch, "stored file (%d bytes) is not the file validated at upload (%d bytes, sha256 %s)", len(doc), size, sum)
	}
	if err := receipt.CheckPixels(doc, job.ContentType, p.limits.ImagePixels); err != nil {
		return nil, receipt.Errorf(receipt.OverLimit, "%v", err)
	}
	return doc, nil
}

// errDocTime is the cause of a document's own deadline, told apart from the
// function's.
var errDocTime = errors.New("document time limit")

func (p *Processor) extract(ctx context.Context, job workqueue.Job, doc []byte, country string) (extract.Result, error) {
	dctx := ctx
	if p.limits.DocTime > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeoutCause(ctx, p.limits.DocTime, errDocTime)
		defer cancel()
	}
	res, err := p.extractor.Extract(dctx, extract.Document{
		Bytes: doc, ContentType: job.ContentType, Bucket: p.bucket, Key: job.FileKey, Received: p.now(), Country: country,
	})
	switch {
	case err == nil:
		return res, nil
	case errors.Is(context.Cause(dctx), errDocTime) && ctx.Err() == nil:
		return res, receipt.Errorf(receipt.TimedOut, "extraction took longer than the %s limit (DOC_TIME_LIMIT)", p.limits.DocTime)
	case errors.Is(err, extract.ErrOverLimit):
		return res, receipt.Errorf(receipt.OverLimit, "%v", err)
	case errors.Is(err, extract.ErrUnreadable):
		return res, receipt.Errorf(receipt.Unreadable, "%v", err)
	}
	return res, fmt.Errorf("extract receipt %s: %w", job.ID, err)
}

// complete stores the result: the text in the item, or beside the file
// when it is too long for an item. A text an earlier processing stored
// beside the file, which this one no longer needs, is removed.
func (p *Processor) complete(ctx context.Context, job workqueue.Job, rc *receipt.Receipt, out outcome, timings receipt.Timings) error {
	text, truncated := truncate(out.text, p.limits.Details)
	result := receipt.Result{Details: text, Fields: out.fields, Extracted: out.extracted, Engine: out.engine, Timings: timings,
		DuplicateOf: out.duplicateOf, PossibleDuplicateOf: out.possibleDuplicateOf}
	offloaded := truncated || (p.limits.InlineDetails > 0 && len(text) > p.limits.InlineDetails)
	if offloaded {
		key := receipt.DetailsKey(job.Tenant, job.ID)
		if err := p.files.Put(ctx, key, []byte(text), "text/plain; charset=utf-8"); err != nil {
			return fmt.Errorf("store text of receipt %s: %w", job.ID, err)
		}
		result.Details, result.DetailsKey, result.DetailsTruncated = "", key, truncated
	}
	err := p.receipts.Complete(ctx, job.Tenant, job.ID, result, p.now())
	if offloaded && errors.Is(err, receipt.ErrConflict) {
		p.dropOrphan(ctx, job, result.DetailsKey)
	}
	switch {
	case errors.Is(err, receipt.ErrConflict):
		p.log.InfoContext(ctx, "receipt finished or deleted meanwhile; result dropped", "tenant", job.Tenant, "id", job.ID)
		return nil
	case errors.Is(err, receipt.ErrTooLarge):
		return receipt.Errorf(receipt.TooLarge, "result too large to store: %v", err)
	case err != nil:
		return fmt.Errorf("complete receipt %s: %w", job.ID, err)
	}
	if !offloaded && rc.DetailsKey != "" {
		if err := p.files.Delete(ctx, rc.DetailsKey); err != nil {
			p.log.WarnContext(ctx, "orphaned text", "key", rc.DetailsKey, "err", err)
		}
	}
	return nil
}

// truncate cuts text to at most limit bytes (no limit if 0), at the start
// of a UTF-8 character.
func truncate(text string, limit int) (string, bool) {
	if limit <= 0 || len(text) <= limit {
		return text, false
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut], true
}

// dropOrphan removes an offloaded text whose receipt was deleted while it
// was being extracted. If the receipt still exists, another delivery
// finished it with the same text at the same key, which stays.
func (p *Processor) dropOrphan(ctx context.Context, job workqueue.Job, key string) {
	if _, err := p.receipts.Get(ctx, job.Tenant, job.ID); !errors.Is(err, receipt.ErrNotFound) {
		return
	}
	if err := p.files.Delete(ctx, key); err != nil {
		p.log.WarnContext(ctx, "orphaned text", "key", key, "err", err)
	}
}

func (p *Processor) fail(ctx context.Context, job workqueue.Job, reason string) error {
	err := p.receipts.Fail(ctx, job.Tenant, job.ID, reason, p.now())
	if err != nil && !errors.Is(err, receipt.ErrConflict) {
		return fmt.Errorf("fail receipt %s: %w", job.ID, err)
	}
	return nil
}
