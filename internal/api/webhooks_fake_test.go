//go:build !integration

package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

// memWebhooks keeps endpoints and deliveries in memory with the store's
// contract (internal/store): at most webhook.MaxEndpoints a tenant,
// deliveries newest first, expired ones gone.
type memWebhooks struct {
	mu         sync.Mutex
	endpoints  map[string]*webhook.Endpoint // by tenant + "/" + id
	deliveries map[string]*webhook.Delivery // by tenant + "/" + endpoint + "/" + id
}

func newMemWebhooks() *memWebhooks {
	return &memWebhooks{endpoints: map[string]*webhook.Endpoint{}, deliveries: map[string]*webhook.Delivery{}}
}

func (m *memWebhooks) CreateEndpoint(_ context.Context, e *webhook.Endpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k := range m.endpoints {
		if strings.HasPrefix(k, e.Tenant+"/") {
			n++
		}
	}
	if n >= webhook.MaxEndpoints {
		return webhook.ErrTooManyEndpoints
	}
	c := *e
	m.endpoints[e.Tenant+"/"+e.ID] = &c
	return nil
}

func (m *memWebhooks) ListEndpoints(_ context.Context, tenant string) ([]*webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*webhook.Endpoint
	for k, e := range m.endpoints {
		if strings.HasPrefix(k, tenant+"/") {
			c := *e
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *webhook.Endpoint) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (m *memWebhooks) GetEndpoint(_ context.Context, tenant, id string) (*webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[tenant+"/"+id]
	if !ok {
		return nil, fmt.Errorf("get endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	c := *e
	return &c, nil
}

func (m *memWebhooks) DeleteEndpoint(_ context.Context, tenant, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.endpoints[tenant+"/"+id]; !ok {
		return webhook.ErrEndpointNotFound
	}
	delete(m.endpoints, tenant+"/"+id)
	return nil
}

func (m *memWebhooks) RotateSecret(_ context.Context, tenant, id string, s webhook.Secret, now time.Time) (*webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[tenant+"/"+id]
	if !ok {
		return nil, webhook.ErrEndpointNotFound
	}
	e.PreviousSecret, e.PreviousSecretUntil, e.Secret, e.UpdatedAt = e.Secret, now.Add(webhook.SecretOverlap), s, now
	c := *e
	return &c, nil
}

func (m *memWebhooks) CreateDelivery(_ context.Context, d *webhook.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := d.Tenant + "/" + d.EndpointID + "/" + d.ID
	if _, ok := m.deliveries[k]; ok {
		return receipt.ErrConflict
	}
	c := *d
	m.deliveries[k] = &c
	return nil
}

func (m *memWebhooks) ListDeliveries(_ context.Context, tenant, endpointID string, limit int, after string, now time.Time) ([]*webhook.Delivery, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*webhook.Delivery
	for k, d := range m.deliveries {
		if strings.HasPrefix(k, tenant+"/"+endpointID+"/") && d.ExpiresAt.After(now) && (after == "" || d.ID < after) {
			c := *d
			all = append(all, &c)
		}
	}
	slices.SortFunc(all, func(a, b *webhook.Delivery) int { return strings.Compare(b.ID, a.ID) })
	if len(all) > limit {
		return all[:limit], all[limit-1].ID, nil
	}
	return all, "", nil
}

func (m *memWebhooks) FindDelivery(_ context.Context, tenant, id string, endpointIDs []string, now time.Time) (*webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range endpointIDs {
		if d, ok := m.deliveries[tenant+"/"+e+"/"+id]; ok && d.ExpiresAt.After(now) {
			c := *d
			return &c, nil
		}
	}
	return nil, webhook.ErrDeliveryNotFound
}

func (m *memWebhooks) RequestRetry(_ context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[tenant+"/"+endpointID+"/"+id]
	if !ok || !d.ExpiresAt.After(now) {
		return nil, webhook.ErrDeliveryNotFound
	}
	d.State, d.Manual, d.Round, d.NextAttemptAt, d.UpdatedAt = webhook.Requested, true, d.Round+1, time.Time{}, now
	c := *d
	return &c, nil
}
