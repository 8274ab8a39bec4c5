package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

// CreateEndpoint stores a new endpoint: at most webhook.MaxEndpoints a
// tenant (webhook.ErrTooManyEndpoints), never over another
// (receipt.ErrConflict).
func (s *Store) CreateEndpoint(_ context.Context, e *webhook.Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.endpoints {
		if strings.HasPrefix(k, e.Tenant+"/") {
			n++
		}
	}
	if n >= webhook.MaxEndpoints {
		return fmt.Errorf("create endpoint: %w", webhook.ErrTooManyEndpoints)
	}
	k := e.Tenant + "/" + e.ID
	if _, ok := s.endpoints[k]; ok {
		return fmt.Errorf("create endpoint %s: %w", e.ID, receipt.ErrConflict)
	}
	c := *e
	s.endpoints[k] = &c
	return nil
}

// ListEndpoints returns the tenant's endpoints by id.
func (s *Store) ListEndpoints(_ context.Context, tenant string) ([]*webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*webhook.Endpoint{}
	for k, e := range s.endpoints {
		if strings.HasPrefix(k, tenant+"/") {
			c := *e
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *webhook.Endpoint) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// GetEndpoint returns the tenant's endpoint, or webhook.ErrEndpointNotFound.
func (s *Store) GetEndpoint(_ context.Context, tenant, id string) (*webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[tenant+"/"+id]
	if !ok {
		return nil, fmt.Errorf("get endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	c := *e
	return &c, nil
}

// DeleteEndpoint removes the tenant's endpoint, or returns
// webhook.ErrEndpointNotFound.
func (s *Store) DeleteEndpoint(_ context.Context, tenant, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.endpoints[tenant+"/"+id]; !ok {
		return fmt.Errorf("delete endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	delete(s.endpoints, tenant+"/"+id)
	return nil
}

// UpdateEndpoint changes the stored endpoint as a write from elsewhere
// would (a test's setup). It panics when the tenant has no such endpoint.
func (s *Store) UpdateEndpoint(tenant, id string, change func(*webhook.Endpoint)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[tenant+"/"+id]
	if !ok {
		panic(fmt.Sprintf("fake: no endpoint %s of %s to update", id, tenant))
	}
	change(e)
}

// updateEndpoint changes an existing endpoint and returns it as it now
// is, or webhook.ErrEndpointNotFound.
func (s *Store) updateEndpoint(tenant, id string, change func(*webhook.Endpoint)) (*webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[tenant+"/"+id]
	if !ok {
		return nil, fmt.Errorf("update endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	change(e)
	c := *e
	return &c, nil
}

// RotateSecret makes secret the endpoint's, the old one still signing
// for webhook.SecretOverlap.
func (s *Store) RotateSecret(_ context.Context, tenant, id string, secret webhook.Secret, now time.Time) (*webhook.Endpoint, error) {
	return s.updateEndpoint(tenant, id, func(e *webhook.Endpoint) {
		e.PreviousSecret, e.PreviousSecretUntil, e.Secret, e.UpdatedAt = e.Secret, now.Add(webhook.SecretOverlap), secret, now
	})
}

// EndpointSucceeded clears the endpoint's failing state.
func (s *Store) EndpointSucceeded(_ context.Context, tenant, id string, now time.Time) error {
	_, err := s.updateEndpoint(tenant, id, func(e *webhook.Endpoint) {
		e.UpdatedAt, e.FailingSince, e.ProbeUntil = now, time.Time{}, time.Time{}
		e.Disabled, e.DisabledAt, e.DisabledReason = false, time.Time{}, ""
	})
	return err
}

// EndpointFailed records a failed attempt: failing since the first, and
// disabled once failing for disableAfter.
func (s *Store) EndpointFailed(_ context.Context, tenant, id string, now time.Time, disableAfter time.Duration) (*webhook.Endpoint, error) {
	return s.updateEndpoint(tenant, id, func(e *webhook.Endpoint) {
		if e.FailingSince.IsZero() {
			e.FailingSince = now
		}
		e.ProbeUntil = time.Time{}
		if !e.Disabled && now.Sub(e.FailingSince) >= disableAfter {
			e.Disabled, e.DisabledAt, e.UpdatedAt = true, now, now
			e.DisabledReason = fmt.Sprintf("every attempt failed since %s", e.FailingSince.UTC().Format(time.RFC3339))
		}
	})
}

// AcquireProbe gives the caller the endpoint's one attempt in flight
// until until, unless another holds it (false) or the endpoint is gone
// (false).
func (s *Store) AcquireProbe(_ context.Context, tenant, id string, now, until time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[tenant+"/"+id]
	if !ok || (!e.ProbeUntil.IsZero() && !e.ProbeUntil.Before(now)) {
		return false, nil
	}
	e.ProbeUntil = until
	return true, nil
}

// live reports whether a delivery is still kept at now: the table's TTL
// is to the second.
func live(d *webhook.Delivery, now time.Time) bool { return d.ExpiresAt.Unix() > now.Unix() }

// CreateDelivery stores a new delivery, never over another
// (receipt.ErrConflict).
func (s *Store) CreateDelivery(_ context.Context, d *webhook.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := d.Tenant + "/" + d.EndpointID + "/" + d.ID
	if _, ok := s.deliveries[k]; ok {
		return fmt.Errorf("create delivery %s: %w", d.ID, receipt.ErrConflict)
	}
	c := *d
	s.deliveries[k] = &c
	return nil
}

// GetDelivery returns a live delivery, or webhook.ErrDeliveryNotFound.
func (s *Store) GetDelivery(_ context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[tenant+"/"+endpointID+"/"+id]
	if !ok || !live(d, now) {
		return nil, fmt.Errorf("get delivery %s: %w", id, webhook.ErrDeliveryNotFound)
	}
	c := *d
	return &c, nil
}

// Deliveries returns every delivery, of every tenant, live or not, by id
// (a test's look at the table).
func (s *Store) Deliveries() []webhook.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []webhook.Delivery
	for _, d := range s.deliveries {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b webhook.Delivery) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// UpdateDelivery changes the stored delivery as a write from elsewhere
// would (a test's setup). It panics when there is no such delivery.
func (s *Store) UpdateDelivery(tenant, endpointID, id string, change func(*webhook.Delivery)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[tenant+"/"+endpointID+"/"+id]
	if !ok {
		panic(fmt.Sprintf("fake: no delivery %s of %s to update", id, tenant))
	}
	change(d)
}

// FindDelivery returns the tenant's live delivery id of one of the
// endpoints, or webhook.ErrDeliveryNotFound.
func (s *Store) FindDelivery(_ context.Context, tenant, id string, endpointIDs []string, now time.Time) (*webhook.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range endpointIDs {
		if d, ok := s.deliveries[tenant+"/"+e+"/"+id]; ok && live(d, now) {
			c := *d
			return &c, nil
		}
	}
	return nil, fmt.Errorf("find delivery %s: %w", id, webhook.ErrDeliveryNotFound)
}

// ListDeliveries returns a page of the endpoint's live deliveries, newest
// first, after the cursor after (a delivery id).
func (s *Store) ListDeliveries(_ context.Context, tenant, endpointID string, limit int, after string, now time.Time) ([]*webhook.Delivery, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*webhook.Delivery
	for k, d := range s.deliveries {
		if strings.HasPrefix(k, tenant+"/"+endpointID+"/") && live(d, now) && (after == "" || d.ID < after) {
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

// RecordAttempt writes d's attempt if the stored delivery awaits it (same
// round, the attempt before), else receipt.ErrConflict: an attempt is
// recorded once.
func (s *Store) RecordAttempt(_ context.Context, d *webhook.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := d.Tenant + "/" + d.EndpointID + "/" + d.ID
	cur, ok := s.deliveries[k]
	if !ok || !cur.Awaits(d.Round, d.Attempts) {
		return fmt.Errorf("record attempt of delivery %s: %w", d.ID, receipt.ErrConflict)
	}
	c := *d
	s.deliveries[k] = &c
	return nil
}

// RequestRetry asks for one more attempt of a live delivery, in a new
// round, or returns webhook.ErrDeliveryNotFound.
func (s *Store) RequestRetry(_ context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[tenant+"/"+endpointID+"/"+id]
	if !ok || !live(d, now) {
		return nil, fmt.Errorf("retry delivery %s: %w", id, webhook.ErrDeliveryNotFound)
	}
	d.State, d.Manual, d.Round, d.NextAttemptAt, d.UpdatedAt = webhook.Requested, true, d.Round+1, time.Time{}, now
	c := *d
	return &c, nil
}
