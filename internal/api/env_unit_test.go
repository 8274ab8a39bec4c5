//go:build !integration

package api_test

import (
	"testing"

	"github.com/receipts-api/receipts/internal/api"
)

func newEnv(t testing.TB) *env {
	t.Helper()
	receipts, fs := newMemReceipts(), newMemFiles()
	return &env{srv: api.New(receipts, fs, receipts), receipts: receipts, files: fs}
}
