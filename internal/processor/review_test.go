//go:build !integration

package processor_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

func TestCountryHint(t *testing.T) {
	tests := []struct {
		name, hint, tenantDefault, want string
	}{
		{"the receipt's hint", "DE", "TR", "DE"},
		{"else the tenant's default", "", "TR", "TR"},
		{"else none: the evidence decides", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(id(1))
			f.update(id(1), func(rc *receipt.Receipt) { rc.CountryHint = tt.hint })
			f.setCountry(tt.tenantDefault)
			if err := f.p.Process(context.Background(), job(id(1))); err != nil {
				t.Fatal(err)
			}
			if want := []string{tt.want}; !slices.Equal(f.ex.countries, want) {
				t.Errorf("extracted with country %q, want %q", f.ex.countries, want)
			}
		})
	}
}

// sameFile makes receipt later's file the same as receipt first's.
func sameFile(f *fixture, first, later string) {
	a := f.get(first)
	f.update(later, func(r *receipt.Receipt) { r.SHA256, r.Size = a.SHA256, a.Size })
	f.putFile(receipt.FileKey(tenant, later), docOf(first))
}

// setCountry sets the tenant's default country.
func (f *fixture) setCountry(c string) {
	if err := f.receipts.PutSettings(context.Background(), tenant, receipt.Settings{Country: c}); err != nil {
		panic(err)
	}
}

