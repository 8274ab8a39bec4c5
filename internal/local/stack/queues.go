package stack

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

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// Local queues stand in for the template's SQS queues with the semantics
// that matter to correctness: a received message is hidden for the queue's
// visibility timeout, comes back when its consumer fails it (on its own,
// thanks to partial batch responses), counts its receives, and moves to the
// redrive policy's dead-letter queue once it was received maxReceiveCount
// times. Each event source runs several batches at once, as Lambda's poller
// does, so a slow message does not hold back the others.
//
// Visibility timeouts run faster than in AWS, divided by timeScale, so a
// 12-minute visibility timeout lets a failed message come back after 1 s.
// Retention periods are kept: a message must not expire while it waits
// behind others on a busy laptop. A message stays hidden while its invocation
// runs, however long: AWS guarantees that by the visibility timeout being
// above the consumer's timeout, which the stack checks in the template.
type queues struct {
	region, account string
	log             *slog.Logger
	timeScale       float64

	mu sync.Mutex
	q  map[string]*queue // by logical id
}

// timeScale is how much faster local queues run their timeouts.
const timeScale = 720

// queueConfig is what the local queue takes from an AWS::SQS::Queue.
type queueConfig struct {
	id, name    string
	visibility  time.Duration // VisibilityTimeout, default 30 s
	retention   time.Duration // MessageRetentionPeriod, default 4 days
	maxReceives int           // RedrivePolicy's maxReceiveCount; 0 without one
	deadLetter  string        // logical id of the RedrivePolicy's target
}

type queue struct {
	cfg queueConfig

	mu      sync.Mutex
	waiting []*message    // visible, or hidden until visibleAt; not in flight
	changed chan struct{} // closed when a message is added
}

type message struct {
	id, body  string
	sent      time.Time
	receives  int
	firstRecv time.Time
	received  time.Time
	visibleAt time.Time
}

func newQueues(region string, log *slog.Logger) *queues {
	return &queues{region: region, account: "123456789012", log: log, timeScale: timeScale, q: map[string]*queue{}}
}

// queueConfigs reads the template's queues.
func queueConfigs(t *samtemplate.Template) ([]queueConfig, error) {
	res, err := t.Resources("AWS::SQS::Queue")
	if err != nil {
		return nil, err
	}
	var out []queueConfig
	for _, r := range res {
		c := queueConfig{id: r.LogicalID, name: r.Name, visibility: 30 * time.Second, retention: 4 * 24 * time.Hour}
		if v, ok := r.Properties["VisibilityTimeout"].(int); ok {
			c.visibility = time.Duration(v) * time.Second
		}
		if v, ok := r.Properties["MessageRetentionPeriod"].(int); ok {
			c.retention = time.Duration(v) * time.Second
		}
		rp, _ := r.Properties["RedrivePolicy"].(map[string]any)
		if s, ok := r.Properties["RedrivePolicy"].(string); ok {
			if err := json.Unmarshal([]byte(s), &rp); err != nil {
				return nil, fmt.Errorf("queue %s: RedrivePolicy: %w", r.LogicalID, err)
			}
		}
		if rp != nil {
			c.deadLetter = queueID(t, str(rp["deadLetterTargetArn"]))
			switch n := rp["maxReceiveCount"].(type) {
			case int:
				c.maxReceives = n
			case float64:
				c.maxReceives = int(n)
			}
			if c.deadLetter == "" || c.maxReceives < 1 {
				return nil, fmt.Errorf("queue %s: RedrivePolicy needs a deadLetterTargetArn of the template and a maxReceiveCount", r.LogicalID)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// configure sets up the template's queues.
func (qs *queues) configure(cfgs []queueConfig) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	for _, c := range cfgs {
		qs.q[c.id] = &queue{cfg: c, changed: make(chan struct{})}
	}
}

// queue returns the queue with the logical id; one the template does not
// declare gets SQS's defaults.
func (qs *queues) queue(id string) *queue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.q[id] == nil {
		qs.q[id] = &queue{cfg: queueConfig{id: id, name: id, visibility: 30 * time.Second, retention: 4 * 24 * time.Hour}, changed: make(chan struct{})}
	}
	return qs.q[id]
}

// byName returns the logical id of the queue with the physical name.
func (qs *queues) byName(name string) (string, bool) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	for id, q := range qs.q {
		if q.cfg.name == name {
			return id, true
		}
	}
	return "", false
}

func (qs *queues) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / qs.timeScale)
}

// send puts a new message on the queue and returns its id.
func (qs *queues) send(id, body string) string {
	m := &message{id: uuid.NewString(), body: body, sent: time.Now()}
	qs.queue(id).put(m)
	return m.id
}

// sendDelayed puts a new message on the queue hidden for its message
// timer (SendMessage's DelaySeconds). Unlike visibility timeouts, timers
// run in real time: what they delay (a webhook's next attempt) is paced
// against real time on the other side (a receiver's timeout), and the
// settings that set them are short where tests need them to be.
func (qs *queues) sendDelayed(id, body string, delay time.Duration) string {
	m := &message{id: uuid.NewString(), body: body, sent: time.Now()}
	m.visibleAt = m.sent.Add(delay)
	qs.queue(id).put(m)
	return m.id
}

func (q *queue) put(m *message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting = append(q.waiting, m)
	close(q.changed)
	q.changed = make(chan struct{})
}

// pending returns the messages waiting on a queue, in flight ones left out.
func (qs *queues) pending(id string) []*message {
	q := qs.queue(id)
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]*message(nil), q.waiting...)
}

