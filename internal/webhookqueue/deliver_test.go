//go:build !integration

package webhookqueue_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/webhook"
	"github.com/receipts-api/receipts/internal/webhookqueue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func setup(t *testing.T, manual bool, results ...webhook.Result) (store, *memQueue, *scriptedSender, *webhookqueue.Deliverer, *webhook.Delivery) {
	t.Helper()
	secret, _ := webhook.NewSecret()
	epID, _ := webhook.NewID()
	ep := &webhook.Endpoint{ID: epID, Tenant: "t", URL: "https://hooks.example.com/", Events: webhook.EventTypes, Secret: secret}
	s := newStore(t, ep)
	id, _ := webhook.NewID()
	now := time.Now()
	d := &webhook.Delivery{ID: id, Tenant: "t", EndpointID: epID, EventID: "evt", EventType: webhook.ReceiptCompleted,
		Payload: []byte(`{}`), State: webhook.Requested, Manual: manual, CreatedAt: now, ExpiresAt: now.Add(webhook.DeliveryRetention)}
	if err := s.CreateDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	q := &memQueue{}
	snd := &scriptedSender{results: results}
	settings := webhook.Settings{Timeout: time.Second, Delays: []time.Duration{5 * time.Second, time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}, DisableAfter: 72 * time.Hour}
	return s, q, snd, webhookqueue.NewDeliverer(s, q, snd, settings, quiet), d
}

func sqsEvent(ms ...webhookqueue.Message) events.SQSEvent {
	var ev events.SQSEvent
	for i, m := range ms {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: m.Body()})
	}
	return ev
}

// run delivers the queue's messages one at a time, as their timers
// expire, until none is left; it returns the timers it saw.
func run(t *testing.T, dl *webhookqueue.Deliverer, q *memQueue, first webhookqueue.Message) []time.Duration {
	t.Helper()
	var timers []time.Duration
	pending := []webhookqueue.Message{first}
	for len(pending) > 0 && len(timers) < 100 {
		resp, err := dl.Handle(context.Background(), sqsEvent(pending[0]))
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("handle: %v %v", err, resp)
		}
		pending = pending[1:]
		for _, s := range q.take() {
			timers = append(timers, s.delay)
			pending = append(pending, s.m)
		}
	}
	return timers
}

func first(d *webhook.Delivery) webhookqueue.Message {
	return webhookqueue.Message{Tenant: d.Tenant, EndpointID: d.EndpointID, DeliveryID: d.ID, Attempt: 1}
}

// TestRetriesWithGrowingDelays: 500, 500, then 200: three attempts with
// the same event id, the second 5 s after the first and the third a minute
// later, each delay an SQS message timer.
func TestRetriesWithGrowingDelays(t *testing.T) {
	s, q, snd, dl, d := setup(t, false, failWith(500), failWith(500), webhook.Result{StatusCode: 200})
	timers := run(t, dl, q, first(d))
	if got := summary(s.delivery(d.ID)); got != "succeeded/3/200" {
		t.Errorf("delivery %s, want succeeded/3/200", got)
	}
	if len(timers) != 2 || timers[0] != 5*time.Second || timers[1] != time.Minute {
		t.Errorf("timers %v, want [5s 1m0s]", timers)
	}
	if len(snd.calls) != 3 || snd.calls[0] != "evt" || snd.calls[2] != "evt" {
		t.Errorf("attempts with event ids %v, want evt three times", snd.calls)
	}
}

// TestFailsAfterTheLastRetry: an endpoint that always fails gets the first
// attempt and five retries, the long delays made of timers of at most 15
// minutes, then the delivery is failed.
func TestFailsAfterTheLastRetry(t *testing.T) {
	var results []webhook.Result
	for range 10 {
		results = append(results, webhook.Result{Err: "timed out"})
	}
	s, q, snd, dl, d := setup(t, false, results...)
	timers := run(t, dl, q, first(d))
	got := s.delivery(d.ID)
	if summary(got) != "failed/6/0" || got.LastError != "timed out" || !got.NextAttemptAt.IsZero() {
		t.Errorf("delivery %+v, want failed after 6 attempts", got)
	}
	var total time.Duration
	for _, tm := range timers {
		total += tm
	}
	if want := 5*time.Second + time.Minute + 10*time.Minute + time.Hour + 6*time.Hour; total != want {
		t.Errorf("timers add up to %s, want %s", total, want)
	}
	if len(snd.calls) != 6 {
		t.Errorf("%d attempts, want 6", len(snd.calls))
	}
}

