package localstack

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/receipts-api/receipts/internal/sam"
)

// Local queues stand in for the template's SQS queues: messages are
// delivered to the functions subscribed to them in SQS events, and the ones a
// function fails come back after a visibility timeout.
type queues struct {
	region string
	log    *slog.Logger
	// visibility is how long a failed message stays hidden; shorter than
	// SQS's so local retries are quick.
	visibility  time.Duration
	maxReceives int

	mu sync.Mutex
	q  map[string]chan *message
}

type message struct {
	id       string
	body     string
	sent     time.Time
	receives int
}

func newQueues(region string, log *slog.Logger) *queues {
	return &queues{region: region, log: log, visibility: time.Second, maxReceives: 10, q: map[string]chan *message{}}
}

func (qs *queues) queue(id string) chan *message {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.q[id] == nil {
		qs.q[id] = make(chan *message, 10000)
	}
	return qs.q[id]
}

func (qs *queues) send(id, body string) {
	qs.queue(id) <- &message{id: uuid.NewString(), body: body, sent: time.Now()}
}

// queueID is the logical id of the template's queue with the given ARN.
func queueID(t *sam.Template, arn string) string {
	if arn == "" {
		return ""
	}
	qs, _ := t.Resources("AWS::SQS::Queue")
	for _, q := range qs {
		if fmt.Sprintf("arn:aws:sqs:%s:%s:%s", t.Region(), t.AccountID(), q.Name) == arn {
			return q.LogicalID
		}
	}
	return ""
}

// sqsSource is one of the template's SQS event source mappings.
type sqsSource struct {
	function   string
	queue      string
	batchSize  int
	itemErrors bool
}

func sqsSources(t *sam.Template, fn sam.Function) []sqsSource {
	var out []sqsSource
	for _, e := range fn.Events {
		if e.Type != "SQS" {
			continue
		}
		src := sqsSource{function: fn.LogicalID, queue: queueID(t, str(e.Properties["Queue"])), batchSize: 10}
		if v, ok := e.Properties["BatchSize"].(int); ok {
			src.batchSize = v
		}
		types, _ := e.Properties["FunctionResponseTypes"].([]any)
		for _, ty := range types {
			src.itemErrors = src.itemErrors || ty == "ReportBatchItemFailures"
		}
		if src.queue != "" {
			out = append(out, src)
		}
	}
	return out
}

// consume delivers the queue's messages to src's function until ctx ends.
func (qs *queues) consume(ctx context.Context, src sqsSource, invoke func(context.Context, string, []byte) ([]byte, error)) {
	ch := qs.queue(src.queue)
	for {
		var batch []*message
		select {
		case m := <-ch:
			batch = append(batch, m)
		case <-ctx.Done():
			return
		}
		// Like a short batching window: take what is already there.
	fill:
		for len(batch) < src.batchSize {
			select {
			case m := <-ch:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		failed := qs.invoke(ctx, src, batch, invoke)
		for _, m := range failed {
			qs.retry(ctx, src, m)
		}
	}
}

func (qs *queues) invoke(ctx context.Context, src sqsSource, batch []*message, invoke func(context.Context, string, []byte) ([]byte, error)) []*message {
	ev := events.SQSEvent{}
	arn := fmt.Sprintf("arn:aws:sqs:%s:123456789012:%s", qs.region, src.queue)
	for _, m := range batch {
		m.receives++
		sum := md5.Sum([]byte(m.body))
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: m.id, ReceiptHandle: uuid.NewString(), Body: m.body,
			Md5OfBody: hex.EncodeToString(sum[:]), EventSource: "aws:sqs", EventSourceARN: arn, AWSRegion: qs.region,
			Attributes: map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.receives),
				"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10),
			},
			MessageAttributes: map[string]events.SQSMessageAttribute{},
		})
	}
	payload, _ := json.Marshal(ev)
	out, err := invoke(ctx, src.function, payload)
	if err != nil {
		qs.log.Warn("queue batch failed", "function", src.function, "messages", len(batch), "err", err)
		return batch
	}
	if !src.itemErrors {
		return nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil
	}
	var failed []*message
	for _, f := range resp.BatchItemFailures {
		for _, m := range batch {
			if m.id == f.ItemIdentifier {
				failed = append(failed, m)
			}
		}
	}
	return failed
}

func (qs *queues) retry(ctx context.Context, src sqsSource, m *message) {
	if m.receives >= qs.maxReceives {
		qs.log.Error("message dropped after repeated failures", "queue", src.queue, "messageId", m.id, "receives", m.receives)
		return
	}
	go func() {
		sleep(ctx, qs.visibility)
		if ctx.Err() == nil {
			qs.queue(src.queue) <- m
		}
	}()
}
