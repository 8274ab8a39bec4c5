package workqueue

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Queue takes jobs onto the work queue. Send returns, for each job it could
// not send, its index in jobs; an error means none may have been sent.
type Queue interface {
	Send(ctx context.Context, jobs []Job) (failed []int, err error)
}

// Dispatcher is the table stream's consumer: it turns the records of
// receipts to process into work queue messages, one per receipt, and does
// nothing slow, so no receipt of a shard waits behind another's extraction.
type Dispatcher struct {
	queue Queue
	log   *slog.Logger
}

// NewDispatcher returns a Dispatcher onto queue.
func NewDispatcher(queue Queue, log *slog.Logger) *Dispatcher {
	return &Dispatcher{queue: queue, log: log}
}

// sendBatch is the most messages SendMessageBatch takes at once.
const sendBatch = 10

// Handle sends a job for each receipt record of the batch. When a send
// fails, it reports the first record not sent as the batch item failure:
// Lambda retries the shard from there, and a job sent twice is harmless (the
// processor skips a receipt that is no longer processing).
func (d *Dispatcher) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var (
		jobs []Job
		seqs []string
	)
	for _, rec := range ev.Records {
		if job, ok := JobFrom(rec); ok {
			jobs = append(jobs, job)
			seqs = append(seqs, rec.Change.SequenceNumber)
		}
	}
	var resp events.DynamoDBEventResponse
	for start := 0; start < len(jobs); start += sendBatch {
		chunk := jobs[start:min(start+sendBatch, len(jobs))]
		failed, err := d.queue.Send(ctx, chunk)
		if err == nil && len(failed) == 0 {
			continue
		}
		first := 0
		if err == nil {
			first = failed[0]
			for _, i := range failed {
				first = min(first, i)
			}
		}
		job := chunk[first]
		d.log.ErrorContext(ctx, "dispatch receipt, will retry", "tenant", job.Tenant, "id", job.ID, "unsent", len(jobs)-start-first, "err", err)
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: seqs[start+first]}}
		return resp, nil
	}
	if len(jobs) > 0 {
		d.log.InfoContext(ctx, "receipts dispatched", "count", len(jobs))
	}
	return resp, nil
}

// SQS is the work queue in Amazon SQS.
type SQS struct {
	Client *sqs.Client
	URL    string
}

var _ Queue = SQS{}

// Send sends jobs (at most 10) in one SendMessageBatch.
func (q SQS) Send(ctx context.Context, jobs []Job) ([]int, error) {
	entries := make([]types.SendMessageBatchRequestEntry, len(jobs))
	for i, j := range jobs {
		// The tenant as the message group makes the queue fair: while one
		// tenant's backlog drains, SQS delivers the others' messages first.
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(j.Body()), MessageGroupId: aws.String(j.Tenant)}
	}
	out, err := q.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.URL), Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("send %d jobs: %w", len(jobs), err)
	}
	var failed []int
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(jobs) {
			return nil, fmt.Errorf("send %d jobs: unknown entry %q failed: %s", len(jobs), aws.ToString(f.Id), aws.ToString(f.Message))
		}
		failed = append(failed, i)
	}
	return failed, nil
}
