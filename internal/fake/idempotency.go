package fake

import (
	"context"
	"fmt"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// idemRecord is an Idempotency-Key record; like the store's, it expires
// to the second and its lock is exact to the millisecond.
type idemRecord struct {
	fingerprint, receiptID string
	lockedAtMs, expiresAt  int64
}

// ClaimIdempotency locks the tenant's key for a request with this
// fingerprint, unless a live record holds a result, another fingerprint,
// or a lock younger than stale (receipt.ErrConflict).
func (s *Store) ClaimIdempotency(_ context.Context, tenant, key, fingerprint string, now time.Time, ttl, stale time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tenant + "/" + key
	if old, ok := s.idem[k]; ok && old.expiresAt >= now.Unix() &&
		(old.receiptID != "" || old.fingerprint != fingerprint || old.lockedAtMs >= now.Add(-stale).UnixMilli()) {
		return fmt.Errorf("claim idempotency key: %w", receipt.ErrConflict)
	}
	s.idem[k] = &idemRecord{fingerprint: fingerprint, lockedAtMs: now.UnixMilli(), expiresAt: now.Add(ttl).Unix()}
	return nil
}

// GetIdempotency returns a live record's fingerprint and receipt id, or
// receipt.ErrNotFound.
func (s *Store) GetIdempotency(_ context.Context, tenant, key string, now time.Time) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.idem[tenant+"/"+key]
	if !ok || it.expiresAt < now.Unix() {
		return "", "", fmt.Errorf("get idempotency record: %w", receipt.ErrNotFound)
	}
	return it.fingerprint, it.receiptID, nil
}

// CreateIdempotent creates the receipt and records it as the claimed
// key's result, both or neither.
func (s *Store) CreateIdempotent(_ context.Context, r *receipt.Receipt, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.idem[r.Tenant+"/"+key]
	if !ok || it.receiptID != "" {
		return fmt.Errorf("create receipt %s for idempotency key: %w", r.ID, receipt.ErrConflict)
	}
	if err := s.create(r); err != nil {
		return err
	}
	it.receiptID = r.ID
	return nil
}

// ReleaseIdempotency drops a claim that holds no result; one that does
// is receipt.ErrConflict.
func (s *Store) ReleaseIdempotency(_ context.Context, tenant, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tenant + "/" + key
	if it, ok := s.idem[k]; ok && it.receiptID != "" {
		return fmt.Errorf("release idempotency record: %w", receipt.ErrConflict)
	}
	delete(s.idem, k)
	return nil
}
