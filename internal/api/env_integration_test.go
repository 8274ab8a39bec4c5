//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopDynamo()
	os.Exit(code)
}

func newEnv(t testing.TB) *env {
	t.Helper()
	receipts := store.New(testenv.Dynamo(t), testenv.Template(t).PhysicalName("ReceiptsTable"))
	fs := files.New(testenv.S3(t, "receipts"), "receipts")
	return &env{srv: api.New(receipts, fs, receipts, api.WithWebhooks(receipts, testGuard)), receipts: receipts, files: fs, hooks: receipts}
}

// TestFilteredListPagesMayBeEmpty lists status=FAILED over a partition where
// the one failed receipt is the oldest, with a read limit of 3: the first
// pages are empty but carry a cursor, and following it finds the receipt.
func TestFilteredListPagesMayBeEmpty(t *testing.T) {
	receipts := store.New(testenv.Dynamo(t), testenv.Template(t).PhysicalName("ReceiptsTable"), store.WithListReadLimit(3))
	h := api.New(receipts, files.New(testenv.S3(t, "receipts"), "receipts"), receipts).Handler()
	tenant := fmt.Sprintf("sparse-%d", time.Now().UnixNano())
	var failed string
	for i := range 7 {
		id, err := receipt.NewID()
		if err != nil {
			t.Fatal(err)
		}
		status := receipt.Completed
		if i == 0 {
			status, failed = receipt.Failed, id
		}
		now := time.Now()
		if err := receipts.Create(context.Background(), &receipt.Receipt{ID: id, Tenant: tenant, Status: status,
			FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PNG, Size: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // ids ordered by creation
	}
	var pages []int
	var found []string
	cursor := ""
	for len(pages) < 10 {
		w := do(h, tenant, httptest.NewRequest("GET", "/receipts?status=FAILED&limit=1"+cursor, nil))
		var body struct {
			Receipts   []map[string]any `json:"receipts"`
			NextCursor *string          `json:"nextCursor"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != 200 || err != nil || body.Receipts == nil {
			t.Fatalf("page %d: %d %s", len(pages)+1, w.Code, w.Body)
		}
		pages = append(pages, len(body.Receipts))
		for _, r := range body.Receipts {
			found = append(found, r["uuid"].(string))
		}
		if body.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *body.NextCursor
	}
	// Newest first, 3 read a page: C C C | C C C | F.
	if want := []int{0, 0, 1}; fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("receipts per page = %v, want %v", pages, want)
	}
	if len(found) != 1 || found[0] != failed {
		t.Errorf("found %v, want [%s]", found, failed)
	}
}
