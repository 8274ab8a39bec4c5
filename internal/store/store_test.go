package store_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopDynamo()
	os.Exit(code)
}

func newStore(t *testing.T) *store.Store {
	return store.New(testenv.Dynamo(t), testenv.Template(t).PhysicalName("ReceiptsTable"))
}

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

func TestCreateAndGet(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	want := newReceipt(t, "t1")
	if err := s.Create(ctx, want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, "t1", want.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if *got != *want {
		t.Errorf("Get = %+v, want %+v", got, want)
	}
}

func TestCreateNeverOverwrites(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	r := newReceipt(t, "t1")
	if err := s.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	r2 := *r
	r2.Status = receipt.Completed
	if err := s.Create(ctx, &r2); !errors.Is(err, receipt.ErrConflict) {
		t.Fatalf("second Create = %v, want ErrConflict", err)
	}
	got, err := s.Get(ctx, "t1", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != receipt.Processing {
		t.Errorf("status after lost Create = %s, want %s", got.Status, receipt.Processing)
	}
}

func TestGetNotFound(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	r := newReceipt(t, "owner")
	if err := s.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tenant, id string
	}{
		{"unknown id", "owner", "0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"},
		{"another tenant's receipt", "intruder", r.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Get(ctx, tt.tenant, tt.id)
			if !errors.Is(err, receipt.ErrNotFound) {
				t.Errorf("Get = %v, want ErrNotFound", err)
			}
		})
	}
}
