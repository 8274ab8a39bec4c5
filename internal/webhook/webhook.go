// Package webhook holds what the service's webhooks are: endpoints that a
// tenant registers, the events sent to them, the deliveries of those
// events, and how a delivery is signed (Standard Webhooks), checked against
// SSRF and sent. Storage and queues live elsewhere (internal/store,
// internal/webhookqueue); this package makes no AWS call.
package webhook

import (
	"crypto/sha256"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
)

// The events a tenant can subscribe to, and the one it can send itself.
const (
	ReceiptCompleted = "receipt.completed"
	ReceiptFailed    = "receipt.failed"
	ReceiptDeleted   = "receipt.deleted"
	// Test is sent by POST /webhooks/{id}/test, whatever the endpoint
	// subscribes to.
	Test = "webhook.test"
)

// EventTypes are the events an endpoint may subscribe to.
var EventTypes = []string{ReceiptCompleted, ReceiptFailed, ReceiptDeleted}

// Bounds on what a tenant may register.
const (
	// MaxEndpoints is how many endpoints one tenant may have.
	MaxEndpoints = 10
	// MaxURLBytes bounds an endpoint's URL.
	MaxURLBytes = 2048
	// MaxDescriptionBytes bounds an endpoint's description.
	MaxDescriptionBytes = 512
	// MaxPayloadBytes bounds an event's body: a receipt's details (or,
	// still too large, its fields) are left out of the event to stay
	// within it; the client can GET the receipt.
	MaxPayloadBytes = 64 << 10
	// MaxInlineDetails is the longest text a receipt event carries.
	MaxInlineDetails = 16 << 10
	// DeliveryRetention is how long the delivery log keeps a delivery.
	DeliveryRetention = 30 * 24 * time.Hour
	// SecretOverlap is how long a replaced secret keeps signing beside
	// the new one.
	SecretOverlap = 24 * time.Hour
)

// Errors the service speaks in about webhooks.
var (
	ErrEndpointNotFound = errors.New("webhook not found")
	ErrDeliveryNotFound = errors.New("delivery not found")
	ErrTooManyEndpoints = errors.New("too many webhook endpoints")
)

// Endpoint is a URL a tenant asked events to be sent to.
type Endpoint struct {
	ID          string
	Tenant      string
	URL         string
	Description string
	Events      []string
	Secret      Secret
	// PreviousSecret, until PreviousSecretUntil, signs beside Secret: the
	// receiver has a day to switch after a rotation.
	PreviousSecret      Secret
	PreviousSecretUntil time.Time
	// FailingSince is when the endpoint started failing every attempt;
	// zero while its last attempt succeeded.
	FailingSince time.Time
	// ProbeUntil is when the one attempt a failing endpoint may have in
	// flight gives up its turn.
	ProbeUntil time.Time
	// Disabled endpoints get no new events: they failed for too long.
	Disabled       bool
	DisabledAt     time.Time
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Subscribes says whether the endpoint wants events of type typ.
func (e *Endpoint) Subscribes(typ string) bool { return slices.Contains(e.Events, typ) }

// SigningSecrets are the secrets that sign a delivery at now: the current
// one, and the previous one during its overlap.
func (e *Endpoint) SigningSecrets(now time.Time) []Secret {
	out := []Secret{e.Secret}
	if e.PreviousSecret != "" && now.Before(e.PreviousSecretUntil) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

// State is where a delivery is.
type State string

// A delivery is requested (its first attempt, or a manual one, is on its
// way to the queue), pending (an attempt failed; the next is scheduled),
// then succeeded or failed for good.
const (
	Requested State = "requested"
	Pending   State = "pending"
	Succeeded State = "succeeded"
	Failed    State = "failed"
)

// Delivery is one event on its way to one endpoint, with what its
// attempts gave.
type Delivery struct {
	ID         string
	Tenant     string
	EndpointID string
	EventID    string
	EventType  string
	// ReceiptID is the receipt the event is about, if any.
	ReceiptID string
	// Payload is the event's body, the same bytes on every attempt.
	Payload []byte
	State   State
	// Manual deliveries (test events, retries asked for) get one attempt
	// and no automatic retries.
	Manual bool
	// Round counts the retries asked for: a message of an earlier round is
	// stale.
	Round          int
	Attempts       int
	LastStatusCode int
	LastError      string
	// LastResponse is a short excerpt of the last response's body.
	LastResponse  string
	LastLatency   time.Duration
	LastAttemptAt time.Time
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ExpiresAt     time.Time
}

// Awaits says whether the delivery is waiting for attempt n of round r:
// any other message about it is a duplicate or stale.
func (d *Delivery) Awaits(round, n int) bool {
	return (d.State == Requested || d.State == Pending) && d.Round == round && d.Attempts == n-1
}

// NewID returns a new endpoint, delivery or event id: a UUIDv7, so ids
// sort by creation time.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// DerivedID returns the UUIDv7 of time at whose other bits come from
// parts: the same parts give the same id, so an event or delivery made
// again from a replayed stream record is the same one, and ids still sort
// by time.
func DerivedID(at time.Time, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var u uuid.UUID
	copy(u[:], h.Sum(nil))
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 4122 variant
	return u.String()
}

// ValidID says whether id has the form of the ids NewID and DerivedID make.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}
