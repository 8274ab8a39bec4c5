package fake

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Retrier records the messages it is asked to hide for their back-off, as
// internal/retry's Backoff hides them from the queue, and answers a
// second each.
type Retrier struct {
	mu  sync.Mutex
	ids []string
}

// Retry records msg's id.
func (r *Retrier) Retry(_ context.Context, msg events.SQSMessage) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, msg.MessageId)
	return time.Second
}

// IDs returns the ids of the messages hidden so far, in order.
func (r *Retrier) IDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}
