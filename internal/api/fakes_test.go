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
)

// memReceipts keeps receipts and Idempotency-Key records in memory, with
// the store's contract (internal/store): conditional writes, newest-first
// pages confined to the tenant, statuses as clients see them.
type memReceipts struct {
	mu       sync.Mutex
	receipts map[string]*receipt.Receipt // by tenant + "/" + id
	idem     map[string]*memIdem         // by tenant + "/" + key
}

// memIdem is an Idempotency-Key record; like the store's, it expires
// to the second and its lock is exact to the millisecond.
type memIdem struct {
	fingerprint, receiptID string
	lockedAtMs, expiresAt  int64
}

func newMemReceipts() *memReceipts {
	return &memReceipts{receipts: map[string]*receipt.Receipt{}, idem: map[string]*memIdem{}}
}

func (m *memReceipts) Create(_ context.Context, r *receipt.Receipt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.create(r)
}

func (m *memReceipts) create(r *receipt.Receipt) error {
	k := r.Tenant + "/" + r.ID
	if _, ok := m.receipts[k]; ok {
		return fmt.Errorf("create receipt %s: %w", r.ID, receipt.ErrConflict)
	}
	c := *r
	m.receipts[k] = &c
	return nil
}

func (m *memReceipts) Get(_ context.Context, tenant, id string) (*receipt.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.receipts[tenant+"/"+id]
	if !ok {
		return nil, fmt.Errorf("get receipt %s: %w", id, receipt.ErrNotFound)
	}
	c := *r
	return &c, nil
}

func (m *memReceipts) List(_ context.Context, tenant string, limit int, after string, status receipt.Status, now time.Time) ([]*receipt.Receipt, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for k := range m.receipts {
		if id, ok := strings.CutPrefix(k, tenant+"/"); ok && (after == "" || id < after) {
			ids = append(ids, id)
		}
	}
	// UUIDv7 ids sort by creation: newest first.
	slices.Sort(ids)
	slices.Reverse(ids)
	var out []*receipt.Receipt
	for i, id := range ids {
		r := m.receipts[tenant+"/"+id]
		if status != "" && r.StatusAt(now) != status {
			continue
		}
		if len(out) == limit {
			return out, ids[i-1], nil
		}
		c := *r
		out = append(out, &c)
	}
	return out, "", nil
}

func (m *memReceipts) Delete(_ context.Context, tenant, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := tenant + "/" + id
	if _, ok := m.receipts[k]; !ok {
		return fmt.Errorf("delete receipt %s: %w", id, receipt.ErrNotFound)
	}
	delete(m.receipts, k)
	return nil
}

func (m *memReceipts) ClaimIdempotency(_ context.Context, tenant, key, fingerprint string, now time.Time, ttl, stale time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := tenant + "/" + key
	if old, ok := m.idem[k]; ok && old.expiresAt >= now.Unix() &&
		(old.receiptID != "" || old.fingerprint != fingerprint || old.lockedAtMs >= now.Add(-stale).UnixMilli()) {
		return fmt.Errorf("claim idempotency key: %w", receipt.ErrConflict)
	}
	m.idem[k] = &memIdem{fingerprint: fingerprint, lockedAtMs: now.UnixMilli(), expiresAt: now.Add(ttl).Unix()}
	return nil
}

func (m *memReceipts) GetIdempotency(_ context.Context, tenant, key string, now time.Time) (string, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.idem[tenant+"/"+key]
	if !ok || it.expiresAt < now.Unix() {
		return "", "", fmt.Errorf("get idempotency record: %w", receipt.ErrNotFound)
	}
	return it.fingerprint, it.receiptID, nil
}

func (m *memReceipts) CreateIdempotent(_ context.Context, r *receipt.Receipt, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.idem[r.Tenant+"/"+key]
	if !ok || it.receiptID != "" {
		return fmt.Errorf("create receipt %s for idempotency key: %w", r.ID, receipt.ErrConflict)
	}
	if err := m.create(r); err != nil {
		return err
	}
	it.receiptID = r.ID
	return nil
}

func (m *memReceipts) ReleaseIdempotency(_ context.Context, tenant, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := tenant + "/" + key
	if it, ok := m.idem[k]; ok && it.receiptID != "" {
		return fmt.Errorf("release idempotency record: %w", receipt.ErrConflict)
	}
	delete(m.idem, k)
	return nil
}

// memFiles keeps documents in memory, as internal/files keeps them in S3.
type memFiles struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func newMemFiles() *memFiles { return &memFiles{objects: map[string][]byte{}} }

func (f *memFiles) Put(_ context.Context, key string, body []byte, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = slices.Clone(body)
	return nil
}

func (f *memFiles) Get(_ context.Context, key string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", key, receipt.ErrNotFound)
	}
	return slices.Clone(b), nil
}

func (f *memFiles) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, key)
	return nil
}

func (f *memFiles) PresignPut(_ context.Context, key, contentType string, size int64, ttl time.Duration) (string, map[string]string, error) {
	return "https://files.example/" + key + "?ttl=" + ttl.String(), map[string]string{
		"Content-Type": contentType, "Content-Length": fmt.Sprint(size), "If-None-Match": "*",
	}, nil
}