// receive takes up to max visible messages off the queue, waiting for one
// until ctx ends. Messages received maxReceiveCount times move to the
// dead-letter queue instead, and expired ones are dropped, as SQS does when
// they would next be received.
func (qs *queues) receive(ctx context.Context, id string, max int) []*message {
	q := qs.queue(id)
	for {
		now := time.Now()
		var batch, moved []*message
		var next time.Time
		q.mu.Lock()
		rest := make([]*message, 0, len(q.waiting))
		for _, m := range q.waiting {
			switch {
			case now.Before(m.visibleAt):
				rest = append(rest, m)
				if next.IsZero() || m.visibleAt.Before(next) {
					next = m.visibleAt
				}
			case len(batch) == max:
				rest = append(rest, m)
			case now.Sub(m.sent) > q.cfg.retention:
				qs.log.Warn("message expired", "queue", id, "messageId", m.id, "receives", m.receives)
			case q.cfg.maxReceives > 0 && m.receives >= q.cfg.maxReceives:
				moved = append(moved, m)
			default:
				m.receives++
				m.received = now
				if m.firstRecv.IsZero() {
					m.firstRecv = now
				}
				batch = append(batch, m)
			}
		}
		q.waiting = rest
		changed := q.changed
		q.mu.Unlock()
		for _, m := range moved {
			qs.log.Warn("message moved to the dead-letter queue", "queue", id, "deadLetterQueue", q.cfg.deadLetter, "messageId", m.id, "receives", m.receives)
			m.visibleAt = time.Time{}
			qs.queue(q.cfg.deadLetter).put(m)
		}
		if len(batch) > 0 {
			return batch
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = time.Until(next)
		}
		t := time.NewTimer(wait)
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// release puts a message its consumer failed back on the queue, hidden
// until its visibility timeout from when it was received has passed.
func (qs *queues) release(id string, m *message) {
	q := qs.queue(id)
	m.visibleAt = m.received.Add(qs.scaled(q.cfg.visibility))
	q.put(m)
}

// sqsSource is one of the template's SQS event source mappings.
type sqsSource struct {
	function    string
	queue       string
	batchSize   int
	itemErrors  bool
	concurrency int // batches in flight at once
}

// defaultPollers is how many batches a local SQS event source runs at once
// when the template sets no ScalingConfig: Lambda starts with five pollers.
const defaultPollers = 5

func sqsSources(t *samtemplate.Template, fn samtemplate.Function) []sqsSource {
	var out []sqsSource
	for _, e := range fn.Events {
		if e.Type != "SQS" {
			continue
		}
		src := sqsSource{function: fn.LogicalID, queue: queueID(t, str(e.Properties["Queue"])), batchSize: 10, concurrency: defaultPollers}
		if v, ok := e.Properties["BatchSize"].(int); ok {
			src.batchSize = v
		}
		sc, _ := e.Properties["ScalingConfig"].(map[string]any)
		if v, ok := sc["MaximumConcurrency"].(int); ok && v > 0 {
			src.concurrency = v
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

// checkVisibility refuses a queue whose visibility timeout is below its
// consumer's timeout: in AWS its messages would come back while still being
// processed.
func checkVisibility(cfgs []queueConfig, src sqsSource, timeout time.Duration) error {
	for _, c := range cfgs {
		if c.id == src.queue && c.visibility < timeout {
			return fmt.Errorf("queue %s: VisibilityTimeout %s is below the timeout of its consumer %s (%s)", c.id, c.visibility, src.function, timeout)
		}
	}
	return nil
}

type invokeFunc func(ctx context.Context, function string, event []byte) ([]byte, error)

// consume delivers the queue's messages to src's function until ctx ends,
// src.concurrency batches at once.
func (qs *queues) consume(ctx context.Context, src sqsSource, invoke invokeFunc) {
	var wg sync.WaitGroup
	for range max(1, src.concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				batch := qs.receive(ctx, src.queue, src.batchSize)
				if len(batch) == 0 {
					continue
				}
				for _, m := range qs.invoke(ctx, src, batch, invoke) {
					qs.release(src.queue, m)
				}
			}
		}()
	}
	wg.Wait()
}

// invoke runs src's function with batch and returns the messages to
// release: the whole batch if the function failed, else those its partial
// batch response names. The rest are deleted.
func (qs *queues) invoke(ctx context.Context, src sqsSource, batch []*message, invoke invokeFunc) []*message {
	ev := events.SQSEvent{}
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", qs.region, qs.account, qs.queue(src.queue).cfg.name)
	for _, m := range batch {
		sum := md5.Sum([]byte(m.body))
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: m.id, ReceiptHandle: uuid.NewString(), Body: m.body,
			Md5OfBody: hex.EncodeToString(sum[:]), EventSource: "aws:sqs", EventSourceARN: arn, AWSRegion: qs.region,
			Attributes: map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.receives),
				"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
				"SenderId":                         qs.account,
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstRecv.UnixMilli(), 10),
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
		i := indexOfMessage(batch, f.ItemIdentifier)
		if i < 0 {
			// Lambda fails the whole batch on an identifier it can't match.
			qs.log.Warn("partial batch response names no message of the batch", "function", src.function, "itemIdentifier", f.ItemIdentifier)
			return batch
		}
		failed = append(failed, batch[i])
	}
	return failed
}

func indexOfMessage(batch []*message, id string) int {
	for i, m := range batch {
		if m.id == id {
			return i
		}
	}
	return -1
}

// queueID is the logical id of the template's queue with the given ARN.
func queueID(t *samtemplate.Template, arn string) string {
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
