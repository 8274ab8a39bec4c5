package stack

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
// They are fair queues, as SQS's standard queues are for messages that carry
// a MessageGroupId: of the messages that are visible, the one whose group has
// the fewest messages in flight is delivered first (the oldest of those), so
// one group's backlog never holds back a quiet group's message. Messages
// without a group form one group of their own.
//
// A consumer may change a message's visibility timeout while it is in flight
// (ChangeMessageVisibility): when its invocation fails, the message comes
// back after that timeout instead of the queue's. A message may be delayed
// when sent (DelaySeconds, the message's or else the queue's).
//
// Timers (visibility timeouts, changed ones, queues' delays) run faster than in AWS,
// divided by timeScale, so a 12-minute visibility timeout lets a failed
// message come back after 1 s. Retention periods are kept: a message must
// not expire while it waits behind others on a busy laptop. A message stays
// hidden while its invocation runs, however long: AWS guarantees that by the
// visibility timeout being above the consumer's timeout, which the stack
// checks in the template.
type queues struct {
	region, account string
	log             *slog.Logger
	timeScale       float64

	mu  sync.Mutex
	q   map[string]*queue // by logical id
	seq uint64            // messages sent so far, for their order
}

// timeScale is how much faster local queues run their timers by default.
const timeScale = 720

// queueConfig is what the local queue takes from an AWS::SQS::Queue.
type queueConfig struct {
	id, name    string
	visibility  time.Duration // VisibilityTimeout, default 30 s
	retention   time.Duration // MessageRetentionPeriod, default 4 days
	delay       time.Duration // DelaySeconds, default 0
	maxReceives int           // RedrivePolicy's maxReceiveCount; 0 without one
	deadLetter  string        // logical id of the RedrivePolicy's target
}

type queue struct {
	cfg queueConfig

	mu       sync.Mutex
	waiting  []*message          // visible, or hidden until visibleAt; not in flight
	inflight map[string]*message // received and not yet deleted or released, by receipt handle
	groups   map[string]int      // messages in flight, by group
	changed  chan struct{}       // closed when a message is added
}

type message struct {
	id, body  string
	group     string // MessageGroupId, "" without one
	seq       uint64 // order of sending, oldest first
	sent      time.Time
	receives  int
	firstRecv time.Time
	received  time.Time
	visibleAt time.Time
	// handle is the receipt handle of the receive it is in flight under;
	// hideUntil, when set, is when it becomes visible if its consumer
	// fails it (ChangeMessageVisibility).
	handle    string
	hideUntil time.Time
}

// sendOptions are what a sender may say of a message besides its body.
type sendOptions struct {
	group string         // MessageGroupId
	delay *time.Duration // DelaySeconds as sent; nil: the queue's
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
		if v, ok := r.Properties["DelaySeconds"].(int); ok {
			if v < 0 || v > maxDelaySeconds {
				return nil, fmt.Errorf("queue %s: DelaySeconds %d is not between 0 and %d", r.LogicalID, v, maxDelaySeconds)
			}
			c.delay = time.Duration(v) * time.Second
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
		qs.q[c.id] = newQueue(c)
	}
}

func newQueue(c queueConfig) *queue {
	return &queue{cfg: c, inflight: map[string]*message{}, groups: map[string]int{}, changed: make(chan struct{})}
}

// queue returns the queue with the logical id; one the template does not
// declare gets SQS's defaults.
func (qs *queues) queue(id string) *queue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.q[id] == nil {
		qs.q[id] = newQueue(queueConfig{id: id, name: id, visibility: 30 * time.Second, retention: 4 * 24 * time.Hour})
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
	return qs.sendWith(id, body, sendOptions{})
}

