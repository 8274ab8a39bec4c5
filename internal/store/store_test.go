//go:build integration

package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopDynamo()
	os.Exit(code)
}

func newStore(t *testing.T) *store.Store {
	return store.New(testenv.Dynamo(t), testenv.Template(t).PhysicalName("ReceiptsTable"))
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
	if !reflect.DeepEqual(got, want) {
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

func TestFinishMovesOnlyProcessingReceipts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	fields := receipt.Fields{Vendor: "SHOP", Total: "9.00", Date: "2018-12-25", Currency: "MYR",
		LineItems: []receipt.LineItem{{Description: "CLAY", Quantity: "1", Amount: "9.00"}}}

	t.Run("complete then replay", func(t *testing.T) {
		r := newReceipt(t, "t1")
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		timings := receipt.Timings{Queued: 1500 * time.Millisecond, Fetch: 12 * time.Millisecond, OCR: 900 * time.Millisecond,
			Parse: 3 * time.Millisecond, Total: 2420 * time.Millisecond}
		res := receipt.Result{Details: "text", Fields: fields, Engine: "tesseract", Timings: timings}
		if err := s.Complete(ctx, "t1", r.ID, res, now); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		got, err := s.Get(ctx, "t1", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != receipt.Completed || got.Details != "text" || !reflect.DeepEqual(got.Fields, fields) || got.Attempts != 1 {
			t.Errorf("after Complete: %+v", got)
		}
		if got.Engine != "tesseract" || got.Timings != timings {
			t.Errorf("engine %q, timings %+v; want tesseract, %+v", got.Engine, got.Timings, timings)
		}
		// A replayed event, or a late failure, must not touch the result.
		if err := s.Complete(ctx, "t1", r.ID, receipt.Result{Details: "other", Fields: receipt.Fields{}}, now); !errors.Is(err, receipt.ErrConflict) {
			t.Errorf("second Complete = %v, want ErrConflict", err)
		}
		if err := s.Fail(ctx, "t1", r.ID, "late", now); !errors.Is(err, receipt.ErrConflict) {
			t.Errorf("Fail after Complete = %v, want ErrConflict", err)
		}
		again, _ := s.Get(ctx, "t1", r.ID)
		if !reflect.DeepEqual(again, got) {
			t.Errorf("result changed: %+v, was %+v", again, got)
		}
	})

	t.Run("fail", func(t *testing.T) {
		r := newReceipt(t, "t1")
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.Fail(ctx, "t1", r.ID, "corrupt image", now); err != nil {
			t.Fatalf("Fail: %v", err)
		}
		got, _ := s.Get(ctx, "t1", r.ID)
		if got.Status != receipt.Failed || got.Error != "corrupt image" {
			t.Errorf("after Fail: %+v", got)
		}
		if err := s.Complete(ctx, "t1", r.ID, receipt.Result{Details: "text", Fields: fields}, now); !errors.Is(err, receipt.ErrConflict) {
			t.Errorf("Complete after Fail = %v, want ErrConflict", err)
		}
	})

	t.Run("missing receipt", func(t *testing.T) {
		if err := s.Complete(ctx, "t1", "0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", receipt.Result{Details: "x", Fields: fields}, now); !errors.Is(err, receipt.ErrConflict) {
			t.Errorf("Complete of a missing receipt = %v, want ErrConflict", err)
		}
	})

	t.Run("racing processors", func(t *testing.T) {
		r := newReceipt(t, "t1")
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			go func() {
				errs <- s.Complete(ctx, "t1", r.ID, receipt.Result{Details: fmt.Sprint("result ", i), Fields: fields}, now)
			}()
		}
		won := 0
		for range n {
			if err := <-errs; err == nil {
				won++
			} else if !errors.Is(err, receipt.ErrConflict) {
				t.Errorf("Complete: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d processors won, want 1", won)
		}
	})
}

func TestListFiltersByTheStatusClientsSee(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := fmt.Sprintf("lister-%d", time.Now().UnixNano())
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	add := func(status receipt.Status, uploadUntil time.Time) string {
		r := newReceipt(t, tenant)
		r.Status, r.UploadExpiresAt = status, uploadUntil
		if err := s.Create(ctx, r); err != nil {
			t.Fatalf("Create: %v", err)
		}
		return r.ID
	}
	waiting := add(receipt.Uploading, now.Add(time.Minute))
	expired := add(receipt.Uploading, now.Add(-time.Second))
	failed := add(receipt.Failed, time.Time{})
	processing := add(receipt.Processing, time.Time{})

	tests := []struct {
		status receipt.Status
		want   []string // newest first
	}{
		{"", []string{processing, failed, expired, waiting}},
		{receipt.Uploading, []string{waiting}},
		{receipt.Failed, []string{failed, expired}},
		{receipt.Processing, []string{processing}},
		{receipt.Completed, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			rs, next, err := s.List(ctx, tenant, receipt.ListQuery{Limit: 10, Status: tt.status}, now)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.ID)
				if st := r.StatusAt(now); tt.status != "" && st != tt.status {
					t.Errorf("%s listed as %s is %s", r.ID, tt.status, st)
				}
			}
			if !reflect.DeepEqual(got, tt.want) || next != "" {
				t.Errorf("List(%q) = %v (next %q), want %v", tt.status, got, next, tt.want)
			}
		})
	}
}

