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
	"github.com/receipts-api/receipts/internal/vendors"
)

// memReceipts keeps receipts and Idempotency-Key records in memory, with
// the store's contract (internal/store): conditional writes, newest-first
// pages confined to the tenant, statuses as clients see them.
type memReceipts struct {
	mu          sync.Mutex
	receipts    map[string]*receipt.Receipt // by tenant + "/" + id
	idem        map[string]*memIdem         // by tenant + "/" + key
	vendors     map[string]vendors.Entry    // by tenant + "/" + kind + "/" + value
	settings    map[string]receipt.Settings // by tenant
	reprocessed map[string]int              // by tenant + "/" + day
}

// memIdem is an Idempotency-Key record; like the store's, it expires
// to the second and its lock is exact to the millisecond.
type memIdem struct {
	fingerprint, receiptID string
	lockedAtMs, expiresAt  int64
}

func newMemReceipts() *memReceipts {
	return &memReceipts{receipts: map[string]*receipt.Receipt{}, idem: map[string]*memIdem{},
		vendors: map[string]vendors.Entry{}, settings: map[string]receipt.Settings{}, reprocessed: map[string]int{}}
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
	r.Version = max(r.Version, 1)
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
	if len(c.Corrections) == 0 {
		c.Extracted = c.Fields // as the store reads it back
	}
	return &c, nil
}

func (m *memReceipts) List(_ context.Context, tenant string, q receipt.ListQuery, now time.Time) ([]*receipt.Receipt, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var after *receipt.Receipt
	if q.After != "" {
		date, id, err := q.Position()
		if err != nil {
			return nil, "", fmt.Errorf("list: %w", err)
		}
		after = &receipt.Receipt{ID: id, Fields: receipt.Fields{Date: date}}
	}
	// Newest first (UUIDv7 ids sort by creation), or latest date first.
	less := func(a, b *receipt.Receipt) bool {
		if q.ByDate() && a.Fields.Date != b.Fields.Date {
			return a.Fields.Date > b.Fields.Date
		}
		return a.ID > b.ID
	}
	var rs []*receipt.Receipt
	for k, r := range m.receipts {
		if strings.HasPrefix(k, tenant+"/") && (after == nil || less(after, r)) {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b *receipt.Receipt) int {
		if less(a, b) {
			return -1
		}
		return 1
	})
	var out []*receipt.Receipt
	for i, r := range rs {
		if !q.Matches(r, now) {
			continue
		}
		if len(out) == q.Limit {
			prev := rs[i-1]
			return out, q.Cursor(prev.Fields.Date, prev.ID), nil
		}
		c := *r
		out = append(out, &c)
	}
	return out, "", nil
}

func (m *memReceipts) Correct(_ context.Context, r *receipt.Receipt, seen int64, teach []vendors.Entry, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.receipts[r.Tenant+"/"+r.ID]
	if !ok || old.Version != seen {
		return fmt.Errorf("correct receipt %s: %w", r.ID, receipt.ErrConflict)
	}
	c := *r
	c.Version = seen + 1
	m.receipts[r.Tenant+"/"+r.ID] = &c
	r.Version = c.Version
	for _, e := range teach {
		m.vendors[r.Tenant+"/"+e.Kind+"/"+e.Value] = e
	}
	return nil
}

func (m *memReceipts) Reprocess(_ context.Context, tenant, id string, seen int64, hint *string, limit int, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.receipts[tenant+"/"+id]
	if !ok || r.Version != seen || (r.Status != receipt.Completed && r.Status != receipt.Failed) {
		return fmt.Errorf("reprocess receipt %s: %w", id, receipt.ErrConflict)
	}
	day := tenant + "/" + now.UTC().Format(time.DateOnly)
	if m.reprocessed[day] >= limit {
		return fmt.Errorf("reprocess receipt %s: %w", id, receipt.ErrLimit)
	}
	m.reprocessed[day]++
	r.Status, r.Error, r.UpdatedAt = receipt.Processing, "", now
	r.Version++
	if hint != nil {
		r.CountryHint = *hint
	}
	return nil
}

func (m *memReceipts) VendorEntries(_ context.Context, tenant string, keys []vendors.Key) (map[vendors.Key]vendors.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[vendors.Key]vendors.Entry{}
	for _, k := range keys {
		if e, ok := m.vendors[tenant+"/"+k.Kind+"/"+k.Value]; ok {
			out[k] = e
		}
	}
	return out, nil
}

func (m *memReceipts) Settings(_ context.Context, tenant string) (receipt.Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settings[tenant], nil
}

func (m *memReceipts) PutSettings(_ context.Context, tenant string, set receipt.Settings) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settings[tenant] = set
	return nil
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
