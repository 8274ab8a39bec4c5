package webhookqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

// probeMargin is how long past its timeout a failing endpoint's attempt
// keeps its turn: time to record it.
const probeMargin = 5 * time.Second

// errEarly is an attempt that arrived before the one before it was
// recorded.
var errEarly = errors.New("the attempt before is not recorded yet")

// DeliveryStore is what Deliverer reads and writes.
type DeliveryStore interface {
	GetDelivery(ctx context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error)
	GetEndpoint(ctx context.Context, tenant, id string) (*webhook.Endpoint, error)
	RecordAttempt(ctx context.Context, d *webhook.Delivery) error
	EndpointSucceeded(ctx context.Context, tenant, id string, now time.Time) error
	EndpointFailed(ctx context.Context, tenant, id string, now time.Time, disableAfter time.Duration) (*webhook.Endpoint, error)
	AcquireProbe(ctx context.Context, tenant, id string, now, until time.Time) (bool, error)
}

// Sender makes one attempt (webhook.Sender).
type Sender interface {
	Send(ctx context.Context, url string, secrets []webhook.Secret, id string, at time.Time, body []byte) webhook.Result
}

// Deliverer consumes the delivery queue.
type Deliverer struct {
	store    DeliveryStore
	queue    Queue
	sender   Sender
	settings webhook.Settings
	log      *slog.Logger
	// Now and Metrics may be replaced before the first Handle.
	Now     func() time.Time
	Metrics *metrics.Writer
}

// NewDeliverer returns the delivery queue's consumer.
func NewDeliverer(s DeliveryStore, q Queue, sender Sender, settings webhook.Settings, log *slog.Logger) *Deliverer {
	return &Deliverer{store: s, queue: q, sender: sender, settings: settings, log: log, Now: time.Now}
}

// Handle makes the batch's attempts at once, so that a receiver that
// hangs holds up no other delivery of the batch (each attempt is bounded by
// the settings' timeout). A message whose attempt could not be recorded is
// a batch item failure, and comes back after the queue's visibility
// timeout.
func (d *Deliverer) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var (
		mu   sync.Mutex
		resp events.SQSEventResponse
		wg   sync.WaitGroup
	)
	for _, rec := range ev.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.handle(ctx, rec.Body); err != nil {
				level := slog.LevelError
				if errors.Is(err, errEarly) {
					level = slog.LevelInfo
				}
				d.log.Log(ctx, level, "webhook delivery, will retry", "messageId", rec.MessageId, "err", err)
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return resp, nil
}

