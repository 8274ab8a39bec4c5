package webhookqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/streamrecord"
	"github.com/receipts-api/receipts/internal/webhook"
)

// EventStore is what Events reads and writes.
type EventStore interface {
	ListEndpoints(ctx context.Context, tenant string) ([]*webhook.Endpoint, error)
	CreateDelivery(ctx context.Context, d *webhook.Delivery) error
}

// Events consumes the table's stream for webhooks: receipts that finished
// or were deleted become deliveries, and requested deliveries go to the
// queue.
type Events struct {
	store EventStore
	queue Queue
	// render is a receipt as GET /receipt/{id} answers it.
	render func(*receipt.Receipt) any
	log    *slog.Logger
}

// NewEvents returns the stream's webhook consumer.
func NewEvents(s EventStore, q Queue, render func(*receipt.Receipt) any, log *slog.Logger) *Events {
	return &Events{store: s, queue: q, render: render, log: log}
}

// Handle handles the records in order. When one fails, it reports it as
// the batch item failure: Lambda retries the shard from there, and what was
// done for the records before it is not done twice (deliveries are created
// once; a delivery sent to the queue twice gets one attempt).
func (e *Events) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		if err := e.handle(ctx, rec); err != nil {
			e.log.ErrorContext(ctx, "webhook event, will retry", "eventName", rec.EventName, "err", err)
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: rec.Change.SequenceNumber}}
			return resp, nil
		}
	}
	return resp, nil
}

func (e *Events) handle(ctx context.Context, rec events.DynamoDBEventRecord) error {
	if d, ok := store.DeliveryFromImage(streamrecord.SDK(rec.Change.NewImage)); ok {
		if rec.EventName == string(events.DynamoDBOperationTypeRemove) || d.State != webhook.Requested {
			return nil
		}
		return e.queue.Send(ctx, Message{Tenant: d.Tenant, EndpointID: d.EndpointID, DeliveryID: d.ID, Round: d.Round, Attempt: d.Attempts + 1}, 0)
	}
	ev, ok, err := e.eventOf(rec)
	if !ok || err != nil {
		return err
	}
	return e.fanOut(ctx, ev)
}

// event is something that happened to a receipt, for its tenant's
// endpoints.
type event struct {
	id, typ, tenant, receiptID string
	// source is the stream record's id: the same event from the same
	// record, however often it is replayed.
	source  string
	at      time.Time
	payload []byte
}

// eventOf reads the event a stream record is: a receipt that became
// COMPLETED or FAILED, or was deleted. ok is false for any other record.
func (e *Events) eventOf(rec events.DynamoDBEventRecord) (event, bool, error) {
	tenant, id, isReceipt := store.KeyFromStreamKeys(streamrecord.Strings(rec.Change.Keys))
	if !isReceipt {
		return event{}, false, nil
	}
	// The stream's time is rounded (to the second in AWS, the minute in
	// DynamoDB Local); a finished receipt's own time is exact.
	ev := event{tenant: tenant, receiptID: id, source: rec.EventID, at: rec.Change.ApproximateCreationDateTime.Time}
	var data any
	switch rec.EventName {
	case string(events.DynamoDBOperationTypeRemove):
		ev.typ, data = webhook.ReceiptDeleted, map[string]string{"uuid": id}
	case string(events.DynamoDBOperationTypeModify), string(events.DynamoDBOperationTypeInsert):
		rc, err := store.ReceiptFromImage(streamrecord.SDK(rec.Change.NewImage))
		if err != nil {
			return event{}, false, nil
		}
		if !rc.FinishedAt.IsZero() && !rc.FinishedAt.Equal(rc.UpdatedAt) {
			// Finished earlier: this write is a correction, not an end
			// of processing.
			return event{}, false, nil
		}
		switch rc.Status {
		case receipt.Completed:
			ev.typ = webhook.ReceiptCompleted
		case receipt.Failed:
			ev.typ = webhook.ReceiptFailed
		default:
			return event{}, false, nil
		}
		data = rc
		if !rc.UpdatedAt.IsZero() {
			ev.at = rc.UpdatedAt
		}
	default:
		return event{}, false, nil
	}
	ev.id = webhook.DerivedID(ev.at, "event", rec.EventID)
	var err error
	if ev.payload, err = e.payload(ev, data); err != nil {
		return event{}, false, err
	}
	return ev, true, nil
}

// payload is the event's body as Standard Webhooks lays it out: type,
// timestamp, data. A receipt is what GET answers, without a text longer
// than webhook.MaxInlineDetails (or stored beside the file), and without
// its fields if the event would still be over webhook.MaxPayloadBytes.
func (e *Events) payload(ev event, data any) ([]byte, error) {
	envelope := map[string]any{"type": ev.typ, "timestamp": ev.at.UTC().Format(time.RFC3339Nano), "data": data}
	rc, isReceipt := data.(*receipt.Receipt)
	if !isReceipt {
		return json.Marshal(envelope)
	}
	var body map[string]any
	b, err := json.Marshal(e.render(rc))
	if err != nil {
		return nil, fmt.Errorf("render receipt %s: %w", rc.ID, err)
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("render receipt %s: %w", rc.ID, err)
	}
	envelope["data"] = body
	if rc.DetailsKey != "" || len(rc.Details) > webhook.MaxInlineDetails {
		body["details"], body["detailsOmitted"] = "", true
	}
	for _, drop := range []string{"details", "fields"} {
		out, err := json.Marshal(envelope)
		if err != nil || len(out) <= webhook.MaxPayloadBytes {
			return out, err
		}
		if drop == "details" {
			body["details"], body["detailsOmitted"] = "", true
		} else {
			delete(body, "fields")
			body["fieldsOmitted"] = true
		}
	}
	return json.Marshal(envelope)
}

// fanOut makes the event's delivery to each endpoint of its tenant that
// wants it and is not disabled.
func (e *Events) fanOut(ctx context.Context, ev event) error {
	eps, err := e.store.ListEndpoints(ctx, ev.tenant)
	if err != nil {
		return err
	}
	made := 0
	for _, ep := range eps {
		if ep.Disabled || !ep.Subscribes(ev.typ) {
			continue
		}
		d := &webhook.Delivery{
			ID: webhook.DerivedID(ev.at, "delivery", ev.source, ep.ID), Tenant: ev.tenant, EndpointID: ep.ID,
			EventID: ev.id, EventType: ev.typ, ReceiptID: ev.receiptID, Payload: ev.payload, State: webhook.Requested,
			CreatedAt: ev.at, UpdatedAt: ev.at, ExpiresAt: ev.at.Add(webhook.DeliveryRetention),
		}
		if err := e.store.CreateDelivery(ctx, d); err != nil && !errors.Is(err, receipt.ErrConflict) {
			return err
		}
		made++
	}
	if made > 0 {
		e.log.InfoContext(ctx, "webhook event", "type", ev.typ, "eventId", ev.id, "tenant", ev.tenant, "receipt", ev.receiptID, "deliveries", made)
	}
	return nil
}
