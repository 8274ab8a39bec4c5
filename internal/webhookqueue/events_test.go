//go:build !integration

package webhookqueue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
	"github.com/receipts-api/receipts/internal/webhookqueue"
)

const receiptID = "0193c1de-0000-7000-8000-000000000001"

// record is a stream record of the receipt item, as Lambda delivers it
// (NEW_IMAGE; a REMOVE carries only the keys).
func record(t *testing.T, eventID, name, tenant, status, details string) events.DynamoDBEventRecord {
	t.Helper()
	keys := fmt.Sprintf(`{"PK":{"S":"TENANT#%s"},"SK":{"S":"RECEIPT#%s"}}`, tenant, receiptID)
	img := ""
	if name != "REMOVE" {
		d, _ := json.Marshal(details)
		img = fmt.Sprintf(`,"NewImage":{"PK":{"S":"TENANT#%s"},"SK":{"S":"RECEIPT#%s"},"id":{"S":"%s"},"tenant":{"S":"%s"},`+
			`"status":{"S":"%s"},"fileKey":{"S":"k"},"contentType":{"S":"image/png"},"size":{"N":"1"},"sha256":{"S":"x"},`+
			`"details":{"S":%s},"attempts":{"N":"1"},"createdAt":{"S":"2026-01-02T03:04:05Z"},"updatedAt":{"S":"2026-01-02T03:04:06Z"}}`,
			tenant, receiptID, receiptID, tenant, status, d)
	}
	src := fmt.Sprintf(`{"eventID":"%s","eventName":"%s","dynamodb":{"ApproximateCreationDateTime":1767323046,"Keys":%s%s,"SequenceNumber":"%s","StreamViewType":"NEW_IMAGE"}}`,
		eventID, name, keys, img, eventID)
	var r events.DynamoDBEventRecord
	if err := json.Unmarshal([]byte(src), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func render(r *receipt.Receipt) any {
	return map[string]any{"uuid": r.ID, "status": r.Status, "details": r.Details, "fields": map[string]string{"total": "9.00"}}
}

func endpoint(tenant string, events ...string) *webhook.Endpoint {
	id, _ := webhook.NewID()
	return &webhook.Endpoint{ID: id, Tenant: tenant, URL: "https://hooks.example.com/", Events: events}
}

// TestFanOut: each receipt event becomes one delivery per endpoint of its
// tenant that subscribes and is enabled; a replayed record makes none more;
// other records make none.
func TestFanOut(t *testing.T) {
	all := endpoint("a", webhook.EventTypes...)
	completedOnly := endpoint("a", webhook.ReceiptCompleted)
	disabled := endpoint("a", webhook.EventTypes...)
	disabled.Disabled = true
	otherTenant := endpoint("b", webhook.EventTypes...)
	s := newStore(t, all, completedOnly, disabled, otherTenant)
	ev := webhookqueue.NewEvents(s, &memQueue{}, render, quiet)
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(t, "e1", "MODIFY", "a", "COMPLETED", "text"),
		record(t, "e2", "MODIFY", "a", "FAILED", ""),
		record(t, "e3", "REMOVE", "a", "", ""),
		record(t, "e4", "INSERT", "a", "PROCESSING", ""),
		record(t, "e1", "MODIFY", "a", "COMPLETED", "text"), // replayed
	}}
	if resp, err := ev.Handle(context.Background(), batch); err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("handle: %v %v", resp, err)
	}
	got := map[string][]string{}
	eventIDs := map[string]bool{}
	for _, d := range s.Deliveries() {
		got[d.EndpointID] = append(got[d.EndpointID], d.EventType)
		eventIDs[d.EventID] = true
		if d.State != webhook.Requested || d.ReceiptID != receiptID || d.ExpiresAt.Sub(d.CreatedAt) != webhook.DeliveryRetention {
			t.Errorf("delivery %+v", d)
		}
	}
	if n := len(got[all.ID]); n != 3 {
		t.Errorf("endpoint of all events got %v", got[all.ID])
	}
	if fmt.Sprint(got[completedOnly.ID]) != "[receipt.completed]" {
		t.Errorf("endpoint of completed events got %v", got[completedOnly.ID])
	}
	if len(got[disabled.ID])+len(got[otherTenant.ID]) != 0 {
		t.Errorf("disabled endpoint got %v, another tenant's %v", got[disabled.ID], got[otherTenant.ID])
	}
	if len(eventIDs) != 3 {
		t.Errorf("%d event ids, want 3: one per event, the same for each endpoint", len(eventIDs))
	}
}

