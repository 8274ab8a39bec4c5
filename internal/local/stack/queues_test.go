//go:build !integration

package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsFunction answers SQS batches with answer and records each delivery.
type sqsFunction struct {
	mu         sync.Mutex
	deliveries []delivery
	answer     func(bodies []string) ([]byte, error)
}

type delivery struct {
	at       time.Time
	bodies   []string
	receives []string
}

func (f *sqsFunction) invoke(_ context.Context, _ string, payload []byte) ([]byte, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	d := delivery{at: time.Now()}
	ids := map[string]string{}
	for _, m := range ev.Records {
		d.bodies = append(d.bodies, m.Body)
		d.receives = append(d.receives, m.Attributes["ApproximateReceiveCount"])
		ids[m.Body] = m.MessageId
	}
	f.mu.Lock()
	f.deliveries = append(f.deliveries, d)
	f.mu.Unlock()
	out, err := f.answer(d.bodies)
	// Answers name bodies; the queue knows messages by id.
	for body, id := range ids {
		out = []byte(strings.ReplaceAll(string(out), `"`+body+`"`, `"`+id+`"`))
	}
	return out, err
}

func (f *sqsFunction) delivered() []delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]delivery(nil), f.deliveries...)
}

// failBodies reports the named bodies as batch item failures.
func failBodies(bad ...string) func([]string) ([]byte, error) {
	return func(bodies []string) ([]byte, error) {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, b := range bodies {
			for _, x := range bad {
				if b == x {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: b})
				}
			}
		}
		return json.Marshal(resp)
	}
}

// testQueues has a work queue whose 720 s visibility runs as 200 ms, and
// which redrives to DLQ after 3 receives.
func testQueues() *queues {
	qs := newQueues("us-east-1", slog.New(slog.NewTextHandler(io.Discard, nil)))
	qs.timeScale = 3600
	qs.configure([]queueConfig{
		{id: "Work", name: "work", visibility: 720 * time.Second, retention: 24 * time.Hour, maxReceives: 3, deadLetter: "DLQ"},
		{id: "DLQ", name: "dlq", visibility: 180 * time.Second, retention: 14 * 24 * time.Hour},
	})
	return qs
}

