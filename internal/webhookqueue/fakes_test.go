package webhookqueue_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
	"github.com/receipts-api/receipts/internal/webhookqueue"
)

// memStore keeps endpoints and deliveries with the store's contract
// (internal/store): deliveries created once, attempts recorded once.
type memStore struct {
	mu         sync.Mutex
	endpoints  map[string]*webhook.Endpoint // by id
	deliveries map[string]*webhook.Delivery // by id
}

func newMemStore(eps ...*webhook.Endpoint) *memStore {
	m := &memStore{endpoints: map[string]*webhook.Endpoint{}, deliveries: map[string]*webhook.Delivery{}}
	for _, e := range eps {
		m.endpoints[e.ID] = e
	}
	return m
}

func (m *memStore) ListEndpoints(_ context.Context, tenant string) ([]*webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*webhook.Endpoint
	for _, e := range m.endpoints {
		if e.Tenant == tenant {
			c := *e
			out = append(out, &c)
		}
	}
	return out, nil
}

func (m *memStore) CreateDelivery(_ context.Context, d *webhook.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.deliveries[d.ID]; ok {
		return receipt.ErrConflict
	}
	c := *d
	m.deliveries[d.ID] = &c
	return nil
}

func (m *memStore) GetDelivery(_ context.Context, tenant, endpointID, id string, _ time.Time) (*webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[id]
	if !ok || d.Tenant != tenant || d.EndpointID != endpointID {
		return nil, webhook.ErrDeliveryNotFound
	}
	c := *d
	return &c, nil
}

func (m *memStore) GetEndpoint(_ context.Context, tenant, id string) (*webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok || e.Tenant != tenant {
		return nil, webhook.ErrEndpointNotFound
	}
	c := *e
	return &c, nil
}

func (m *memStore) RecordAttempt(_ context.Context, d *webhook.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.deliveries[d.ID]
	if !ok || !cur.Awaits(d.Round, d.Attempts) {
		return receipt.ErrConflict
	}
	c := *d
	m.deliveries[d.ID] = &c
	return nil
}

func (m *memStore) EndpointSucceeded(_ context.Context, tenant, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok {
		return webhook.ErrEndpointNotFound
	}
	e.FailingSince, e.ProbeUntil, e.Disabled, e.DisabledReason = time.Time{}, time.Time{}, false, ""
	return nil
}

func (m *memStore) EndpointFailed(_ context.Context, tenant, id string, now time.Time, after time.Duration) (*webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok {
		return nil, webhook.ErrEndpointNotFound
	}
	if e.FailingSince.IsZero() {
		e.FailingSince = now
	}
	e.ProbeUntil = time.Time{}
	if now.Sub(e.FailingSince) >= after {
		e.Disabled, e.DisabledReason = true, "failing"
	}
	c := *e
	return &c, nil
}

func (m *memStore) AcquireProbe(_ context.Context, tenant, id string, now, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok || now.Before(e.ProbeUntil) {
		return false, nil
	}
	e.ProbeUntil = until
	return true, nil
}

func (m *memStore) delivery(id string) webhook.Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.deliveries[id]
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
