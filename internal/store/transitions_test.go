//go:build integration

package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// missing stands for a receipt that was never stored (or was deleted) in
// the tables below.
const missing receipt.Status = "(missing)"

// TestEveryTransitionIsConditional moves a receipt from every status, and
// from none, with each of the store's state changes: from the statuses the
// change is for it succeeds and leaves the receipt in its new status; from
// any other it fails with the documented error and changes nothing. Each
// change is one conditional write, so a replayed or late event can never
// move a receipt backwards or overwrite a finished result.
func TestEveryTransitionIsConditional(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tenant := uniqueTenant("transitions")
	fields := receipt.Fields{Vendor: "SHOP", Total: "9.00", Date: "2026-12-01", Currency: "EUR"}
	all := []receipt.Status{receipt.Uploading, receipt.Processing, receipt.Completed, receipt.Failed, missing}

	transitions := []struct {
		name string
		// from are the statuses the change moves a receipt out of; to is
		// where it leaves it (missing: gone).
		from []receipt.Status
		to   receipt.Status
		// wrong is the error from any other status.
		wrong error
		do    func(r *receipt.Receipt) error
	}{
		{"Uploaded (upload finished, processing starts)", []receipt.Status{receipt.Uploading}, receipt.Processing, receipt.ErrConflict,
			func(r *receipt.Receipt) error {
				return s.Uploaded(ctx, tenant, r.ID, r.FileKey, 7, "def", now)
			}},
		{"FailUpload", []receipt.Status{receipt.Uploading}, receipt.Failed, receipt.ErrConflict,
			func(r *receipt.Receipt) error { return s.FailUpload(ctx, tenant, r.ID, "too large", now) }},
		{"Complete", []receipt.Status{receipt.Processing}, receipt.Completed, receipt.ErrConflict,
			func(r *receipt.Receipt) error {
				return s.Complete(ctx, tenant, r.ID, receipt.Result{Details: "text", Fields: fields}, now)
			}},
		{"Fail", []receipt.Status{receipt.Processing}, receipt.Failed, receipt.ErrConflict,
			func(r *receipt.Receipt) error { return s.Fail(ctx, tenant, r.ID, "unreadable", now) }},
		{"Reprocess", []receipt.Status{receipt.Completed, receipt.Failed}, receipt.Processing, receipt.ErrConflict,
			func(r *receipt.Receipt) error { return s.Reprocess(ctx, tenant, r.ID, r.Version, nil, 1000, now) }},
		{"Correct", []receipt.Status{receipt.Uploading, receipt.Processing, receipt.Completed, receipt.Failed}, "", receipt.ErrConflict,
			func(r *receipt.Receipt) error {
				c := *r
				c.Tenant = tenant
				c.Fields.Total = "10.00"
				return s.Correct(ctx, &c, r.Version, nil, now)
			}},
		{"Delete", []receipt.Status{receipt.Uploading, receipt.Processing, receipt.Completed, receipt.Failed}, missing, receipt.ErrNotFound,
			func(r *receipt.Receipt) error { return s.Delete(ctx, tenant, r.ID) }},
	}
	for _, tr := range transitions {
		for _, from := range all {
			t.Run(tr.name+" from "+string(from), func(t *testing.T) {
				r := stateReceipt(t, s, tenant, from, fields, now)
				before, _ := s.Get(ctx, tenant, r.ID)
				err := tr.do(r)
				after, getErr := s.Get(ctx, tenant, r.ID)
				if !slices.Contains(tr.from, from) {
					if !errors.Is(err, tr.wrong) {
						t.Errorf("%s from %s = %v, want %v", tr.name, from, err, tr.wrong)
					}
					if !reflect.DeepEqual(after, before) {
						t.Errorf("%s from %s changed the receipt:\n got %+v\nwas %+v", tr.name, from, after, before)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s from %s: %v", tr.name, from, err)
				}
				switch want := tr.to; {
				case want == missing:
					if !errors.Is(getErr, receipt.ErrNotFound) {
						t.Errorf("after %s: Get = %+v, %v; want ErrNotFound", tr.name, after, getErr)
					}
				case getErr != nil:
					t.Fatal(getErr)
				case want == "":
					if after.Status != from || after.Version != before.Version+1 {
						t.Errorf("after %s: %s version %d, want %s version %d", tr.name, after.Status, after.Version, from, before.Version+1)
					}
				case after.Status != want:
					t.Errorf("after %s from %s: %s, want %s", tr.name, from, after.Status, want)
				}
			})
		}
	}

	// A change that goes by the receipt's version refuses a stale one, and
	// changes nothing.
	stale := []struct {
		name string
		do   func(r *receipt.Receipt) error
	}{
		{"Reprocess", func(r *receipt.Receipt) error { return s.Reprocess(ctx, tenant, r.ID, r.Version-1, nil, 1000, now) }},
		{"Correct", func(r *receipt.Receipt) error {
			c := *r
			c.Fields.Total = "10.00"
			return s.Correct(ctx, &c, r.Version+1, nil, now)
		}},
	}
	for _, tr := range stale {
		t.Run(tr.name+" at a stale version", func(t *testing.T) {
			r := stateReceipt(t, s, tenant, receipt.Completed, fields, now)
			before, _ := s.Get(ctx, tenant, r.ID)
			if err := tr.do(r); !errors.Is(err, receipt.ErrConflict) {
				t.Errorf("%s = %v, want ErrConflict", tr.name, err)
			}
			if after, _ := s.Get(ctx, tenant, r.ID); !reflect.DeepEqual(after, before) {
				t.Errorf("%s changed the receipt:\n got %+v\nwas %+v", tr.name, after, before)
			}
		})
	}
}

// stateReceipt stores a receipt of tenant's in status st, or, for missing,
// only makes one up.
func stateReceipt(t *testing.T, s *store.Store, tenant string, st receipt.Status, f receipt.Fields, now time.Time) *receipt.Receipt {
	t.Helper()
	r := newReceipt(t, tenant)
	if st == missing {
		return r
	}
	r.Status = st
	switch st {
	case receipt.Uploading:
		r.UploadExpiresAt = now.Add(time.Hour)
	case receipt.Completed:
		r.Details, r.Fields, r.FinishedAt = "text", f, now
	case receipt.Failed:
		r.Error, r.FinishedAt = "unreadable", now
	}
	if err := s.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}
