package stack

import (
	"context"
	"encoding/json"
	"errors"
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

// TestSQSEndpoint talks to the local endpoint with the AWS SDK, as the
// functions do, checksums of the bodies included.
func TestSQSEndpoint(t *testing.T) {
	qs := testQueues()
	srv, endpoint, err := qs.serveSQS()
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
