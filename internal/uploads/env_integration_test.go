//go:build integration

package uploads_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopDynamo()
	os.Exit(code)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{
		receipts: store.New(testenv.Dynamo(t), testenv.Template(t).PhysicalName("ReceiptsTable")),
		files:    files.New(testenv.S3(t, "receipts"), "receipts"),
		tenant:   fmt.Sprintf("uploader-%d", time.Now().UnixNano()),
	}
}
