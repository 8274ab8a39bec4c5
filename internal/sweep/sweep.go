// Package sweep removes stored files that no receipt accounts for. A crash
// between two writes can leave one: an upload killed after storing the file
// and before writing its record, a processor killed after storing a long
// text and before recording it, a DELETE that raced a processor storing a
// text. Every object written to the bucket comes back to the Sweeper, by
// way of EventBridge and a queue that delays it (15 minutes in AWS), and is
// deleted when nothing will ever record it.
package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Receipts reads receipts.
type Receipts interface {
	Get(ctx context.Context, tenant, id string) (*receipt.Receipt, error)
}

// Files deletes stored objects.
type Files interface {
	Delete(ctx context.Context, key string) error
}

// Retrier hides a received message until it should be tried again.
type Retrier interface {
	Retry(ctx context.Context, msg events.SQSMessage) time.Duration
}

// Sweeper looks at objects after they were written and deletes those no
// receipt records.
type Sweeper struct {
	receipts Receipts
	files    Files
	bucket   string
	// after is how old a file without a record must be before it is
	// deleted: longer than the upload function may take between storing
	// a file and writing its record.
	after time.Duration
	log   *slog.Logger
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// Retry, if set, hides a message that could not be settled (the table
	// unavailable, a receipt still processing) until its next try.
	Retry Retrier
}

// New returns a Sweeper of the objects of bucket. A file without a record
// is deleted once it is older than after.
func New(receipts Receipts, files Files, bucket string, after time.Duration, log *slog.Logger) *Sweeper {
	return &Sweeper{receipts: receipts, files: files, bucket: bucket, after: after, log: log, now: time.Now, sleep: sleep}
}

// objectCreated is what the Sweeper reads of S3's "Object Created" event,
// as EventBridge delivers it.
type objectCreated struct {
	Time   time.Time `json:"time"`
	Detail struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// errLater is an object that can't be settled yet: its receipt is still
// processing, or it is too young to tell.
var errLater = errors.New("not settled yet")

// Handle settles the object of each message. One that can't be settled yet,
// or whose settling failed, is reported as a batch item failure, hidden for
// its back-off first.
func (s *Sweeper) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, msg := range ev.Records {
		err := s.message(ctx, msg)
		if err == nil {
			continue
		}
		if !errors.Is(err, errLater) {
			s.log.ErrorContext(ctx, "sweep, will retry", "messageId", msg.MessageId, "err", err)
		}
		if s.Retry != nil {
			s.Retry.Retry(ctx, msg)
		}
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
	}
	return resp, nil
}

func (s *Sweeper) message(ctx context.Context, msg events.SQSMessage) error {
	var ev objectCreated
	if err := json.Unmarshal([]byte(msg.Body), &ev); err != nil || ev.Detail.Object.Key == "" {
		// Receiving it again cannot make it parse; keep it in the logs.
		s.log.ErrorContext(ctx, "sweep message names no object", "messageId", msg.MessageId, "body", msg.Body)
		return nil
	}
	if ev.Detail.Bucket.Name != s.bucket {
		return nil
	}
	return s.settle(ctx, ev.Detail.Object.Key, ev.Time)
}

// kind is what an object of the bucket is to a receipt.
type kind int

const (
	other   kind = iota // not ours to judge
	file                // <tenant>/<id>, a receipt's file
	details             // <tenant>/<id>.details.txt, its text stored beside it
	upload              // uploads/<tenant>/<id>, a presigned upload
)

// parseKey tells what key is and which receipt it belongs to.
func parseKey(key string) (k kind, tenant, id string) {
	if tenant, id, ok := receipt.ParseUploadKey(key); ok {
		return upload, tenant, id
	}
	i := strings.LastIndexByte(key, '/')
	if i <= 0 {
		return other, "", ""
	}
	tenant, last := key[:i], key[i+1:]
	if strings.Contains(tenant, "/") {
		return other, "", ""
	}
	if id, ok := strings.CutSuffix(last, ".details.txt"); ok && receipt.ValidID(id) {
		return details, tenant, id
	}
	if receipt.ValidID(last) {
		return file, tenant, last
	}
	return other, "", ""
}

// settle keeps or deletes the object at key, written at written.
func (s *Sweeper) settle(ctx context.Context, key string, written time.Time) error {
	k, tenant, id := parseKey(key)
	if k == other {
		return nil
	}
	rc, err := s.get(ctx, tenant, id)
	if err != nil {
		return err
	}
	if k == file && rc == nil {
		// The upload may still be about to write the record: look again
		// once it can't be.
		if err := s.waitOut(ctx, written); err != nil {
			return err
		}
		if rc, err = s.get(ctx, tenant, id); err != nil {
			return err
		}
	}
	if keep(k, key, rc) {
		if k == details && rc.Status == receipt.Processing {
			return errLater // its processor may yet record it, or fail it
		}
		return nil
	}
	if err := s.files.Delete(ctx, key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	s.log.WarnContext(ctx, "swept a file no receipt records", "key", key, "tenant", tenant, "id", id)
	return nil
}

// keep says whether the object at key, of kind k, stays, given its receipt
// (nil when there is none).
func keep(k kind, key string, rc *receipt.Receipt) bool {
	switch k {
	case file:
		return rc != nil
	case details:
		return rc != nil && (rc.Status == receipt.Processing || rc.DetailsKey == key)
	case upload:
		// Checked and copied, or refused: the upload is spent.
		return rc != nil && rc.Status == receipt.Uploading
	}
	return true
}

// get reads a receipt; nil when there is none.
func (s *Sweeper) get(ctx context.Context, tenant, id string) (*receipt.Receipt, error) {
	rc, err := s.receipts.Get(ctx, tenant, id)
	switch {
	case errors.Is(err, receipt.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read receipt %s: %w", id, err)
	}
	return rc, nil
}

// waitOut waits until an object written at written is older than s.after,
// or says to try later when that is longer than the invocation has left.
func (s *Sweeper) waitOut(ctx context.Context, written time.Time) error {
	wait := s.after - s.now().Sub(written)
	if wait <= 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait+5*time.Second {
		return errLater
	}
	return s.sleep(ctx, wait)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