// sendWith puts a new message on the queue, in its group and delayed as o
// says, and returns its id.
func (qs *queues) sendWith(id, body string, o sendOptions) string {
	q := qs.queue(id)
	now := time.Now()
	qs.mu.Lock()
	qs.seq++
	m := &message{id: uuid.NewString(), body: body, group: o.group, seq: qs.seq, sent: now}
	qs.mu.Unlock()
	// A message's own timer runs in real time, unlike the queue's delay and
	// visibility timeouts: what it delays (a webhook's next attempt) is
	// paced against real time on the other side (a receiver's outage, the
	// delivery log's next retry), and the settings that set it are short
	// where tests need them to be.
	delay := qs.scaled(q.cfg.delay)
	if o.delay != nil {
		delay = *o.delay
	}
	if delay > 0 {
		m.visibleAt = now.Add(delay)
	}
	q.put(m)
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

// receive takes up to max visible messages off the queue, the fairest first
// (see next), waiting for one until ctx ends. Messages received
// maxReceiveCount times move to the dead-letter queue instead, and expired
// ones are dropped, as SQS does when they would next be received.
func (qs *queues) receive(ctx context.Context, id string, max int) []*message {
	q := qs.queue(id)
	for {
		now := time.Now()
		var visible, moved []*message
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
			case now.Sub(m.sent) > q.cfg.retention:
				qs.log.Warn("message expired", "queue", id, "messageId", m.id, "receives", m.receives)
			case q.cfg.maxReceives > 0 && m.receives >= q.cfg.maxReceives:
				moved = append(moved, m)
			default:
				visible = append(visible, m)
			}
		}
		batch := q.next(visible, max)
		for _, m := range batch {
			m.receives++
			m.received = now
			if m.firstRecv.IsZero() {
				m.firstRecv = now
			}
			m.handle = uuid.NewString()
			q.inflight[m.handle] = m
			q.groups[m.group]++
		}
		for _, m := range visible {
			if m.handle == "" {
				rest = append(rest, m)
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

// next picks up to max of the visible messages, one at a time: the message
// whose group has the fewest messages in flight (counting those picked),
// the oldest on a tie. So while one group's backlog drains, a message of a
// group with nothing in flight goes first. Called with q.mu held.
func (q *queue) next(visible []*message, max int) []*message {
	var batch []*message
	picked := map[string]int{}
	taken := make([]bool, len(visible))
	for len(batch) < max {
		best := -1
		for i, m := range visible {
			if taken[i] {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			b := visible[best]
			load, bestLoad := q.groups[m.group]+picked[m.group], q.groups[b.group]+picked[b.group]
			if load < bestLoad || (load == bestLoad && m.seq < b.seq) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		taken[best] = true
		m := visible[best]
		picked[m.group]++
		batch = append(batch, m)
	}
	return batch
}

// land takes a message out of flight. Called with q.mu held.
func (q *queue) land(m *message) {
	delete(q.inflight, m.handle)
	if q.groups[m.group]--; q.groups[m.group] <= 0 {
		delete(q.groups, m.group)
	}
	m.handle = ""
}

// release puts a message its consumer failed back on the queue, hidden
// until its visibility timeout from when it was received has passed, or
// until the time its consumer changed that to.
func (qs *queues) release(id string, m *message) {
	q := qs.queue(id)
	q.mu.Lock()
	q.land(m)
	m.visibleAt = m.received.Add(qs.scaled(q.cfg.visibility))
	if !m.hideUntil.IsZero() {
		m.visibleAt, m.hideUntil = m.hideUntil, time.Time{}
	}
	q.mu.Unlock()
	q.put(m)
}

// remove deletes a message its consumer handled.
func (qs *queues) remove(id string, m *message) {
	q := qs.queue(id)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.land(m)
}

// errNotInFlight is a receipt handle that names no message in flight.
var errNotInFlight = errors.New("message does not exist or is not available for visibility timeout change")

// changeVisibility sets when the in-flight message with the receipt handle
// becomes visible again if its consumer fails it: timeout from now.
func (qs *queues) changeVisibility(id, handle string, timeout time.Duration) error {
	q := qs.queue(id)
	q.mu.Lock()
	defer q.mu.Unlock()
	m, ok := q.inflight[handle]
	if !ok {
		return errNotInFlight
	}
	m.hideUntil = time.Now().Add(qs.scaled(timeout))
	return nil
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
				failed := qs.invoke(ctx, src, batch, invoke)
				for _, m := range batch {
					if slices.Contains(failed, m) {
						qs.release(src.queue, m)
					} else {
						qs.remove(src.queue, m)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// invoke runs src's function with batch and returns the messages to
// release: the whole batch if the function failed, else those its partial
// batch response names. The rest are to be deleted.
func (qs *queues) invoke(ctx context.Context, src sqsSource, batch []*message, invoke invokeFunc) []*message {
	ev := events.SQSEvent{}
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", qs.region, qs.account, qs.queue(src.queue).cfg.name)
	for _, m := range batch {
		sum := md5.Sum([]byte(m.body))
		attrs := map[string]string{
			"ApproximateReceiveCount":          strconv.Itoa(m.receives),
			"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
			"SenderId":                         qs.account,
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstRecv.UnixMilli(), 10),
		}
		if m.group != "" {
			attrs["MessageGroupId"] = m.group
		}
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: m.id, ReceiptHandle: m.handle, Body: m.body,
			Md5OfBody: hex.EncodeToString(sum[:]), EventSource: "aws:sqs", EventSourceARN: arn, AWSRegion: qs.region,
			Attributes: attrs, MessageAttributes: map[string]events.SQSMessageAttribute{},
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