// run consumes src until stop is called.
func run(qs *queues, src sqsSource, f *sqsFunction) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { qs.consume(ctx, src, f.invoke); close(done) }()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQueueSemantics(t *testing.T) {
	work := sqsSource{function: "F", queue: "Work", batchSize: 10, itemErrors: true, concurrency: 1}

	t.Run("a failed message comes back alone after its visibility timeout", func(t *testing.T) {
		qs := testQueues()
		qs.send("Work", "a")
		qs.send("Work", "b")
		f := &sqsFunction{}
		calls := 0
		f.answer = func(bodies []string) ([]byte, error) {
			calls++
			if calls == 1 {
				return failBodies("a")(bodies)
			}
			return failBodies()(bodies)
		}
		stop := run(qs, work, f)
		defer stop()
		waitFor(t, "a second delivery", func() bool { return len(f.delivered()) >= 2 })
		d := f.delivered()
		if got := strings.Join(d[0].bodies, ","); got != "a,b" {
			t.Errorf("first batch %s, want a,b", got)
		}
		if got := strings.Join(d[1].bodies, ","); got != "a" || d[1].receives[0] != "2" {
			t.Errorf("second batch %s (receive %v), want a, its second receive", got, d[1].receives)
		}
		if gap := d[1].at.Sub(d[0].at); gap < 180*time.Millisecond {
			t.Errorf("redelivered after %s, want the visibility timeout (200 ms)", gap)
		}
		time.Sleep(400 * time.Millisecond)
		if n := len(f.delivered()); n != 2 {
			t.Errorf("%d deliveries, want 2: a succeeded message is deleted", n)
		}
	})

	t.Run("after maxReceiveCount receives it moves to the dead-letter queue", func(t *testing.T) {
		qs := testQueues()
		qs.send("Work", "poison")
		f := &sqsFunction{answer: failBodies("poison")}
		stop := run(qs, work, f)
		waitFor(t, "the dead-letter queue", func() bool { return len(qs.pending("DLQ")) == 1 })
		stop()
		if n := len(f.delivered()); n != 3 {
			t.Errorf("%d receives, want maxReceiveCount, 3", n)
		}
		if m := qs.pending("DLQ")[0]; m.body != "poison" {
			t.Errorf("dead letter %q", m.body)
		}
	})

	t.Run("a function error fails the whole batch, an unknown identifier too", func(t *testing.T) {
		for _, answer := range []func([]string) ([]byte, error){
			func([]string) ([]byte, error) { return nil, errors.New("Sandbox.Timedout") },
			func([]string) ([]byte, error) {
				return []byte(`{"batchItemFailures":[{"itemIdentifier":"nope"}]}`), nil
			},
		} {
			qs := testQueues()
			qs.send("Work", "a")
			qs.send("Work", "b")
			f := &sqsFunction{answer: answer}
			stop := run(qs, work, f)
			waitFor(t, "a second delivery", func() bool { return len(f.delivered()) >= 2 })
			stop()
			if got := strings.Join(f.delivered()[1].bodies, ","); got != "a,b" {
				t.Errorf("second batch %s, want a,b", got)
			}
		}
	})

	t.Run("a slow message does not hold back the others", func(t *testing.T) {
		qs := testQueues()
		release := make(chan struct{})
		f := &sqsFunction{answer: func(bodies []string) ([]byte, error) {
			if bodies[0] == "slow" {
				<-release
			}
			return failBodies()(bodies)
		}}
		stop := run(qs, sqsSource{function: "F", queue: "Work", batchSize: 1, itemErrors: true, concurrency: 3}, f)
		defer stop()
		qs.send("Work", "slow")
		waitFor(t, "the slow message", func() bool { return len(f.delivered()) == 1 })
		qs.send("Work", "quick")
		waitFor(t, "the quick message, while the slow one runs", func() bool { return len(f.delivered()) == 2 })
		// In flight long past its visibility timeout, it is not handed out again.
		time.Sleep(500 * time.Millisecond)
		close(release)
		if n := len(f.delivered()); n != 2 {
			t.Errorf("%d deliveries, want 2", n)
		}
	})

	t.Run("a visibility timeout below the consumer's timeout is refused", func(t *testing.T) {
		cfgs := []queueConfig{{id: "Work", visibility: 60 * time.Second}}
		if err := checkVisibility(cfgs, work, 120*time.Second); err == nil {
			t.Error("accepted a 60 s visibility timeout for a 120 s function")
		}
		if err := checkVisibility(cfgs, work, 60*time.Second); err != nil {
			t.Error(err)
		}
	})
}

