//go:build !integration

package api_test

import (
	"testing"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/fake"
)

func newEnv(t testing.TB) *env {
	t.Helper()
	receipts, fs := fake.NewStore(), fake.NewFiles()
	return &env{srv: api.New(receipts, fs, receipts, api.WithWebhooks(receipts, testGuard)), receipts: receipts, files: fs, hooks: receipts}
}
