//go:build !integration

package api_test

import (
	"testing"

	"github.com/receipts-api/receipts/internal/api"
)

func newEnv(t testing.TB) *env {
	t.Helper()
	receipts, fs, hooks := newMemReceipts(), newMemFiles(), newMemWebhooks()
	return &env{srv: api.New(receipts, fs, receipts, api.WithWebhooks(hooks, testGuard)), receipts: receipts, files: fs, hooks: hooks}
}
