package fake

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// PutKey stores a new key record; one with the same hash is
// receipt.ErrConflict.
func (s *Store) PutKey(_ context.Context, k receipt.APIKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.Hash]; ok {
		return fmt.Errorf("put key %s: %w", k.Prefix, receipt.ErrConflict)
	}
	k.RevokedAt = time.Time{}
	s.keys[k.Hash] = k
	return nil
}

// GetKey returns the key record with the given hash, or
// receipt.ErrNotFound.
func (s *Store) GetKey(_ context.Context, hash string) (receipt.APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[hash]
	if !ok {
		return receipt.APIKey{}, fmt.Errorf("get key: %w", receipt.ErrNotFound)
	}
	return k, nil
}

// ListKeys returns every key record, oldest first.
func (s *Store) ListKeys(context.Context) ([]receipt.APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []receipt.APIKey
	for _, k := range s.keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b receipt.APIKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// RevokeKey marks the key revoked, once: revoking again keeps the first
// time. An unknown key is receipt.ErrNotFound.
func (s *Store) RevokeKey(_ context.Context, hash string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[hash]
	if !ok {
		return fmt.Errorf("revoke key: %w", receipt.ErrNotFound)
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = now.UTC()
		s.keys[hash] = k
	}
	return nil
}
