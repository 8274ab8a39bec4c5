//go:build integration

package fake_test

import (
	"os"
	"testing"

	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopDynamo()
	os.Exit(code)
}

// stores are the stores TestConformance checks: the fake and the real
// store over DynamoDB Local, to the same expectations.
func stores(t *testing.T) map[string]conforming {
	return map[string]conforming{
		"fake":  fake.NewStore(),
		"store": store.New(testenv.Dynamo(t), testenv.Template(t).PhysicalName("ReceiptsTable")),
	}
}
