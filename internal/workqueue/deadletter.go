package workqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// FailureRecord is what Lambda sends to a stream event source's on-failure
// destination when a batch exhausts its retries: where the records are, not
// the records themselves.
type FailureRecord struct {
	RequestContext struct {
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	BatchInfo BatchInfo `json:"DDBStreamBatchInfo"`
}

// BatchInfo locates a batch of stream records.
type BatchInfo struct {
	ShardID             string `json:"shardId"`
	StartSequenceNumber string `json:"startSequenceNumber"`
	EndSequenceNumber   string `json:"endSequenceNumber"`
	BatchSize           int    `json:"batchSize"`
	StreamArn           string `json:"streamArn"`
}

// StreamKeys reads the keys of the records a failure record names.
type StreamKeys interface {
	Keys(ctx context.Context, b BatchInfo) ([]map[string]string, error)
}

// Failer marks receipts FAILED.
type Failer interface {
	Fail(ctx context.Context, tenant, id, reason string, now time.Time) error
}

// DeadLetters consumes the dead-letter queue, so no receipt stays processing
// forever. Two kinds of message land there: a work message that exhausted
// its receives (it names its receipt), and the record Lambda sends when the
// dispatcher exhausted its retries on a batch of the stream (it says where
// the batch is, so its keys are read back from the stream).
type DeadLetters struct {
	receipts Failer
	stream   StreamKeys
	log      *slog.Logger
	now      func() time.Time
	// Retry, if set, hides a dead letter whose receipt could not be marked
	// (the table unavailable, throttled) for a growing time: the
	// dead-letter queue has no redrive, so without it a failing message
	// would come back after every visibility timeout, for as long as the
	// table fails.
	Retry Retrier
}

// Retrier hides a received message until it should be tried again.
type Retrier interface {
	Retry(ctx context.Context, msg events.SQSMessage) time.Duration
}

// NewDeadLetters returns a DeadLetters that fails receipts in receipts.
func NewDeadLetters(receipts Failer, stream StreamKeys, log *slog.Logger) *DeadLetters {
	return &DeadLetters{receipts: receipts, stream: stream, log: log, now: time.Now}
}

// Handle marks FAILED the receipt of every message. Receipts that finished
// meanwhile are left alone by the conditional write.
func (d *DeadLetters) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, msg := range ev.Records {
		if err := d.message(ctx, msg); err != nil {
			d.log.ErrorContext(ctx, "dead letter, will retry", "messageId", msg.MessageId, "err", err)
			if d.Retry != nil {
				d.Retry.Retry(ctx, msg)
			}
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

func (d *DeadLetters) message(ctx context.Context, msg events.SQSMessage) error {
	if job, err := ParseJob(msg.Body); err == nil {
		// Its receive count here includes this queue's receives, so the
		// reason does not quote it.
		return d.fail(ctx, job.Tenant, job.ID, "processing failed on every receive of its work message")
	}
	var rec FailureRecord
	if err := json.Unmarshal([]byte(msg.Body), &rec); err != nil || rec.BatchInfo.ShardID == "" {
		// Retrying cannot make it parse; keep it visible in the logs.
		d.log.ErrorContext(ctx, "dead letter is neither a work message nor a stream failure record", "body", msg.Body)
		return nil
	}
	keys, err := d.stream.Keys(ctx, rec.BatchInfo)
	if err != nil {
		return err
	}
	for _, k := range keys {
		tenant, id, ok := store.KeyFromStreamKeys(k)
		if !ok {
			continue
		}
		reason := fmt.Sprintf("dispatch failed %d times (%s)", rec.RequestContext.ApproximateInvokeCount, rec.RequestContext.Condition)
		if err := d.fail(ctx, tenant, id, reason); err != nil {
			return err
		}
	}
	return nil
}

func (d *DeadLetters) fail(ctx context.Context, tenant, id, reason string) error {
	err := d.receipts.Fail(ctx, tenant, id, reason, d.now())
	if errors.Is(err, receipt.ErrConflict) {
		return nil // finished or deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("fail receipt %s: %w", id, err)
	}
	d.log.WarnContext(ctx, "receipt failed after retries", "tenant", tenant, "id", id, "reason", reason)
	return nil
}

// Stream reads records back from a DynamoDB stream.
type Stream struct {
	Client *dynamodbstreams.Client
}

// Keys returns the string keys of the records from the batch's first
// sequence number to its last.
func (s Stream) Keys(ctx context.Context, b BatchInfo) ([]map[string]string, error) {
	it, err := s.Client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(b.StreamArn), ShardId: aws.String(b.ShardID),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(b.StartSequenceNumber),
	})
	if err != nil {
		var trimmed *types.TrimmedDataAccessException
		if errors.As(err, &trimmed) {
			return nil, nil // past the stream's 24 hours: nothing left to read
		}
		return nil, fmt.Errorf("shard iterator for %s: %w", b.ShardID, err)
	}
	var keys []map[string]string
	iter := it.ShardIterator
	for iter != nil {
		out, err := s.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", b.ShardID, err)
		}
		for _, r := range out.Records {
			if SeqAfter(aws.ToString(r.Dynamodb.SequenceNumber), b.EndSequenceNumber) {
				return keys, nil
			}
			k := map[string]string{}
			for name, v := range r.Dynamodb.Keys {
				if sv, ok := v.(*types.AttributeValueMemberS); ok {
					k[name] = sv.Value
				}
			}
			keys = append(keys, k)
		}
		if len(out.Records) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return keys, nil
}

// SeqAfter reports whether stream sequence number a comes after b. They are
// decimal strings too long for an integer.
func SeqAfter(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
