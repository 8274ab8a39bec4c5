package fake

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

// Files keeps documents in memory, as internal/files keeps them in S3,
// with S3's ETags: a copy whose source no longer has the ETag it names is
// receipt.ErrConflict. Its zero value is not ready: use NewFiles.
type Files struct {
	mu      sync.Mutex
	objects map[string][]byte
}

// NewFiles returns an empty Files.
func NewFiles() *Files { return &Files{objects: map[string][]byte{}} }

// etag stands for S3's: it changes with the bytes.
func etag(b []byte) string { s := sha256.Sum256(b); return `"` + hex.EncodeToString(s[:16]) + `"` }

// Put stores body at key, replacing what was there.
func (f *Files) Put(_ context.Context, key string, body []byte, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = slices.Clone(body)
	return nil
}

// Get returns the object at key, or receipt.ErrNotFound.
func (f *Files) Get(ctx context.Context, key string) ([]byte, error) {
	b, _, err := f.GetTagged(ctx, key)
	return b, err
}

// GetTagged returns the object at key and its ETag, or
// receipt.ErrNotFound.
func (f *Files) GetTagged(_ context.Context, key string) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	if !ok {
		return nil, "", fmt.Errorf("get object %s: %w", key, receipt.ErrNotFound)
	}
	return slices.Clone(b), etag(b), nil
}

// Size returns the size of the object at key, or receipt.ErrNotFound.
func (f *Files) Size(_ context.Context, key string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	if !ok {
		return 0, fmt.Errorf("head object %s: %w", key, receipt.ErrNotFound)
	}
	return int64(len(b)), nil
}

// Copy copies src to dst if src still has the ETag tag (else
// receipt.ErrConflict; a missing src is receipt.ErrNotFound).
func (f *Files) Copy(_ context.Context, src, dst, tag string) error {
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

// Delete removes the object at key; a missing one is no error, as in S3.
func (f *Files) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, key)
	return nil
}

// PresignPut returns a URL that names key and ttl, and the headers the
// upload must carry, as internal/files' does; nothing listens at it.
func (f *Files) PresignPut(_ context.Context, key, contentType string, size int64, ttl time.Duration) (string, map[string]string, error) {
	return "https://files.example/" + key + "?ttl=" + ttl.String(), map[string]string{
		"Content-Type": contentType, "Content-Length": fmt.Sprint(size), "If-None-Match": "*",
	}, nil
}
