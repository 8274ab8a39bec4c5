package store_test

import (
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// newReceipt is a receipt as the processor finds it, for tests with and
// without DynamoDB Local.
func newReceipt(t *testing.T, tenant string) *receipt.Receipt {
	t.Helper()
	id, err := receipt.NewID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	return &receipt.Receipt{
		ID: id, Tenant: tenant, Status: receipt.Processing, Filename: "r.png",
		FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PNG, Size: 42,
		SHA256: "abc", CreatedAt: now, UpdatedAt: now,
	}
}