// TestManualDeliveriesGetOneAttempt: a test event or a retry asked for is
// tried once.
func TestManualDeliveriesGetOneAttempt(t *testing.T) {
	s, q, _, dl, d := setup(t, true, failWith(503))
	if timers := run(t, dl, q, first(d)); len(timers) != 0 {
		t.Errorf("timers %v, want none", timers)
	}
	if got := summary(s.delivery(d.ID)); got != "failed/1/503" {
		t.Errorf("delivery %s, want failed/1/503", got)
	}
}

// TestDuplicateAndStaleMessages: a message for an attempt already made,
// or of an earlier round, makes no attempt.
func TestDuplicateAndStaleMessages(t *testing.T) {
	s, q, snd, dl, d := setup(t, false)
	run(t, dl, q, first(d))
	run(t, dl, q, first(d))
	stale := first(d)
	stale.Attempt, stale.Round = 2, 1
	run(t, dl, q, stale)
	if len(snd.calls) != 1 || summary(s.delivery(d.ID)) != "succeeded/1/200" {
		t.Errorf("%d attempts, delivery %s; want one, succeeded", len(snd.calls), summary(s.delivery(d.ID)))
	}
}

func TestRemovedAndDisabledEndpoints(t *testing.T) {
	s, q, snd, dl, d := setup(t, false)
	s.UpdateEndpoint("t", d.EndpointID, func(e *webhook.Endpoint) { e.Disabled = true })
	run(t, dl, q, first(d))
	if got := s.delivery(d.ID); got.State != webhook.Failed || !strings.Contains(got.LastError, "disabled") || len(snd.calls) != 0 {
		t.Errorf("to a disabled endpoint: %+v, %d attempts", got, len(snd.calls))
	}

	s, q, snd, dl, d = setup(t, false)
	if err := s.DeleteEndpoint(context.Background(), "t", d.EndpointID); err != nil {
		t.Fatal(err)
	}
	run(t, dl, q, first(d))
	if got := s.delivery(d.ID); got.State != webhook.Failed || !strings.Contains(got.LastError, "removed") || len(snd.calls) != 0 {
		t.Errorf("to a removed endpoint: %+v, %d attempts", got, len(snd.calls))
	}
}

// TestDisabledAfterFailingLongEnough: an endpoint failing every attempt
// for DisableAfter is disabled; one success before then clears it, and a
// manual attempt that succeeds enables a disabled one again.
func TestDisabledAfterFailingLongEnough(t *testing.T) {
	s, q, _, dl, d := setup(t, false, failWith(500), failWith(500))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dl.Now = func() time.Time { return now }
	m := first(d)
	if _, err := dl.Handle(context.Background(), sqsEvent(m)); err != nil {
		t.Fatal(err)
	}
	ep := s.endpoint(d.EndpointID)
	if ep.Disabled || !ep.FailingSince.Equal(now) {
		t.Fatalf("after one failure: disabled %v, failing since %v", ep.Disabled, ep.FailingSince)
	}
	now = now.Add(72 * time.Hour)
	q.take()
	m.Attempt = 2
	if _, err := dl.Handle(context.Background(), sqsEvent(m)); err != nil {
		t.Fatal(err)
	}
	if ep = s.endpoint(d.EndpointID); !ep.Disabled {
		t.Fatal("failing for 72h: not disabled")
	}
	// A retry asked for is sent to a disabled endpoint, and its success
	// enables it.
	s.UpdateDelivery("t", d.EndpointID, d.ID, func(cur *webhook.Delivery) {
		cur.State, cur.Manual, cur.Round = webhook.Requested, true, 1
	})
	if _, err := dl.Handle(context.Background(), sqsEvent(webhookqueue.Message{Tenant: "t", EndpointID: d.EndpointID, DeliveryID: d.ID, Round: 1, Attempt: 3})); err != nil {
		t.Fatal(err)
	}
	if ep = s.endpoint(d.EndpointID); ep.Disabled || !ep.FailingSince.IsZero() || s.delivery(d.ID).State != webhook.Succeeded {
		t.Errorf("after a manual success: disabled %v, failing since %v, delivery %s", ep.Disabled, ep.FailingSince, summary(s.delivery(d.ID)))
	}
}

