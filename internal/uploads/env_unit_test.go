//go:build !integration

package uploads_test

import "testing"

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{receipts: newMemReceipts(), files: newMemFiles(), tenant: "uploader"}
}
