//go:build !integration

package uploads_test

import (
	"testing"

	"github.com/receipts-api/receipts/internal/fake"
)

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{receipts: fake.NewStore(), files: fake.NewFiles(), tenant: "uploader"}
}
