//go:build integration

package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

func newEndpoint(t *testing.T, tenant string) *webhook.Endpoint {
	t.Helper()
	id, _ := webhook.NewID()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &webhook.Endpoint{ID: id, Tenant: tenant, URL: "https://hooks.example.com/" + id,
		Events: []string{webhook.ReceiptCompleted}, Secret: secret, CreatedAt: now, UpdatedAt: now}
}

// TestEndpointLimitHoldsUnderConcurrency creates 15 endpoints for one
// tenant at once: 10 are stored, 5 refused; deleting one makes room for one.
func TestEndpointLimitHoldsUnderConcurrency(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := fmt.Sprintf("hooks-%d", time.Now().UnixNano())
	var wg sync.WaitGroup
	errs := make([]error, 15)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.CreateEndpoint(ctx, newEndpoint(t, tenant)) }()
	}
	wg.Wait()
	var ok, refused int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, webhook.ErrTooManyEndpoints):
			refused++
		case errors.Is(err, receipt.ErrConflict):
			// A transaction that lost a race on the count: also refused,
			// never stored.
			refused++
		default:
			t.Fatalf("create: %v", err)
		}
	}
	eps, err := s.ListEndpoints(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != ok || ok > webhook.MaxEndpoints {
		t.Fatalf("%d created, %d listed; at most %d allowed", ok, len(eps), webhook.MaxEndpoints)
	}
	for len(eps) < webhook.MaxEndpoints {
		if err := s.CreateEndpoint(ctx, newEndpoint(t, tenant)); err != nil {
			t.Fatal(err)
		}
		eps, _ = s.ListEndpoints(ctx, tenant)
	}
	if err := s.CreateEndpoint(ctx, newEndpoint(t, tenant)); !errors.Is(err, webhook.ErrTooManyEndpoints) {
		t.Fatalf("11th endpoint: %v, want ErrTooManyEndpoints", err)
	}
	if err := s.DeleteEndpoint(ctx, tenant, eps[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteEndpoint(ctx, tenant, eps[0].ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Fatalf("second delete: %v, want ErrEndpointNotFound", err)
	}
	if err := s.CreateEndpoint(ctx, newEndpoint(t, tenant)); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
	if _, err := s.GetEndpoint(ctx, "other-"+tenant, eps[1].ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("another tenant's endpoint: %v, want ErrEndpointNotFound", err)
	}
}

func TestRotateAndHealth(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	ep := newEndpoint(t, fmt.Sprintf("rot-%d", time.Now().UnixNano()))
	if err := s.CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	next, _ := webhook.NewSecret()
	got, err := s.RotateSecret(ctx, ep.Tenant, ep.ID, next, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != next || got.PreviousSecret != ep.Secret || len(got.SigningSecrets(now)) != 2 {
		t.Errorf("after rotation: secrets %d, want the new and the old", len(got.SigningSecrets(now)))
	}
	// Failing for less than the limit, then for longer: disabled.
	if got, err = s.EndpointFailed(ctx, ep.Tenant, ep.ID, now, time.Hour); err != nil || got.Disabled {
		t.Fatalf("first failure: %v, disabled %v", err, got.Disabled)
	}
	if got, err = s.EndpointFailed(ctx, ep.Tenant, ep.ID, now.Add(2*time.Hour), time.Hour); err != nil || !got.Disabled || got.DisabledReason == "" {
		t.Fatalf("failing for 2h: %v, disabled %v %q", err, got.Disabled, got.DisabledReason)
	}
	// A failing endpoint's turn: one holder at a time, free again once it
	// runs out or the attempt is recorded.
	for i, want := range []bool{true, false} {
		if got, err := s.AcquireProbe(ctx, ep.Tenant, ep.ID, now, now.Add(10*time.Second)); err != nil || got != want {
			t.Fatalf("turn %d: %v %v, want %v", i, got, err, want)
		}
	}
	if got, _ := s.AcquireProbe(ctx, ep.Tenant, ep.ID, now.Add(11*time.Second), now.Add(20*time.Second)); !got {
		t.Error("a turn that ran out was not free")
	}
	if _, err := s.EndpointFailed(ctx, ep.Tenant, ep.ID, now.Add(2*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AcquireProbe(ctx, ep.Tenant, ep.ID, now.Add(12*time.Second), now.Add(20*time.Second)); !got {
		t.Error("the turn of a recorded attempt was not free")
	}
	if err := s.EndpointSucceeded(ctx, ep.Tenant, ep.ID, now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetEndpoint(ctx, ep.Tenant, ep.ID); got.Disabled || !got.FailingSince.IsZero() {
		t.Errorf("after a success: disabled %v, failing since %v", got.Disabled, got.FailingSince)
	}
}

func TestDeliveries(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := fmt.Sprintf("dlv-%d", time.Now().UnixNano())
	ep := newEndpoint(t, tenant)
	now := time.Now()
	var ids []string
	for i := range 5 {
		at := now.Add(time.Duration(i) * time.Second)
		d := &webhook.Delivery{ID: webhook.DerivedID(at, "event", fmt.Sprint(i), ep.ID), Tenant: tenant, EndpointID: ep.ID,
			EventID: fmt.Sprint(i), EventType: webhook.ReceiptCompleted, Payload: []byte(`{}`), State: webhook.Requested,
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(webhook.DeliveryRetention)}
		if i == 0 {
			d.ExpiresAt = now.Add(-time.Second) // expired, not yet removed by TTL
		}
		if err := s.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateDelivery(ctx, d); !errors.Is(err, receipt.ErrConflict) {
			t.Fatalf("the same delivery again: %v, want ErrConflict", err)
		}
		ids = append(ids, d.ID)
	}
	var pages [][]string
	after := ""
	for range 5 {
		ds, next, err := s.ListDeliveries(ctx, tenant, ep.ID, 2, after, now)
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, d := range ds {
			page = append(page, d.EventID)
		}
		pages = append(pages, page)
		if after = next; after == "" {
			break
		}
	}
	if got, want := fmt.Sprint(pages), "[[4 3] [2 1] []]"; got != want {
		t.Errorf("pages %s, want %s (newest first, the expired one left out)", got, want)
	}

	// An attempt is recorded once.
	d, err := s.GetDelivery(ctx, tenant, ep.ID, ids[4], now)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Awaits(0, 1) {
		t.Fatalf("a new delivery does not await its first attempt: %+v", d)
	}
	d.State, d.Attempts, d.LastStatusCode, d.LastError = webhook.Pending, 1, 500, "answered 500"
	d.LastAttemptAt, d.UpdatedAt, d.NextAttemptAt = now, now, now.Add(5*time.Second)
	if err := s.RecordAttempt(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, d); !errors.Is(err, receipt.ErrConflict) {
		t.Fatalf("the same attempt again: %v, want ErrConflict", err)
	}
	// A retry asked for starts a new round.
	r, err := s.RequestRetry(ctx, tenant, ep.ID, d.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != webhook.Requested || !r.Manual || r.Round != 1 || !r.NextAttemptAt.IsZero() || !r.Awaits(1, 2) || r.Awaits(0, 2) {
		t.Errorf("after a retry: %+v", r)
	}
	found, err := s.FindDelivery(ctx, tenant, d.ID, []string{"other", ep.ID}, now)
	if err != nil || found.ID != d.ID {
		t.Errorf("FindDelivery: %v, %v", found, err)
	}
	if _, err := s.FindDelivery(ctx, tenant, ids[0], []string{ep.ID}, now); !errors.Is(err, webhook.ErrDeliveryNotFound) {
		t.Errorf("an expired delivery: %v, want ErrDeliveryNotFound", err)
	}
	if _, err := s.RequestRetry(ctx, tenant, ep.ID, ids[0], now); !errors.Is(err, webhook.ErrDeliveryNotFound) {
		t.Errorf("retry of an expired delivery: %v, want ErrDeliveryNotFound", err)
	}
}