func (d *Deliverer) handle(ctx context.Context, body string) error {
	m, err := ParseMessage(body)
	if err != nil {
		d.log.WarnContext(ctx, "dropped a malformed delivery message", "err", err)
		return nil
	}
	if m.Wait > 0 {
		// Not due yet: one more timer.
		return sendAfter(ctx, d.queue, Message{Tenant: m.Tenant, EndpointID: m.EndpointID, DeliveryID: m.DeliveryID,
			Round: m.Round, Attempt: m.Attempt}, time.Duration(m.Wait)*time.Second)
	}
	now := d.Now()
	dl, err := d.store.GetDelivery(ctx, m.Tenant, m.EndpointID, m.DeliveryID, now)
	if errors.Is(err, webhook.ErrDeliveryNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if dl.Awaits(m.Round, m.Attempt-1) && m.Attempt > 1 {
		// The attempt before is queued before it is recorded: this one
		// came first. It comes back after the visibility timeout.
		return fmt.Errorf("attempt %d of delivery %s: %w", m.Attempt, dl.ID, errEarly)
	}
	if !dl.Awaits(m.Round, m.Attempt) {
		return nil // a duplicate, or an attempt a retry asked for replaced
	}
	ep, err := d.store.GetEndpoint(ctx, m.Tenant, m.EndpointID)
	var res webhook.Result
	final, sent := false, false
	switch {
	case errors.Is(err, webhook.ErrEndpointNotFound):
		res.Err, final = "the endpoint was removed", true
	case err != nil:
		return err
	case ep.Disabled && !dl.Manual:
		res.Err, final = "the endpoint is disabled", true
	default:
		if !ep.FailingSince.IsZero() {
			// A failing endpoint gets one attempt at a time: the others wait,
			// on the queue, without counting as attempts, so a dead or hanging
			// receiver holds at most one invocation.
			turn, err := d.store.AcquireProbe(ctx, ep.Tenant, ep.ID, now, now.Add(d.settings.Timeout+probeMargin))
			if err != nil {
				return err
			}
			if !turn {
				return d.queue.Send(ctx, m, max(time.Second, d.settings.Timeout).Round(time.Second))
			}
		}
		res, sent = d.sender.Send(ctx, ep.URL, ep.SigningSecrets(now), dl.EventID, now, dl.Payload), true
	}
	dl.Attempts, dl.LastAttemptAt, dl.UpdatedAt = m.Attempt, now, d.Now()
	dl.LastStatusCode, dl.LastError, dl.LastResponse, dl.LastLatency = res.StatusCode, res.Err, res.Excerpt, res.Latency
	dl.NextAttemptAt = time.Time{}
	switch {
	case res.OK():
		dl.State = webhook.Succeeded
	case final || dl.Manual || m.Attempt > len(d.settings.Delays):
		dl.State = webhook.Failed
	default:
		delay := d.settings.Delays[m.Attempt-1]
		dl.State, dl.NextAttemptAt = webhook.Pending, now.Add(delay)
		// The next attempt is on the queue before this one is recorded: a
		// crash in between repeats this attempt rather than losing the next.
		next := Message{Tenant: m.Tenant, EndpointID: m.EndpointID, DeliveryID: m.DeliveryID, Round: m.Round, Attempt: m.Attempt + 1}
		if err := sendAfter(ctx, d.queue, next, delay); err != nil {
			return err
		}
	}
	if err := d.store.RecordAttempt(ctx, dl); errors.Is(err, receipt.ErrConflict) {
		d.log.InfoContext(ctx, "webhook attempt made twice, recorded once", "delivery", dl.ID, "attempt", m.Attempt)
		return nil
	} else if err != nil {
		return err
	}
	d.observe(ctx, dl, res)
	if sent {
		return d.health(ctx, ep, res.OK(), now)
	}
	return nil
}

// health records the attempt on the endpoint: a success clears its failing
// streak (and enables it again), a failure extends it and may disable it.
func (d *Deliverer) health(ctx context.Context, ep *webhook.Endpoint, ok bool, now time.Time) error {
	if ok {
		if ep.FailingSince.IsZero() && !ep.Disabled {
			return nil
		}
		err := d.store.EndpointSucceeded(ctx, ep.Tenant, ep.ID, now)
		if errors.Is(err, webhook.ErrEndpointNotFound) {
			return nil
		}
		return err
	}
	after, err := d.store.EndpointFailed(ctx, ep.Tenant, ep.ID, now, d.settings.DisableAfter)
	if errors.Is(err, webhook.ErrEndpointNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if after.Disabled && !ep.Disabled {
		d.log.WarnContext(ctx, "webhook endpoint disabled", "tenant", ep.Tenant, "endpoint", ep.ID, "reason", after.DisabledReason)
	}
	return nil
}

// observe logs the attempt and writes its metrics: attempts by outcome,
// and their latency.
func (d *Deliverer) observe(ctx context.Context, dl *webhook.Delivery, res webhook.Result) {
	outcome := map[webhook.State]string{webhook.Succeeded: "succeeded", webhook.Pending: "retrying", webhook.Failed: "failed"}[dl.State]
	level := slog.LevelInfo
	if dl.State == webhook.Failed {
		level = slog.LevelWarn
	}
	d.log.Log(ctx, level, "webhook attempt", "tenant", dl.Tenant, "endpoint", dl.EndpointID, "delivery", dl.ID,
		"eventId", dl.EventID, "type", dl.EventType, "attempt", dl.Attempts, "outcome", outcome,
		"statusCode", res.StatusCode, "latencyMs", res.Latency.Milliseconds(), "err", res.Err)
	if d.Metrics == nil {
		return
	}
	_ = d.Metrics.Write(metrics.Record{
		Dimensions: map[string]string{"Outcome": outcome},
		Values: []metrics.Value{
			{Name: "WebhookAttempts", Unit: metrics.Count, Value: 1},
			{Name: "WebhookLatency", Unit: metrics.Milliseconds, Value: float64(res.Latency.Milliseconds())},
		},
		Properties: map[string]any{"eventType": dl.EventType},
	})
}
