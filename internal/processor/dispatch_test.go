package processor_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/receipt"
)

// queue records the jobs sent, call by call; fail decides, per call, which
// entries fail or whether the call does.
type queue struct {
	calls [][]processor.Job
	fail  func(call int) ([]int, error)
}

func (q *queue) Send(_ context.Context, jobs []processor.Job) ([]int, error) {
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
			resp, err := processor.NewDispatcher(q, quiet).Handle(context.Background(), events.DynamoDBEvent{Records: tt.records})
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
		_, _ = processor.NewDispatcher(q, quiet).Handle(context.Background(), events.DynamoDBEvent{Records: records(1)})
		if got, want := q.calls[0][0], job(id(0)); got != want {
			t.Errorf("job %+v, want %+v", got, want)
		}
		back, err := processor.ParseJob(job(id(0)).Body())
		if err != nil || back != job(id(0)) {
			t.Errorf("job body does not read back: %+v, %v", back, err)
		}
	})
}

// streamKeys returns the keys of one stream batch.
type streamKeys struct{ keys []map[string]string }

func (s streamKeys) Keys(context.Context, processor.BatchInfo) ([]map[string]string, error) {
	return s.keys, nil
}

func TestDeadLetters(t *testing.T) {
	f := newFixture(id(1), id(2), id(3))
	f.receipts.byID[id(3)].Status = receipt.Completed
	stream := streamKeys{keys: []map[string]string{{"PK": "TENANT#" + tenant, "SK": "RECEIPT#" + id(2)}, {"PK": "KEY#x", "SK": "KEY"}}}
	failure := `{"requestContext":{"condition":"RetryAttemptsExhausted","approximateInvokeCount":11},"DDBStreamBatchInfo":{"shardId":"s1","startSequenceNumber":"1","endSequenceNumber":"2","batchSize":2,"streamArn":"arn"}}`
	ev := sqsEvent(job(id(1)).Body(), failure, job(id(3)).Body(), "garbage")
	resp, err := processor.NewDeadLetters(f.receipts, stream, quiet).Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %v, %v; want no failures", resp, err)
	}
	for n, want := range map[int]receipt.Status{1: receipt.Failed, 2: receipt.Failed, 3: receipt.Completed} {
		if rc, _ := f.receipts.Get(context.Background(), tenant, id(n)); rc.Status != want {
			t.Errorf("receipt %d %s, want %s", n, rc.Status, want)
		}
	}

	f.receipts.failErr = errors.New("throttled")
	f.receipts.byID[id(1)].Status = receipt.Processing
	resp, _ = processor.NewDeadLetters(f.receipts, stream, quiet).Handle(context.Background(), sqsEvent(job(id(1)).Body()))
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m0" {
		t.Errorf("a failure to record FAILED is %v, want the message retried", resp.BatchItemFailures)
	}
}
