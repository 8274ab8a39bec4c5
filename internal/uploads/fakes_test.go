//go:build !integration

package uploads_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// memReceipts keeps receipts in memory, with the store's contract
// (internal/store): Create never overwrites, and Uploaded and FailUpload
// move only a receipt that is UPLOADING, else receipt.ErrConflict.
type memReceipts struct {
	mu       sync.Mutex
	receipts map[string]*receipt.Receipt // by tenant + "/" + id
}

func newMemReceipts() *memReceipts { return &memReceipts{receipts: map[string]*receipt.Receipt{}} }

func (m *memReceipts) Create(_ context.Context, r *receipt.Receipt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
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

func (m *memReceipts) Uploaded(_ context.Context, tenant, id, fileKey string, size int64, sha256 string, now time.Time) error {
	return m.transition(tenant, id, func(r *receipt.Receipt) {
		r.Status, r.FileKey, r.Size, r.SHA256, r.UpdatedAt = receipt.Processing, fileKey, size, sha256, now.UTC()
		r.UploadExpiresAt = time.Time{}
	})
}

func (m *memReceipts) FailUpload(_ context.Context, tenant, id, reason string, now time.Time) error {
	return m.transition(tenant, id, func(r *receipt.Receipt) {
		r.Status, r.Error, r.UpdatedAt = receipt.Failed, reason, now.UTC()
	})
}

func (m *memReceipts) transition(tenant, id string, set func(*receipt.Receipt)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.receipts[tenant+"/"+id]
	if !ok || r.Status != receipt.Uploading {
		return fmt.Errorf("finish receipt %s: %w", id, receipt.ErrConflict)
	}
	set(r)
	return nil
}

// memFiles keeps objects in memory, with S3's ETags: a copy whose source
// no longer has the ETag it names fails with receipt.ErrConflict.
type memFiles struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func newMemFiles() *memFiles { return &memFiles{objects: map[string][]byte{}} }

func etag(b []byte) string { s := sha256.Sum256(b); return `"` + hex.EncodeToString(s[:16]) + `"` }

func (f *memFiles) Put(_ context.Context, key string, body []byte, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = slices.Clone(body)
	return nil
}

func (f *memFiles) Size(_ context.Context, key string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	if !ok {
		return 0, fmt.Errorf("head object %s: %w", key, receipt.ErrNotFound)
	}
	return int64(len(b)), nil
}

func (f *memFiles) Get(ctx context.Context, key string) ([]byte, error) {
	b, _, err := f.GetTagged(ctx, key)
	return b, err
}

func (f *memFiles) GetTagged(_ context.Context, key string) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	if !ok {
		return nil, "", fmt.Errorf("get object %s: %w", key, receipt.ErrNotFound)
	}
	return slices.Clone(b), etag(b), nil
}

func (f *memFiles) Copy(_ context.Context, src, dst, tag string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[src]
	if !ok {
		return fmt.Errorf("copy %s to %s: %w", src, dst, receipt.ErrNotFound)
	}
	if etag(b) != tag {
		return fmt.Errorf("copy %s to %s: %w", src, dst, receipt.ErrConflict)
	}
	f.objects[dst] = slices.Clone(b)
	return nil
}

func (f *memFiles) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, key)
	return nil
}
