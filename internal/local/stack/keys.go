package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/auth"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// Store returns the receipt store of the stack's table.
func (s *Stack) Store() *store.Store {
	return store.New(s.DB, s.Template.PhysicalName("ReceiptsTable"))
}

// CreateKey makes a new API key for tenant.
func (s *Stack) CreateKey(ctx context.Context, tenant string) (string, error) {
	key, rec, err := auth.NewKey(tenant, time.Now())
	if err != nil {
		return "", err
	}
	if err := s.Store().PutKey(ctx, rec); err != nil {
		return "", err
	}
	return key, nil
}

// DevKey makes sure tenant has the key kept in file, creating the key (and
// the file) the first time, so scripts keep working across restarts of the
// in-memory stack.
func (s *Stack) DevKey(ctx context.Context, tenant, file string) (string, error) {
	if b, err := os.ReadFile(file); err == nil {
		key := strings.TrimSpace(string(b))
		_, rec, err := auth.NewKey(tenant, time.Now())
		if err != nil {
			return "", err
		}
		rec.Hash, rec.Prefix = auth.Hash(key), auth.Prefix(key)
		err = s.Store().PutKey(ctx, rec)
		if err == nil || errors.Is(err, receipt.ErrConflict) {
			return key, nil
		}
		return "", err
	}
	key, err := s.CreateKey(ctx, tenant)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(file, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", file, err)
	}
	return key, nil
}