// TestQueueFailureIsRetried: when the next attempt can't be queued, the
// message fails and nothing is recorded, so the attempt is made again
// rather than the delivery stalling.
func TestQueueFailureIsRetried(t *testing.T) {
	s, q, _, dl, d := setup(t, false, failWith(500))
	q.fail = true
	resp, err := dl.Handle(context.Background(), sqsEvent(first(d)))
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("got %v %v, want the message failed", resp, err)
	}
	if got := s.delivery(d.ID); got.Attempts != 0 || got.State != webhook.Requested {
		t.Errorf("delivery %s, want the attempt unrecorded", summary(got))
	}
}

func TestBatchAttemptsRunAtOnce(t *testing.T) {
	s, q, _, dl, d := setup(t, false)
	slow := &slowSender{release: make(chan struct{})}
	dl2 := webhookqueue.NewDeliverer(s, q, slow, webhook.Settings{Delays: []time.Duration{time.Second}}, quiet)
	other, _ := webhook.NewID()
	d2 := *d
	d2.ID = other
	_ = s.CreateDelivery(context.Background(), &d2)
	done := make(chan struct{})
	go func() {
		_, _ = dl2.Handle(context.Background(), sqsEvent(first(d), first(&d2)))
		close(done)
	}()
	// Both attempts start although neither has finished.
	for deadline := time.Now().Add(10 * time.Second); slow.started() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts started, want 2 at once", slow.started())
		}
	}
	close(slow.release)
	<-done
	_ = dl
}

// TestAttemptBeforeTheLastIsRecorded: the next attempt is queued before
// the last one is recorded; arriving first, it fails and comes back later,
// rather than being dropped and leaving the delivery pending forever.
func TestAttemptBeforeTheLastIsRecorded(t *testing.T) {
	s, _, snd, dl, d := setup(t, false)
	early := first(d)
	early.Attempt = 2
	resp, err := dl.Handle(context.Background(), sqsEvent(early))
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("got %v %v, want the message failed", resp, err)
	}
	if len(snd.calls) != 0 || s.delivery(d.ID).Attempts != 0 {
		t.Error("an attempt was made out of turn")
	}
}

// TestFailingEndpointGetsOneAttemptAtATime: while an attempt to a failing
// endpoint holds its turn, another delivery to it waits on the queue
// without an attempt being made or counted; once the turn is free, it is
// made.
func TestFailingEndpointGetsOneAttemptAtATime(t *testing.T) {
	s, q, snd, dl, d := setup(t, false)
	now := time.Now()
	dl.Now = func() time.Time { return now }
	s.UpdateEndpoint("t", d.EndpointID, func(ep *webhook.Endpoint) {
		ep.FailingSince, ep.ProbeUntil = now.Add(-time.Minute), now.Add(10*time.Second)
	})
	if _, err := dl.Handle(context.Background(), sqsEvent(first(d))); err != nil {
		t.Fatal(err)
	}
	sent := q.take()
	if len(snd.calls) != 0 || len(sent) != 1 || sent[0].m.Attempt != 1 || sent[0].delay < time.Second {
		t.Fatalf("while the turn is held: %d attempts, queued %+v; want none made and the message back later", len(snd.calls), sent)
	}
	if got := s.delivery(d.ID); got.Attempts != 0 {
		t.Errorf("a wait counted as an attempt: %s", summary(got))
	}
	now = now.Add(11 * time.Second)
	if _, err := dl.Handle(context.Background(), sqsEvent(sent[0].m)); err != nil {
		t.Fatal(err)
	}
	if ep := s.endpoint(d.EndpointID); len(snd.calls) != 1 || summary(s.delivery(d.ID)) != "succeeded/1/200" || !ep.FailingSince.IsZero() || !ep.ProbeUntil.IsZero() {
		t.Errorf("once the turn is free: %d attempts, delivery %s, endpoint failing since %v", len(snd.calls), summary(s.delivery(d.ID)), ep.FailingSince)
	}
}
