package fake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/auth"
	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/uploads"
)

// conforming is what the conformance tests ask of a store: what the
// functions use, and the key store's writes.
type conforming interface {
	api.Receipts
	uploads.Receipts
	processor.Receipts
	auth.Keys
	PutKey(ctx context.Context, k receipt.APIKey) error
	RevokeKey(ctx context.Context, hash string, now time.Time) error
}

// TestConformance holds each store of stores (the fake; with the
// integration tag, the real one over DynamoDB Local too) to the conditions
// the unit tests rely on: which state changes each status allows, the
// version each counts, tenant scoping and not-found. A fake that let a
// transition through that the real store refuses fails here, not in
// production.
func TestConformance(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("transitions", func(t *testing.T) { testTransitions(t, s) })
			t.Run("tenants", func(t *testing.T) { testTenants(t, s) })
			t.Run("keys", func(t *testing.T) { testKeys(t, s) })
		})
	}
}

var statuses = []receipt.Status{receipt.Uploading, receipt.Processing, receipt.Completed, receipt.Failed}

// transition is one state change, what it leads to, and the statuses it
// may leave.
type transition struct {
	name string
	from []receipt.Status
	to   receipt.Status // "" when it keeps the status
	do   func(s conforming, r *receipt.Receipt, now time.Time) error
}

var transitions = []transition{
	{"Uploaded", []receipt.Status{receipt.Uploading}, receipt.Processing, func(s conforming, r *receipt.Receipt, now time.Time) error {
		return s.Uploaded(context.Background(), r.Tenant, r.ID, receipt.FileKey(r.Tenant, r.ID), 9, "ab", now)
	}},
	{"FailUpload", []receipt.Status{receipt.Uploading}, receipt.Failed, func(s conforming, r *receipt.Receipt, now time.Time) error {
		return s.FailUpload(context.Background(), r.Tenant, r.ID, "refused", now)
	}},
	{"Complete", []receipt.Status{receipt.Processing}, receipt.Completed, func(s conforming, r *receipt.Receipt, now time.Time) error {
		return s.Complete(context.Background(), r.Tenant, r.ID, receipt.Result{Details: "TOTAL 9.00", Fields: receipt.Fields{Total: "9.00"}}, now)
	}},
	{"Fail", []receipt.Status{receipt.Processing}, receipt.Failed, func(s conforming, r *receipt.Receipt, now time.Time) error {
		return s.Fail(context.Background(), r.Tenant, r.ID, "unreadable", now)
	}},
	{"Reprocess", []receipt.Status{receipt.Completed, receipt.Failed}, receipt.Processing, func(s conforming, r *receipt.Receipt, now time.Time) error {
		return s.Reprocess(context.Background(), r.Tenant, r.ID, r.Version, nil, 100, now)
	}},
	{"Correct", statuses, "", func(s conforming, r *receipt.Receipt, now time.Time) error {
		c := *r
		c.Fields.Total = "9.50"
		return s.Correct(context.Background(), &c, r.Version, nil, now)
	}},
}

func testTransitions(t *testing.T, s conforming) {
	ctx := context.Background()
	tenant := fmt.Sprintf("conform-%d", time.Now().UnixNano())
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, tr := range transitions {
		for _, from := range statuses {
			r := newReceipt(t, s, tenant, from, now)
			allowed := false
			for _, f := range tr.from {
				allowed = allowed || f == from
			}
			err := tr.do(s, r, now)
			got, gerr := s.Get(ctx, tenant, r.ID)
			if gerr != nil {
				t.Fatalf("%s from %s: get: %v", tr.name, from, gerr)
			}
			switch {
			case allowed && err != nil:
				t.Errorf("%s from %s: %v, want it done", tr.name, from, err)
			case !allowed && !errors.Is(err, receipt.ErrConflict):
				t.Errorf("%s from %s: %v, want receipt.ErrConflict", tr.name, from, err)
			case !allowed && (got.Status != from || got.Version != r.Version):
				t.Errorf("%s from %s, refused: now %s version %d, want it unchanged (version %d)", tr.name, from, got.Status, got.Version, r.Version)
			case allowed && got.Version != r.Version+1:
				t.Errorf("%s from %s: version %d, want %d", tr.name, from, got.Version, r.Version+1)
			case allowed && tr.to != "" && got.Status != tr.to:
				t.Errorf("%s from %s: now %s, want %s", tr.name, from, got.Status, tr.to)
			}
		}
		// A receipt that is not there moves nowhere.
		gone := &receipt.Receipt{ID: newID(t), Tenant: tenant, Version: 1}
		if err := tr.do(s, gone, now); !errors.Is(err, receipt.ErrConflict) {
			t.Errorf("%s of a missing receipt: %v, want receipt.ErrConflict", tr.name, err)
		}
	}
	// A version other than the stored one changes nothing.
	for _, tr := range transitions[4:] {
		r := newReceipt(t, s, tenant, receipt.Completed, now)
		stale := *r
		stale.Version = r.Version + 1
		if err := tr.do(s, &stale, now); !errors.Is(err, receipt.ErrConflict) {
			t.Errorf("%s at another version: %v, want receipt.ErrConflict", tr.name, err)
		}
	}
}