func TestExactDuplicate(t *testing.T) {
	t.Run("copied from the first, not extracted", func(t *testing.T) {
		f := newFixture(id(1), id(2))
		sameFile(f, id(1), id(2))
		f.ex.text = "TOTAL 9.00"
		if err := f.p.Process(context.Background(), job(id(1))); err != nil {
			t.Fatal(err)
		}
		// The first was corrected since: its duplicate gets what clients see.
		f.update(id(1), func(rc *receipt.Receipt) { rc.Fields.Vendor = "CORRECTED" })
		first := f.get(id(1))
		j := job(id(2))
		j.SHA256, j.Size = first.SHA256, first.Size
		if err := f.p.Process(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		dup := f.get(id(2))
		if f.ex.calls != 1 {
			t.Errorf("extracted %d times, want once: the duplicate is copied", f.ex.calls)
		}
		if dup.Status != receipt.Completed || dup.DuplicateOf != id(1) || dup.Fields.Vendor != "CORRECTED" || dup.Details != "TOTAL 9.00" || dup.Engine != first.Engine {
			t.Errorf("duplicate: %s of %q, fields %+v, text %q, engine %q", dup.Status, dup.DuplicateOf, dup.Fields, dup.Details, dup.Engine)
		}
	})
	t.Run("the first still processing: named, and extracted", func(t *testing.T) {
		f := newFixture(id(1), id(2))
		sameFile(f, id(1), id(2))
		if err := f.receipts.RecordFile(context.Background(), tenant, f.get(id(1)).SHA256, id(1)); err != nil {
			t.Fatal(err)
		}
		j := job(id(2))
		j.SHA256, j.Size = f.get(id(2)).SHA256, f.get(id(2)).Size
		if err := f.p.Process(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		if dup := f.get(id(2)); f.ex.calls != 1 || dup.DuplicateOf != id(1) || dup.Fields.Total != "9.00" {
			t.Errorf("extracted %d times; duplicate of %q with %+v", f.ex.calls, dup.DuplicateOf, dup.Fields)
		}
	})
	t.Run("a newer receipt of the file is no first", func(t *testing.T) {
		f := newFixture(id(1), id(2))
		sameFile(f, id(1), id(2))
		// The newer one was processed first.
		j2 := job(id(2))
		j2.SHA256, j2.Size = f.get(id(2)).SHA256, f.get(id(2)).Size
		if err := f.p.Process(context.Background(), j2); err != nil {
			t.Fatal(err)
		}
		if err := f.p.Process(context.Background(), job(id(1))); err != nil {
			t.Fatal(err)
		}
		if a, b := f.get(id(1)), f.get(id(2)); a.DuplicateOf != "" || b.DuplicateOf != "" || f.ex.calls != 2 {
			t.Errorf("duplicate of %q and %q, %d extractions; want neither named, both extracted", a.DuplicateOf, b.DuplicateOf, f.ex.calls)
		}
	})
	t.Run("reprocessing a duplicate extracts it", func(t *testing.T) {
		f := newFixture(id(1), id(2))
		f.update(id(1), func(rc *receipt.Receipt) { rc.Status = receipt.Completed })
		f.update(id(2), func(rc *receipt.Receipt) { rc.DuplicateOf, rc.Attempts = id(1), 1 })
		if err := f.p.Process(context.Background(), job(id(2))); err != nil {
			t.Fatal(err)
		}
		if dup := f.get(id(2)); f.ex.calls != 1 || dup.DuplicateOf != id(1) || dup.Status != receipt.Completed {
			t.Errorf("extracted %d times, duplicate of %q, %s", f.ex.calls, dup.DuplicateOf, dup.Status)
		}
	})
}

func TestVendorMemoryRecalled(t *testing.T) {
	read := receipt.Fields{Vendor: "GARDEQIA", Total: "9.00", Identifiers: map[string]string{"registration": "1132462-T"},
		Confidence: map[string]float64{"vendor": 0.3, "total": 0.9}}
	f := newFixture(id(1))
	f.ex.fields = &read
	taught := vendors.Teach(read, id(9), "GARDENIA BAKERIES", nil, time.Now())
	f.receipts.Teach(tenant, taught[0])
	if err := f.p.Process(context.Background(), job(id(1))); err != nil {
		t.Fatal(err)
	}
	got := f.get(id(1)).Fields
	if got.Vendor != "GARDENIA BAKERIES" || !slices.Contains(got.Warnings, "vendor: as corrected on receipt "+id(9)) {
		t.Errorf("fields %+v, want the remembered vendor and a warning", got)
	}
	if _, ok := got.Confidence["vendor"]; ok || got.Confidence["total"] != 0.9 {
		t.Errorf("confidence %v, want the engine's for the total only", got.Confidence)
	}
}

func TestReprocessKeepsCorrections(t *testing.T) {
	f := newFixture(id(1))
	f.update(id(1), func(rc *receipt.Receipt) {
		rc.Attempts = 1
		rc.Fields = receipt.Fields{Vendor: "MY SHOP", Total: "9.50", Date: "2024-01-01"}
		rc.Corrections = map[string]receipt.Correction{"total": {By: "rcpt_x"}, "vendor": {By: "rcpt_x"}}
	})
	f.ex.fields = &receipt.Fields{Vendor: "MY SH0P", Total: "9.00", Date: "2024-01-02", Tax: "0.50"}
	if err := f.p.Process(context.Background(), job(id(1))); err != nil {
		t.Fatal(err)
	}
	want := receipt.Fields{Vendor: "MY SHOP", Total: "9.50", Date: "2024-01-02", Tax: "0.50"}
	if rc := f.get(id(1)); !reflect.DeepEqual(rc.Fields, want) || !reflect.DeepEqual(rc.Extracted, *f.ex.fields) {
		t.Errorf("fields %+v, extracted %+v; want %+v over the new reading", rc.Fields, rc.Extracted, want)
	}
}

func TestProbableDuplicate(t *testing.T) {
	f := newFixture(id(1), id(2), id(3))
	read := receipt.Fields{Vendor: "Mr. D.I.Y.", Date: "2024-02-03", Total: "12.50"}
	f.ex.fields = &read
	for _, n := range []int{1, 2} {
		if err := f.p.Process(context.Background(), job(id(n))); err != nil {
			t.Fatal(err)
		}
	}
	other := read
	other.Total = "12.60"
	f.ex.fields = &other
	if err := f.p.Process(context.Background(), job(id(3))); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "", 2: id(1), 3: ""} {
		if got := f.get(id(n)).PossibleDuplicateOf; got != want {
			t.Errorf("receipt %d: possible duplicate of %q, want %q", n, got, want)
		}
	}
}

func TestDuplicateWithAnotherCountryIsRead(t *testing.T) {
	tests := []struct {
		name, firstCountry, hint, tenantDefault string
		wantExtract                             int
	}{
		{"no hint: copied", "MY", "", "", 0},
		{"the same country: copied", "MY", "MY", "", 0},
		{"another country: read", "MY", "GB", "", 1},
		{"the tenant's default another: read", "MY", "", "US", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(id(1), id(2))
			sameFile(f, id(1), id(2))
			f.update(id(1), func(rc *receipt.Receipt) {
				rc.Status, rc.Fields = receipt.Completed, receipt.Fields{Total: "1.00", Country: tt.firstCountry}
			})
			first := f.get(id(1))
			if err := f.receipts.RecordFile(context.Background(), tenant, first.SHA256, id(1)); err != nil {
				t.Fatal(err)
			}
			f.update(id(2), func(rc *receipt.Receipt) { rc.CountryHint = tt.hint })
			f.setCountry(tt.tenantDefault)
			j := job(id(2))
			j.SHA256, j.Size = first.SHA256, first.Size
			if err := f.p.Process(context.Background(), j); err != nil {
				t.Fatal(err)
			}
			if dup := f.get(id(2)); f.ex.calls != tt.wantExtract || dup.DuplicateOf != id(1) {
				t.Errorf("extracted %d times, duplicate of %q; want %d, %q", f.ex.calls, dup.DuplicateOf, tt.wantExtract, id(1))
			}
		})
	}
}
