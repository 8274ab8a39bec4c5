//go:build !integration

package webhookqueue_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/webhook"
	"github.com/receipts-api/receipts/internal/webhookqueue"
)

// store is the shared fake store, and what the tests read of it.
type store struct{ *fake.Store }

// newStore returns a store holding the endpoints.
func newStore(t *testing.T, eps ...*webhook.Endpoint) store {
	t.Helper()
	s := store{fake.NewStore()}
	for _, e := range eps {
		if err := s.CreateEndpoint(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// delivery returns the delivery with the given id as stored now.
func (s store) delivery(id string) webhook.Delivery {
	for _, d := range s.Deliveries() {
		if d.ID == id {
			return d
		}
	}
	panic("no delivery " + id)
}

// endpoint returns tenant t's endpoint as stored now.
func (s store) endpoint(id string) *webhook.Endpoint {
	e, err := s.GetEndpoint(context.Background(), "t", id)
	if err != nil {
		panic(err)
	}
	return e
}

// sent is a message put on the fake queue, with its timer.
type sent struct {
	m     webhookqueue.Message
	delay time.Duration
}

type memQueue struct {
	mu   sync.Mutex
	sent []sent
	fail bool
}

func (q *memQueue) Send(_ context.Context, m webhookqueue.Message, delay time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail {
		return fmt.Errorf("queue unavailable")
	}
	if delay > webhookqueue.MaxTimer {
		return fmt.Errorf("timer %s over SQS's maximum", delay)
	}
	q.sent = append(q.sent, sent{m, delay})
	return nil
}

func (q *memQueue) take() []sent {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.sent
	q.sent = nil
	return out
}

// scriptedSender answers attempts with the next of its results.
type scriptedSender struct {
	mu      sync.Mutex
	results []webhook.Result
	calls   []string // event ids
	secrets [][]webhook.Secret
}

func (s *scriptedSender) Send(_ context.Context, url string, secrets []webhook.Secret, id string, _ time.Time, _ []byte) webhook.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, id)
	s.secrets = append(s.secrets, secrets)
	if len(s.results) == 0 {
		return webhook.Result{StatusCode: 200}
	}
	r := s.results[0]
	s.results = s.results[1:]
	return r
}

func failWith(code int) webhook.Result {
	return webhook.Result{StatusCode: code, Err: fmt.Sprintf("answered %d", code)}
}

func summary(d webhook.Delivery) string {
	return strings.Join([]string{string(d.State), fmt.Sprint(d.Attempts), fmt.Sprint(d.LastStatusCode)}, "/")
}

// slowSender holds every attempt until released.
type slowSender struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func (s *slowSender) Send(context.Context, string, []webhook.Secret, string, time.Time, []byte) webhook.Result {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	<-s.release
	return webhook.Result{StatusCode: 200}
}

func (s *slowSender) started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}