func TestFairQueue(t *testing.T) {
	t.Run("a quiet group's message goes before another group's backlog", func(t *testing.T) {
		qs := testQueues()
		for i := range 50 {
			qs.sendWith("Work", fmt.Sprint("a", i), sendOptions{group: "tenant-a"})
		}
		ctx := context.Background()
		// Two of A's messages are in flight, as two processors would hold them.
		inFlight := append(qs.receive(ctx, "Work", 1), qs.receive(ctx, "Work", 1)...)
		qs.sendWith("Work", "b0", sendOptions{group: "tenant-b"})
		next := qs.receive(ctx, "Work", 1)
		if next[0].body != "b0" {
			t.Errorf("next message %s, want tenant B's b0 before A's backlog", next[0].body)
		}
		if got := inFlight[0].body + "," + inFlight[1].body; got != "a0,a1" {
			t.Errorf("first messages %s, want a0,a1: oldest first within a group", got)
		}
	})

	t.Run("a batch takes turns between groups", func(t *testing.T) {
		qs := testQueues()
		for i := range 5 {
			qs.sendWith("Work", fmt.Sprint("a", i), sendOptions{group: "a"})
		}
		qs.sendWith("Work", "b0", sendOptions{group: "b"})
		qs.sendWith("Work", "b1", sendOptions{group: "b"})
		qs.send("Work", "none")
		var got []string
		for _, m := range qs.receive(context.Background(), "Work", 10) {
			got = append(got, m.body)
		}
		if s := strings.Join(got, ","); s != "a0,b0,none,a1,b1,a2,a3,a4" {
			t.Errorf("batch %s, want the groups in turn, oldest first", s)
		}
	})

	t.Run("without groups, the oldest goes first", func(t *testing.T) {
		qs := testQueues()
		for i := range 3 {
			qs.send("Work", fmt.Sprint("m", i))
		}
		var got []string
		for range 3 {
			got = append(got, qs.receive(context.Background(), "Work", 1)[0].body)
		}
		if s := strings.Join(got, ","); s != "m0,m1,m2" {
			t.Errorf("received %s, want m0,m1,m2", s)
		}
	})

	t.Run("a finished message no longer counts against its group", func(t *testing.T) {
		qs := testQueues()
		qs.sendWith("Work", "a0", sendOptions{group: "a"})
		qs.sendWith("Work", "b0", sendOptions{group: "b"})
		ctx := context.Background()
		a0 := qs.receive(ctx, "Work", 1)[0]
		b0 := qs.receive(ctx, "Work", 1)[0]
		qs.remove("Work", a0)
		qs.sendWith("Work", "b1", sendOptions{group: "b"})
		qs.sendWith("Work", "a1", sendOptions{group: "a"})
		if m := qs.receive(ctx, "Work", 1)[0]; m.body != "a1" {
			t.Errorf("next %s, want a1: b has b0 in flight, a has nothing", m.body)
		}
		qs.release("Work", b0)
		if n := len(qs.queue("Work").inflight); n != 1 {
			t.Errorf("%d messages in flight, want 1 (a1)", n)
		}
	})
}