func TestCreateIdempotentWritesBothOrNeither(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Now()
	claim := func(t *testing.T, key string) {
		t.Helper()
		if err := s.ClaimIdempotency(ctx, "idem", key, "fp", now, time.Hour, time.Minute); err != nil {
			t.Fatalf("claim: %v", err)
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, key string, r *receipt.Receipt) (keyResult string)
		wantErr error
	}{
		{"claimed key", func(t *testing.T, key string, _ *receipt.Receipt) string {
			claim(t, key)
			return ""
		}, nil},
		{"key never claimed", func(*testing.T, string, *receipt.Receipt) string { return "" }, receipt.ErrConflict},
		{"key already names a receipt", func(t *testing.T, key string, _ *receipt.Receipt) string {
			claim(t, key)
			first := newReceipt(t, "idem")
			if err := s.CreateIdempotent(ctx, first, key); err != nil {
				t.Fatal(err)
			}
			return first.ID
		}, receipt.ErrConflict},
		{"receipt id taken", func(t *testing.T, key string, r *receipt.Receipt) string {
			claim(t, key)
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			return ""
		}, receipt.ErrConflict},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("key-%d-%d", i, now.UnixNano())
			r := newReceipt(t, "idem")
			before := tt.setup(t, key, r)
			_, existed := s.Get(ctx, "idem", r.ID)
			err := s.CreateIdempotent(ctx, r, key)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateIdempotent = %v, want %v", err, tt.wantErr)
			}
			_, result, _ := s.GetIdempotency(ctx, "idem", key, now)
			_, gerr := s.Get(ctx, "idem", r.ID)
			if tt.wantErr == nil {
				if result != r.ID || gerr != nil {
					t.Errorf("key names %q, receipt lookup %v; want %s stored and named", result, gerr, r.ID)
				}
				return
			}
			if result != before {
				t.Errorf("key names %q after a failed create, want %q", result, before)
			}
			if existed != nil && !errors.Is(gerr, receipt.ErrNotFound) {
				t.Errorf("receipt lookup = %v, want not found", gerr)
			}
		})
	}
}

func TestResultSize(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		complete func(id string) error
		wantErr  error
		want     func(r *receipt.Receipt) bool
	}{
		{"a text over DynamoDB's 400 KB is ErrTooLarge",
			func(id string) error {
				return s.Complete(ctx, "t1", id, receipt.Result{Details: strings.Repeat("x", 450<<10), Fields: receipt.Fields{}}, now)
			},
			receipt.ErrTooLarge, func(r *receipt.Receipt) bool { return r.Status == receipt.Processing }},
		{"a text stored elsewhere is named by its key",
			func(id string) error {
				return s.Complete(ctx, "t1", id, receipt.Result{DetailsKey: "t1/" + id + ".details.txt", DetailsTruncated: false, Fields: receipt.Fields{Total: "1.00"}}, now)
			},
			nil, func(r *receipt.Receipt) bool {
				return r.Status == receipt.Completed && r.DetailsKey == "t1/"+r.ID+".details.txt" && r.Details == "" && !r.DetailsTruncated
			}},
		{"and marked when it was cut",
			func(id string) error {
				return s.Complete(ctx, "t1", id, receipt.Result{DetailsKey: "t1/" + id + ".details.txt", DetailsTruncated: true, Fields: receipt.Fields{}}, now)
			},
			nil, func(r *receipt.Receipt) bool { return r.Status == receipt.Completed && r.DetailsTruncated }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceipt(t, "t1")
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := tt.complete(r.ID); !errors.Is(err, tt.wantErr) {
				t.Errorf("complete = %v, want %v", err, tt.wantErr)
			}
			got, err := s.Get(ctx, "t1", r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(got) {
				t.Errorf("receipt %+v", got)
			}
		})
	}
}