// testTenants: another tenant neither reads, changes nor deletes a
// receipt, whatever its id.
func testTenants(t *testing.T, s conforming) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	owner := fmt.Sprintf("owner-%d", now.UnixNano())
	other := fmt.Sprintf("other-%d", now.UnixNano())
	r := newReceipt(t, s, owner, receipt.Processing, now)
	if _, err := s.Get(ctx, other, r.ID); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("get as another tenant: %v, want receipt.ErrNotFound", err)
	}
	if err := s.Delete(ctx, other, r.ID); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("delete as another tenant: %v, want receipt.ErrNotFound", err)
	}
	if err := s.Fail(ctx, other, r.ID, "x", now); !errors.Is(err, receipt.ErrConflict) {
		t.Errorf("fail as another tenant: %v, want receipt.ErrConflict", err)
	}
	rs, _, err := s.List(ctx, other, receipt.ListQuery{Limit: 10}, now)
	if err != nil || len(rs) != 0 {
		t.Errorf("another tenant's list: %d receipts, %v; want none", len(rs), err)
	}
	if got, err := s.Get(ctx, owner, r.ID); err != nil || got.Status != receipt.Processing {
		t.Errorf("the owner's receipt after another tenant's tries: %v, %v", got, err)
	}
	if err := s.Delete(ctx, owner, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, owner, r.ID); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("get after delete: %v, want receipt.ErrNotFound", err)
	}
	if err := s.Delete(ctx, owner, r.ID); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("delete twice: %v, want receipt.ErrNotFound", err)
	}
	if err := s.Create(ctx, &receipt.Receipt{ID: r.ID, Tenant: other, Status: receipt.Processing, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Errorf("another tenant's receipt of the same id: %v", err)
	}
}

// testKeys: a key is found until revoked, and then found revoked; the
// first revocation's time stays; an unknown key is not found.
func testKeys(t *testing.T, s conforming) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	_, k, err := auth.NewKey(fmt.Sprintf("keys-%d", now.UnixNano()), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetKey(ctx, k.Hash); err != nil || !got.Active() || got.Tenant != k.Tenant {
		t.Fatalf("a new key: %+v, %v; want it active, of %s", got, err, k.Tenant)
	}
	if err := s.PutKey(ctx, k); !errors.Is(err, receipt.ErrConflict) {
		t.Errorf("the same key again: %v, want receipt.ErrConflict", err)
	}
	for i := range 2 {
		if err := s.RevokeKey(ctx, k.Hash, now.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("revoke %d: %v", i+1, err)
		}
	}
	if got, err := s.GetKey(ctx, k.Hash); err != nil || got.Active() || !got.RevokedAt.Equal(now) {
		t.Errorf("a revoked key: %+v, %v; want it revoked at %s", got, err, now)
	}
	if _, err := s.GetKey(ctx, auth.Hash("rcpt_unknown")); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("an unknown key: %v, want receipt.ErrNotFound", err)
	}
	if err := s.RevokeKey(ctx, auth.Hash("rcpt_unknown"), now); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v, want receipt.ErrNotFound", err)
	}
}

func newID(t *testing.T) string {
	t.Helper()
	id, err := receipt.NewID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newReceipt creates a receipt of the tenant in the given status.
func newReceipt(t *testing.T, s conforming, tenant string, status receipt.Status, now time.Time) *receipt.Receipt {
	t.Helper()
	id := newID(t)
	r := &receipt.Receipt{ID: id, Tenant: tenant, Status: status, FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PDF,
		Size: 9, CreatedAt: now, UpdatedAt: now}
	if err := s.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}