func TestVisibilityAndDelay(t *testing.T) {
	ctx := context.Background()

	t.Run("a changed visibility timeout decides when a failed message comes back", func(t *testing.T) {
		qs := testQueues() // 720 s visibility runs as 200 ms
		qs.send("Work", "a")
		m := qs.receive(ctx, "Work", 1)[0]
		// 36 s at this scale is 10 ms.
		if err := qs.changeVisibility("Work", m.handle, 36*time.Second); err != nil {
			t.Fatal(err)
		}
		received := time.Now()
		qs.release("Work", m)
		again := qs.receive(ctx, "Work", 1)
		if gap := time.Since(received); gap > 150*time.Millisecond {
			t.Errorf("came back after %s, want the changed 10 ms, well before the queue's 200 ms", gap)
		}
		if again[0].receives != 2 {
			t.Errorf("receive count %d, want 2", again[0].receives)
		}
		// The change held for that receive only.
		qs.release("Work", again[0])
		if d := time.Until(qs.pending("Work")[0].visibleAt); d < 150*time.Millisecond {
			t.Errorf("hidden for %s after the next failure, want the queue's 200 ms", d)
		}
	})

	t.Run("a consumer changes the visibility of what it received, by the event's receipt handle", func(t *testing.T) {
		qs := testQueues()
		qs.timeScale = 720 // the queue's 720 s visibility runs as 1 s
		qs.sendWith("Work", "a", sendOptions{group: "tenant-a"})
		var mu sync.Mutex
		var got []events.SQSMessage
		invoke := func(_ context.Context, _ string, payload []byte) ([]byte, error) {
			var ev events.SQSEvent
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			mu.Lock()
			got = append(got, ev.Records...)
			first := len(got) == 1
			mu.Unlock()
			if first {
				// As the processor does before failing it: 36 s is 50 ms here.
				if err := qs.changeVisibility("Work", ev.Records[0].ReceiptHandle, 36*time.Second); err != nil {
					t.Error(err)
				}
				return []byte(`{"batchItemFailures":[{"itemIdentifier":"` + ev.Records[0].MessageId + `"}]}`), nil
			}
			return []byte(`{"batchItemFailures":[]}`), nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			qs.consume(ctx, sqsSource{function: "F", queue: "Work", batchSize: 1, itemErrors: true, concurrency: 1}, invoke)
			close(done)
		}()
		defer func() { cancel(); <-done }()
		start := time.Now()
		waitFor(t, "the message again", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 })
		if took := time.Since(start); took > 600*time.Millisecond {
			t.Errorf("came back after %s, want the 50 ms its consumer set, not the queue's 1 s", took)
		}
		mu.Lock()
		defer mu.Unlock()
		if got[0].Attributes["MessageGroupId"] != "tenant-a" || got[1].Attributes["ApproximateReceiveCount"] != "2" || got[0].ReceiptHandle == got[1].ReceiptHandle {
			t.Errorf("deliveries %+v, want the group, a second receive, a new receipt handle", got)
		}
	})

	t.Run("only a message in flight can change, by its current handle", func(t *testing.T) {
		qs := testQueues()
		qs.send("Work", "a")
		m := qs.receive(ctx, "Work", 1)[0]
		old := m.handle
		qs.release("Work", m)
		if err := qs.changeVisibility("Work", old, time.Second); err == nil {
			t.Error("changed a message that is no longer in flight")
		}
		if err := qs.changeVisibility("Work", "nope", time.Second); err == nil {
			t.Error("changed a message by an unknown handle")
		}
	})

	t.Run("a delayed message stays hidden until its delay passes", func(t *testing.T) {
		qs := testQueues()
		d := 100 * time.Millisecond // a message's timer runs in real time
		qs.sendWith("Work", "later", sendOptions{delay: &d})
		qs.send("Work", "now")
		start := time.Now()
		if m := qs.receive(ctx, "Work", 10); len(m) != 1 || m[0].body != "now" {
			t.Fatalf("received %v, want only the message without a delay", m)
		}
		m := qs.receive(ctx, "Work", 10)
		if took := time.Since(start); m[0].body != "later" || took < 90*time.Millisecond {
			t.Errorf("received %s after %s, want later after its 100 ms delay", m[0].body, took)
		}
	})

	t.Run("a queue's delay applies unless the message sets its own", func(t *testing.T) {
		qs := newQueues("us-east-1", slog.New(slog.NewTextHandler(io.Discard, nil)))
		qs.timeScale = 3600
		qs.configure([]queueConfig{{id: "Slow", name: "slow", visibility: time.Minute, retention: time.Hour, delay: 720 * time.Second}})
		zero := time.Duration(0)
		qs.send("Slow", "queue's delay")
		qs.sendWith("Slow", "no delay", sendOptions{delay: &zero})
		pending := qs.pending("Slow")
		if d := time.Until(pending[0].visibleAt); d < 150*time.Millisecond {
			t.Errorf("queue's delay: hidden for %s, want 200 ms", d)
		}
		if !pending[1].visibleAt.IsZero() {
			t.Errorf("DelaySeconds 0 hid the message until %s", pending[1].visibleAt)
		}
	})
}

