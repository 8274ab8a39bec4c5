package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
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

// HandleDeadLetters marks FAILED every receipt of every batch that ran out
// of retries, so no receipt stays processing forever. Receipts that finished
// meanwhile are left alone by the conditional write.
func (p *Processor) HandleDeadLetters(ctx context.Context, stream StreamKeys, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range ev.Records {
		if err := p.deadLetter(ctx, stream, msg.Body); err != nil {
			p.log.ErrorContext(ctx, "dead letter, will retry", "messageId", msg.MessageId, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

func (p *Processor) deadLetter(ctx context.Context, stream StreamKeys, body string) error {
	var rec FailureRecord
	if err := json.Unmarshal([]byte(body), &rec); err != nil || rec.BatchInfo.ShardID == "" {
		// Retrying cannot make it parse; keep it visible in the logs.
		p.log.ErrorContext(ctx, "dead letter is not a stream failure record", "body", body)
		return nil
	}
	keys, err := stream.Keys(ctx, rec.BatchInfo)
	if err != nil {
		return err
	}
	for _, k := range keys {
		tenant, ok1 := strings.CutPrefix(k["PK"], "TENANT#")
		id, ok2 := strings.CutPrefix(k["SK"], "RECEIPT#")
		if !ok1 || !ok2 {
			continue
		}
		reason := fmt.Sprintf("processing failed %d times (%s)", rec.RequestContext.ApproximateInvokeCount, rec.RequestContext.Condition)
		if err := p.fail(ctx, Job{Tenant: tenant, ID: id}, reason); err != nil {
			return err
		}
		p.log.WarnContext(ctx, "receipt failed after retries", "tenant", tenant, "id", id)
	}
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
