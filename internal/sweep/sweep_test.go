//go:build !integration

package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/receipt"
)

const tenant = "t1"

func id(n int) string { return fmt.Sprintf("0193c1de-7c2a-7b1e-9a3b-%012d", n) }

// unreadable is a table whose every read fails with err.
type unreadable struct{ err error }

func (u unreadable) Get(context.Context, string, string) (*receipt.Receipt, error) { return nil, u.err }

// bucketWith is a bucket holding an object at key.
func bucketWith(key string) *fake.Files {
	f := fake.NewFiles()
	if err := f.Put(context.Background(), key, []byte("bytes"), "application/octet-stream"); err != nil {
		panic(err)
	}
	return f
}

// gone reports whether the bucket no longer holds key.
func gone(f *fake.Files, key string) bool {
	_, err := f.Get(context.Background(), key)
	return errors.Is(err, receipt.ErrNotFound)
}

func event(key string, written time.Time) events.SQSEvent {
	body := fmt.Sprintf(`{"version":"0","detail-type":"Object Created","source":"aws.s3","time":%q,"detail":{"bucket":{"name":"bucket"},"object":{"key":%q,"size":5}}}`,
		written.UTC().Format(time.RFC3339), key)
	return events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: body}}}
}

func TestSweep(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old, young := now.Add(-time.Hour), now.Add(-10*time.Second)
	rc := func(status receipt.Status, detailsKey string) *receipt.Receipt {
		return &receipt.Receipt{ID: id(1), Tenant: tenant, Status: status, FileKey: receipt.FileKey(tenant, id(1)), DetailsKey: detailsKey}
	}
	tests := []struct {
		name       string
		key        string
		written    time.Time
		receipt    *receipt.Receipt
		appears    bool // the record is written while the Sweeper waits
		wantDelete bool
		wantRetry  bool
		wantSlept  time.Duration
	}{
		{name: "a receipt's file stays", key: receipt.FileKey(tenant, id(1)), written: old, receipt: rc(receipt.Completed, "")},
		{name: "an old file without a record goes", key: receipt.FileKey(tenant, id(1)), written: old, wantDelete: true},
		{name: "a young file without a record goes once the upload can't write it",
			key: receipt.FileKey(tenant, id(1)), written: young, wantDelete: true, wantSlept: 50 * time.Second},
		{name: "a young file whose record appears meanwhile stays",
			key: receipt.FileKey(tenant, id(1)), written: young, appears: true, wantSlept: 50 * time.Second},
		{name: "a recorded text stays", key: receipt.DetailsKey(tenant, id(1)), written: old, receipt: rc(receipt.Completed, receipt.DetailsKey(tenant, id(1)))},
		{name: "a text whose receipt was deleted goes", key: receipt.DetailsKey(tenant, id(1)), written: old, wantDelete: true},
		{name: "a text its finished receipt does not record goes", key: receipt.DetailsKey(tenant, id(1)), written: old, receipt: rc(receipt.Failed, ""), wantDelete: true},
		{name: "a text of a receipt still processing is looked at later", key: receipt.DetailsKey(tenant, id(1)), written: old, receipt: rc(receipt.Processing, ""), wantRetry: true},
		{name: "an upload still awaited stays", key: receipt.UploadKey(tenant, id(1)), written: old, receipt: rc(receipt.Uploading, "")},
		{name: "an upload already copied goes", key: receipt.UploadKey(tenant, id(1)), written: old, receipt: rc(receipt.Processing, ""), wantDelete: true},
		{name: "an upload of a deleted receipt goes", key: receipt.UploadKey(tenant, id(1)), written: old, wantDelete: true},
		{name: "another object is none of its business", key: "exports/report.csv", written: old},
		{name: "a key that only looks like a receipt's is left", key: "a/b/" + id(1), written: old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := fake.NewStore()
			if tt.receipt != nil {
				if err := rs.Create(context.Background(), tt.receipt); err != nil {
					t.Fatal(err)
				}
			}
			f := bucketWith(tt.key)
			s := New(rs, f, "bucket", time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)))
			s.now = func() time.Time { return now }
			var slept time.Duration
			s.sleep = func(_ context.Context, d time.Duration) error {
				slept += d
				if tt.appears {
					if err := rs.Create(context.Background(), rc(receipt.Processing, "")); err != nil {
						t.Fatal(err)
					}
				}
				return nil
			}
			resp, err := s.Handle(context.Background(), event(tt.key, tt.written))
			if err != nil {
				t.Fatal(err)
			}
			if deleted := gone(f, tt.key); deleted != tt.wantDelete {
				t.Errorf("deleted %v, want %v", deleted, tt.wantDelete)
			}
			if retried := len(resp.BatchItemFailures) == 1; retried != tt.wantRetry {
				t.Errorf("batch item failures %v, want a retry: %v", resp.BatchItemFailures, tt.wantRetry)
			}
			if slept != tt.wantSlept {
				t.Errorf("waited %s, want %s", slept, tt.wantSlept)
			}
		})
	}
}

func TestSweepFailures(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Run("a table that fails is tried again", func(t *testing.T) {
		s := New(unreadable{errors.New("throttled")}, fake.NewFiles(), "bucket", time.Minute, log)
		resp, _ := s.Handle(context.Background(), event(receipt.FileKey(tenant, id(1)), time.Now().Add(-time.Hour)))
		if len(resp.BatchItemFailures) != 1 {
			t.Errorf("batch item failures %v, want the message tried again", resp.BatchItemFailures)
		}
	})
	t.Run("too long a wait for the invocation is tried again later", func(t *testing.T) {
		key := receipt.FileKey(tenant, id(1))
		f := bucketWith(key)
		s := New(fake.NewStore(), f, "bucket", time.Hour, log)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, _ := s.Handle(ctx, event(key, time.Now()))
		if len(resp.BatchItemFailures) != 1 || gone(f, key) {
			t.Errorf("failures %v, deleted %v; want the message tried later and nothing deleted", resp.BatchItemFailures, gone(f, key))
		}
	})
	t.Run("another bucket's object and a message that is no event are dropped", func(t *testing.T) {
		key := receipt.FileKey(tenant, id(1))
		f := bucketWith(key)
		s := New(fake.NewStore(), f, "mine", time.Minute, log)
		ev := event(key, time.Now().Add(-time.Hour))
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m2", Body: "not json"})
		resp, _ := s.Handle(context.Background(), ev)
		if len(resp.BatchItemFailures) != 0 || gone(f, key) {
			t.Errorf("failures %v, deleted %v; want neither", resp.BatchItemFailures, gone(f, key))
		}
	})
}
