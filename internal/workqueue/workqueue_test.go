//go:build !integration

package workqueue_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/workqueue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const tenant = "t1"

var doc = []byte("%PDF-1.4 a receipt %%EOF")

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func id(n int) string { return fmt.Sprintf("0193c1de-7c2a-7b1e-9a3b-%012d", n) }

func job(id string) workqueue.Job {
	return workqueue.Job{Tenant: tenant, ID: id, FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PDF, Size: int64(len(doc)), SHA256: sum(doc)}
}

func sqsEvent(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: b})
	}
	return ev
}

// failing is a store whose writes fail.
type failing struct{ err error }

func (f failing) Fail(context.Context, string, string, string, time.Time) error { return f.err }

// queue records the jobs sent, call by call; fail decides, per call, which
// entries fail or whether the call does.
type queue struct {
	calls [][]workqueue.Job
	fail  func(call int) ([]int, error)
}

func (q *queue) Send(_ context.Context, jobs []workqueue.Job) ([]int, error) {
	q.calls = append(q.calls, jobs)
	if q.fail != nil {
		return q.fail(len(q.calls))
	}
	return nil, nil
}

func attr(s string) events.DynamoDBAttributeValue { return events.NewStringAttribute(s) }

// record is a stream record of a receipt item in the given status.
func record(n int, event, status string) events.DynamoDBEventRecord {
	pk, sk := attr("TENANT#"+tenant), attr("RECEIPT#"+id(n))
	return events.DynamoDBEventRecord{EventName: event, Change: events.DynamoDBStreamRecord{
		SequenceNumber: strconv.Itoa(100 + n),
		Keys:           map[string]events.DynamoDBAttributeValue{"PK": pk, "SK": sk},
		NewImage: map[string]events.DynamoDBAttributeValue{"PK": pk, "SK": sk, "status": attr(status),
			"fileKey": attr(receipt.FileKey(tenant, id(n))), "contentType": attr(receipt.PDF),
			"size": events.NewNumberAttribute(strconv.Itoa(len(doc))), "sha256": attr(sum(doc))},
	}}
}

func records(n int) []events.DynamoDBEventRecord {
	var out []events.DynamoDBEventRecord
	for i := range n {
		out = append(out, record(i, "INSERT", "PROCESSING"))
	}
	return out
}

func TestDispatch(t *testing.T) {
	key := record(90, "INSERT", "PROCESSING")
	key.Change.Keys["PK"], key.Change.Keys["SK"] = attr("KEY#abc"), attr("KEY")
	tests := []struct {
		name      string
		records   []events.DynamoDBEventRecord
		fail      func(call int) ([]int, error)
		wantCalls []int  // jobs per call
		wantRetry string // sequence number reported, if any
	}{
		{name: "one job per receipt entering processing; other records skipped",
			records: []events.DynamoDBEventRecord{record(1, "INSERT", "PROCESSING"), record(2, "MODIFY", "PROCESSING"),
				record(3, "MODIFY", "COMPLETED"), record(4, "REMOVE", "PROCESSING"), key},
			wantCalls: []int{2}},
		{name: "in batches of ten", records: records(25), wantCalls: []int{10, 10, 5}},
		{name: "a failed entry is retried from, later batches unsent", records: records(25),
			fail: func(call int) ([]int, error) {
				if call == 2 {
					return []int{7, 3}, nil
				}
				return nil, nil
			},
			wantCalls: []int{10, 10}, wantRetry: "113"},
		{name: "a failed call is retried from its first record", records: records(25),
			fail: func(call int) ([]int, error) {
				if call == 3 {
					return nil, errors.New("throttled")
				}
				return nil, nil
			},
			wantCalls: []int{10, 10, 5}, wantRetry: "120"},
		{name: "nothing to send", records: []events.DynamoDBEventRecord{record(3, "MODIFY", "FAILED")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &queue{fail: tt.fail}
			resp, err := workqueue.NewDispatcher(q, quiet).Handle(context.Background(), events.DynamoDBEvent{Records: tt.records})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, c := range q.calls {
				got = append(got, len(c))
			}
			if !slices.Equal(got, tt.wantCalls) {
				t.Errorf("jobs per call %v, want %v", got, tt.wantCalls)
			}
			var retry string
			if len(resp.BatchItemFailures) == 1 {
				retry = resp.BatchItemFailures[0].ItemIdentifier
			}
			if retry != tt.wantRetry || len(resp.BatchItemFailures) > 1 {
				t.Errorf("batch item failures %v, want %q", resp.BatchItemFailures, tt.wantRetry)
			}
		})
	}
	t.Run("a job carries what the processor checks", func(t *testing.T) {
		q := &queue{}
		_, _ = workqueue.NewDispatcher(q, quiet).Handle(context.Background(), events.DynamoDBEvent{Records: records(1)})
		if got, want := q.calls[0][0], job(id(0)); got != want {
			t.Errorf("job %+v, want %+v", got, want)
		}
		back, err := workqueue.ParseJob(job(id(0)).Body())
		if err != nil || back != job(id(0)) {
			t.Errorf("job body does not read back: %+v, %v", back, err)
		}
	})
}

// streamKeys returns the keys of one stream batch.
type streamKeys struct{ keys []map[string]string }

func (s streamKeys) Keys(context.Context, workqueue.BatchInfo) ([]map[string]string, error) {
	return s.keys, nil
}

func TestDeadLetters(t *testing.T) {
	rs := fake.NewStore()
	for n, status := range map[int]receipt.Status{1: receipt.Processing, 2: receipt.Processing, 3: receipt.Completed} {
		if err := rs.Create(context.Background(), &receipt.Receipt{ID: id(n), Tenant: tenant, Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	stream := streamKeys{keys: []map[string]string{{"PK": "TENANT#" + tenant, "SK": "RECEIPT#" + id(2)}, {"PK": "KEY#x", "SK": "KEY"}}}
	failure := `{"requestContext":{"condition":"RetryAttemptsExhausted","approximateInvokeCount":11},"DDBStreamBatchInfo":{"shardId":"s1","startSequenceNumber":"1","endSequenceNumber":"2","batchSize":2,"streamArn":"arn"}}`
	ev := sqsEvent(job(id(1)).Body(), failure, job(id(3)).Body(), "garbage")
	resp, err := workqueue.NewDeadLetters(rs, stream, quiet).Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %v, %v; want no failures", resp, err)
	}
	for n, want := range map[int]receipt.Status{1: receipt.Failed, 2: receipt.Failed, 3: receipt.Completed} {
		if got, err := rs.Get(context.Background(), tenant, id(n)); err != nil || got.Status != want {
			t.Errorf("receipt %d %v (%v), want %s", n, got, err, want)
		}
	}

	d := workqueue.NewDeadLetters(failing{errors.New("throttled")}, stream, quiet)
	retries := &fake.Retrier{}
	d.Retry = retries
	resp, _ = d.Handle(context.Background(), sqsEvent(job(id(1)).Body()))
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m0" {
		t.Errorf("a failure to record FAILED is %v, want the message retried", resp.BatchItemFailures)
	}
	if !slices.Equal(retries.IDs(), []string{"m0"}) {
		t.Errorf("dead letters hidden for their back-off %v, want m0", retries.IDs())
	}
}
