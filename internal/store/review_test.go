//go:build integration

package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/vendors"
)

// completed stores a completed receipt of tenant with the given fields.
func completed(t *testing.T, s *store.Store, tenant string, f receipt.Fields) *receipt.Receipt {
	t.Helper()
	r := newReceipt(t, tenant)
	r.Status, r.Fields, r.Details, r.Engine = receipt.Completed, f, "TEXT", "tesseract"
	if err := s.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(context.Background(), tenant, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func uniqueTenant(name string) string { return fmt.Sprintf("%s-%d", name, time.Now().UnixNano()) }

func TestCorrect(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := uniqueTenant("correct")
	engine := receipt.Fields{Vendor: "GARDEQIA", Total: "9.00", Date: "2024-05-01",
		Identifiers: map[string]string{"registration": "1132462-T", "phone": "03-1234 5678"},
		Confidence:  map[string]float64{"vendor": 0.4, "total": 0.9}}
	r := completed(t, s, tenant, engine)
	if r.Version != 1 || !reflect.DeepEqual(r.Extracted, engine) {
		t.Fatalf("new receipt: version %d, extracted %+v", r.Version, r.Extracted)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	next := *r
	next.Corrections = map[string]receipt.Correction{"vendor": {At: now, By: "rcpt_AbC"}}
	next.Fields = receipt.Corrected(engine, receipt.Fields{Vendor: "GARDENIA BAKERIES"}, next.Corrections)
	teach := vendors.Teach(engine, r.ID, "GARDENIA BAKERIES", nil, now)
	if err := s.Correct(ctx, &next, r.Version, teach, now); err != nil {
		t.Fatalf("Correct: %v", err)
	}
	got, err := s.Get(ctx, tenant, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Fields.Vendor != "GARDENIA BAKERIES" || got.Fields.Total != "9.00" ||
		!reflect.DeepEqual(got.Extracted, engine) || !reflect.DeepEqual(got.Corrections, next.Corrections) {
		t.Errorf("after Correct: version %d, fields %+v, extracted %+v, corrections %+v", got.Version, got.Fields, got.Extracted, got.Corrections)
	}
	known, err := s.VendorEntries(ctx, tenant, vendors.Keys(engine))
	if err != nil || len(known) != 2 {
		t.Fatalf("VendorEntries = %v, %v; want the 2 entries taught", known, err)
	}
	for _, e := range teach {
		if g := known[e.Key]; g.Vendor != e.Vendor || g.Receipt != r.ID || !g.At.Equal(now) {
			t.Errorf("entry %v = %+v, want %+v", e.Key, g, e)
		}
	}
	if other, _ := s.VendorEntries(ctx, "someone-else", vendors.Keys(engine)); len(other) != 0 {
		t.Errorf("another tenant reads the memory: %v", other)
	}

	stale := next
	stale.Fields.Vendor = "LOST UPDATE"
	if err := s.Correct(ctx, &stale, 1, nil, now); !errors.Is(err, receipt.ErrConflict) {
		t.Errorf("Correct on a stale version = %v, want ErrConflict", err)
	}
	rs, _, err := s.List(ctx, tenant, receipt.ListQuery{Limit: 10, Vendor: receipt.FoldVendor("gardenia b")}, now)
	if err != nil || len(rs) != 1 || rs[0].Fields.Vendor != "GARDENIA BAKERIES" {
		t.Errorf("list by the corrected vendor = %v, %v", rs, err)
	}
}

func TestReprocess(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := uniqueTenant("reprocess")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := completed(t, s, tenant, receipt.Fields{Total: "1.00"})
	de := "DE"
	if err := s.Reprocess(ctx, tenant, a.ID, a.Version, &de, 2, now); err != nil {
		t.Fatalf("Reprocess: %v", err)
	}
	got, _ := s.Get(ctx, tenant, a.ID)
	if got.Status != receipt.Processing || got.CountryHint != "DE" || got.Version != 2 {
		t.Errorf("after Reprocess: %s, hint %q, version %d", got.Status, got.CountryHint, got.Version)
	}
	if err := s.Reprocess(ctx, tenant, a.ID, got.Version, nil, 2, now); !errors.Is(err, receipt.ErrConflict) {
		t.Errorf("Reprocess of a processing receipt = %v, want ErrConflict", err)
	}

	// Its result replaces what the first processing left.
	extracted := receipt.Fields{Total: "2.00", Vendor: "SHOP"}
	res := receipt.Result{DetailsKey: "t/x.details.txt", Fields: receipt.Fields{Total: "2.50", Vendor: "SHOP"}, Extracted: &extracted,
		PossibleDuplicateOf: "0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", Engine: "tesseract"}
	if err := s.Complete(ctx, tenant, a.ID, res, now); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, tenant, a.ID)
	if got.Details != "" || got.DetailsKey != res.DetailsKey || got.Fields.Total != "2.50" || got.Extracted.Total != "2.00" ||
		got.PossibleDuplicateOf != res.PossibleDuplicateOf || got.Version != 3 || got.Attempts != 1 {
		t.Errorf("after a second Complete: %+v", got)
	}

	b := completed(t, s, tenant, receipt.Fields{})
	if err := s.Reprocess(ctx, tenant, b.ID, b.Version, nil, 2, now); err != nil {
		t.Fatalf("second of two a day: %v", err)
	}
	c := completed(t, s, tenant, receipt.Fields{})
	if err := s.Reprocess(ctx, tenant, c.ID, c.Version, nil, 2, now); !errors.Is(err, receipt.ErrLimit) {
		t.Errorf("third of two a day = %v, want ErrLimit", err)
	}
	if got, _ := s.Get(ctx, tenant, c.ID); got.Status != receipt.Completed || got.Version != 1 {
		t.Errorf("a refused reprocess changed the receipt: %s, version %d", got.Status, got.Version)
	}
	if err := s.Reprocess(ctx, tenant, c.ID, c.Version, nil, 2, now.Add(24*time.Hour)); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

func TestFileMarkers(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := uniqueTenant("files")
	sha := strings.Repeat("c", 64)
	first, second := newReceipt(t, tenant), newReceipt(t, tenant)
	for _, r := range []*receipt.Receipt{second, first} { // recorded out of order
		r.SHA256 = sha
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordFile(ctx, tenant, sha, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.ReceiptsOfFile(ctx, tenant, sha, 3)
	if err != nil || !slices.Equal(ids, []string{first.ID, second.ID}) {
		t.Errorf("ReceiptsOfFile = %v, %v; want oldest first %v", ids, err, []string{first.ID, second.ID})
	}
	if other, _ := s.ReceiptsOfFile(ctx, "another", sha, 3); len(other) != 0 {
		t.Errorf("another tenant finds %v", other)
	}
	// Delete removes the marker of the file the receipt item names.
	if err := s.Delete(ctx, tenant, first.ID); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.ReceiptsOfFile(ctx, tenant, sha, 3); !slices.Equal(ids, []string{second.ID}) {
		t.Errorf("after deleting the first: %v, want [%s]", ids, second.ID)
	}
}

func TestSameReceipt(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := uniqueTenant("same")
	f := receipt.Fields{Vendor: "Mr. D.I.Y. (M) Sdn Bhd", Date: "2024-02-03", Total: "12.50"}
	scan := completed(t, s, tenant, f)
	photo := completed(t, s, tenant, receipt.Fields{Vendor: "MR DIY (M) SDN BHD", Date: "2024-02-03", Total: "12.5"})
	completed(t, s, tenant, receipt.Fields{Vendor: "MR DIY (M) SDN BHD", Date: "2024-02-03", Total: "12.60"})
	completed(t, s, tenant, receipt.Fields{Vendor: "MR DIY (M) SDN BHD", Date: "2024-02-04", Total: "12.50"})
	completed(t, s, uniqueTenant("other"), f)
	sameFile := newReceipt(t, tenant)
	sameFile.Status, sameFile.Fields, sameFile.SHA256 = receipt.Completed, f, "samefile"
	if err := s.Create(ctx, sameFile); err != nil {
		t.Fatal(err)
	}
	ids, err := s.SameReceipt(ctx, tenant, f, "samefile")
	if want := []string{scan.ID, photo.ID}; err != nil || !slices.Equal(ids, want) {
		t.Errorf("SameReceipt = %v, %v; want %v", ids, err, want)
	}
	if ids, _ := s.SameReceipt(ctx, tenant, receipt.Fields{Vendor: "x", Total: "1.00"}, ""); ids != nil {
		t.Errorf("a receipt without a date has probable duplicates %v", ids)
	}
}

func TestSettings(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tenant := uniqueTenant("settings")
	if got, err := s.Settings(ctx, tenant); err != nil || got != (receipt.Settings{}) {
		t.Errorf("no settings = %+v, %v; want the zero settings", got, err)
	}
	want := receipt.Settings{Country: "DE", UpdatedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	if err := s.PutSettings(ctx, tenant, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Settings(ctx, tenant); err != nil || !got.UpdatedAt.Equal(want.UpdatedAt) || got.Country != "DE" {
		t.Errorf("Settings = %+v, %v; want %+v", got, err, want)
	}
	if got, _ := s.Settings(ctx, uniqueTenant("other")); got.Country != "" {
		t.Errorf("another tenant's settings: %+v", got)
	}
}