// TestPayload: the event body is type, timestamp and the receipt; a text
// over the bound is left out and said so.
func TestPayload(t *testing.T) {
	ep := endpoint("a", webhook.EventTypes...)
	for _, tt := range []struct {
		name, details string
		omitted       bool
	}{
		{"short text", "TOTAL 9.00", false},
		{"long text", strings.Repeat("x", webhook.MaxInlineDetails+1), true},
		{"text at the bound", strings.Repeat("é", webhook.MaxInlineDetails/2), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, ep)
			ev := webhookqueue.NewEvents(s, &memQueue{}, render, quiet)
			if _, err := ev.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
				record(t, "e1", "MODIFY", "a", "COMPLETED", tt.details)}}); err != nil {
				t.Fatal(err)
			}
			for _, d := range s.Deliveries() {
				if len(d.Payload) > webhook.MaxPayloadBytes {
					t.Errorf("payload of %d bytes", len(d.Payload))
				}
				var body struct {
					Type      string         `json:"type"`
					Timestamp time.Time      `json:"timestamp"`
					Data      map[string]any `json:"data"`
				}
				if err := json.Unmarshal(d.Payload, &body); err != nil {
					t.Fatal(err)
				}
				if body.Type != webhook.ReceiptCompleted || body.Timestamp.IsZero() || body.Data["uuid"] != receiptID || body.Data["fields"] == nil {
					t.Errorf("payload %s", d.Payload)
				}
				if omitted := body.Data["detailsOmitted"] == true; omitted != tt.omitted || !omitted && body.Data["details"] != tt.details {
					t.Errorf("detailsOmitted %v, want %v", body.Data["detailsOmitted"], tt.omitted)
				}
			}
		})
	}
}

// TestRequestedDeliveriesGoToTheQueue: a delivery item entering
// requested is sent as its next attempt, in its round.
func TestRequestedDeliveriesGoToTheQueue(t *testing.T) {
	q := &memQueue{}
	ev := webhookqueue.NewEvents(newStore(t), q, render, quiet)
	epID, _ := webhook.NewID()
	dID, _ := webhook.NewID()
	img := func(state string) events.DynamoDBEventRecord {
		var r events.DynamoDBEventRecord
		src := fmt.Sprintf(`{"eventID":"x","eventName":"MODIFY","dynamodb":{"Keys":{"PK":{"S":"TENANT#a"},"SK":{"S":"DELIVERY#%[1]s#%[2]s"}},`+
			`"NewImage":{"PK":{"S":"TENANT#a"},"SK":{"S":"DELIVERY#%[1]s#%[2]s"},"id":{"S":"%[2]s"},"tenant":{"S":"a"},"endpointId":{"S":"%[1]s"},`+
			`"state":{"S":"%[3]s"},"round":{"N":"2"},"attempts":{"N":"4"},"payload":{"S":"{}"},"expiresAt":{"N":"9999999999"}},"SequenceNumber":"1"}}`, epID, dID, state)
		if err := json.Unmarshal([]byte(src), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if _, err := ev.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{img("requested"), img("pending"), img("succeeded")}}); err != nil {
		t.Fatal(err)
	}
	sent := q.take()
	if len(sent) != 1 || sent[0].m.Attempt != 5 || sent[0].m.Round != 2 || sent[0].delay != 0 || sent[0].m.DeliveryID != dID {
		t.Errorf("sent %+v, want attempt 5 of round 2 of %s, now", sent, dID)
	}
	q.fail = true
	resp, _ := ev.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{img("requested")}})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "1" {
		t.Errorf("with the queue down: %+v, want the record failed", resp)
	}
}

// TestCorrectionsAreNoEvents: a write to a finished receipt that is not
// the end of its processing (a correction: updatedAt after finishedAt)
// sends nothing; the end of a processing (the two equal) does.
func TestCorrectionsAreNoEvents(t *testing.T) {
	hook := endpoint("a", webhook.EventTypes...)
	s := newStore(t, hook)
	ev := webhookqueue.NewEvents(s, &memQueue{}, render, quiet)
	finished := record(t, "f1", "MODIFY", "a", "COMPLETED", "text")
	finished.Change.NewImage["finishedAt"] = events.NewStringAttribute("2026-01-02T03:04:06Z")
	corrected := record(t, "c1", "MODIFY", "a", "COMPLETED", "text")
	corrected.Change.NewImage["finishedAt"] = events.NewStringAttribute("2026-01-02T03:04:05Z")
	correctedFailed := record(t, "c2", "MODIFY", "a", "FAILED", "")
	correctedFailed.Change.NewImage["finishedAt"] = events.NewStringAttribute("2026-01-02T03:04:05Z")
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{finished, corrected, correctedFailed}}
	if resp, err := ev.Handle(context.Background(), batch); err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("handle: %v %v", resp, err)
	}
	if len(s.Deliveries()) != 1 {
		t.Errorf("%d deliveries, want 1: for the end of processing only", len(s.Deliveries()))
	}
}