// TestSQSEndpoint talks to the local endpoint with the AWS SDK, as the
// functions do, checksums of the bodies included.
func TestSQSEndpoint(t *testing.T) {
	qs := testQueues()
	srv, endpoint, err := qs.serveSQS(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := sqs.NewFromConfig(AWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	url := "https://sqs.us-east-1.amazonaws.com/123456789012/work"

	out, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("0"), MessageBody: aws.String(`{"id":"a"}`)},
		{Id: aws.String("1"), MessageBody: aws.String(`{"id":"b"}`)},
		{Id: aws.String("2"), MessageBody: aws.String("")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "2" {
		t.Errorf("successful %d, failed %+v; want 2 and entry 2", len(out.Successful), out.Failed)
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range qs.pending("Work") {
		bodies = append(bodies, m.body)
	}
	if got := strings.Join(bodies, " "); got != `{"id":"a"} {"id":"b"} c` {
		t.Errorf("queue holds %s", got)
	}
	got, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("work")})
	if err != nil || aws.ToString(got.QueueUrl) != url {
		t.Errorf("GetQueueUrl = %v, %v", got, err)
	}

	_, err = client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url + "-nope"), MessageBody: aws.String("c")})
	var missing *types.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("unknown queue: %v, want QueueDoesNotExist", err)
	}
	_, err = client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("0"), MessageBody: aws.String("a")}, {Id: aws.String("0"), MessageBody: aws.String("b")},
	}})
	var dup *types.BatchEntryIdsNotDistinct
	if !errors.As(err, &dup) {
		t.Errorf("repeated ids: %v, want BatchEntryIdsNotDistinct", err)
	}
}

// TestSQSEndpointTimersAndGroups sends with groups and delays and changes
// visibility timeouts through the SDK, as the functions do.
func TestSQSEndpointTimersAndGroups(t *testing.T) {
	qs := testQueues()
	srv, endpoint, err := qs.serveSQS(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := sqs.NewFromConfig(AWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	url := "https://sqs.us-east-1.amazonaws.com/123456789012/work"

	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("a"),
		MessageGroupId: aws.String("tenant-a"), DelaySeconds: 360}); err != nil {
		t.Fatal(err)
	}
	out, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("0"), MessageBody: aws.String("b"), MessageGroupId: aws.String("tenant-b")},
		{Id: aws.String("1"), MessageBody: aws.String("c"), DelaySeconds: 901},
		{Id: aws.String("2"), MessageBody: aws.String("d"), MessageGroupId: aws.String("ünïcode")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 1 || len(out.Failed) != 2 {
		t.Errorf("successful %d, failed %d; want 1 and 2 (DelaySeconds over 900, a group id that is not ASCII)", len(out.Successful), len(out.Failed))
	}
	pending := qs.pending("Work")
	if len(pending) != 2 || pending[0].group != "tenant-a" || pending[0].visibleAt.IsZero() || pending[1].group != "tenant-b" {
		t.Fatalf("queue holds %+v, want a (tenant-a, delayed) and b (tenant-b)", pending)
	}
	_, err = client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), DelaySeconds: -1})
	if err == nil || !strings.Contains(err.Error(), "DelaySeconds") {
		t.Errorf("DelaySeconds -1: %v, want InvalidParameterValue", err)
	}

	m := qs.receive(ctx, "Work", 1)[0]
	if m.body != "b" {
		t.Fatalf("received %s, want b (a is delayed)", m.body)
	}
	if _, err := client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
		ReceiptHandle: aws.String(m.handle), VisibilityTimeout: 36}); err != nil {
		t.Fatal(err)
	}
	if m.hideUntil.IsZero() {
		t.Error("ChangeMessageVisibility did not change the message")
	}
	for _, bad := range []struct {
		handle  string
		timeout int32
	}{{"nope", 10}, {m.handle, 43201}} {
		_, err := client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
			ReceiptHandle: aws.String(bad.handle), VisibilityTimeout: bad.timeout})
		if err == nil {
			t.Errorf("ChangeMessageVisibility(%q, %d) succeeded, want InvalidParameterValue", bad.handle, bad.timeout)
		}
	}
	batch, err := client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url),
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
			{Id: aws.String("ok"), ReceiptHandle: aws.String(m.handle), VisibilityTimeout: 0},
			{Id: aws.String("gone"), ReceiptHandle: aws.String("nope"), VisibilityTimeout: 0},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Successful) != 1 || aws.ToString(batch.Successful[0].Id) != "ok" || len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Id) != "gone" {
		t.Errorf("batch: successful %+v, failed %+v; want ok and gone", batch.Successful, batch.Failed)
	}
}
