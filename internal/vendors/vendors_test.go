//go:build !integration

package vendors_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestKeys(t *testing.T) {
	f := receipt.Fields{Identifiers: map[string]string{
		"address":      "No. 5, Jalan Tun",
		"domain":       "WWW.Gardenia.com.my",
		"phone":        "+60 3-5512 0000",
		"vat":          "de 123 456 789",
		"registration": "(1132462-T)",
		"tax":          "",
		"kvk":          strings.Repeat("9", vendors.MaxValue+1),
	}}
	got := vendors.Keys(f)
	want := []vendors.Key{
		{Kind: "registration", Value: "1132462T"},
		{Kind: "vat", Value: "DE123456789"},
		{Kind: "phone", Value: "60355120000"},
		{Kind: "domain", Value: "gardenia.com.my"},
		{Kind: "address", Value: "NO5JALANTUN"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %v, want strongest first, normalised, none empty or too long: %v", got, want)
	}
	if k := vendors.Keys(receipt.Fields{Identifiers: map[string]string{"phone": "12-34"}}); len(k) != 0 {
		t.Errorf("a phone number of 4 digits is a key: %v", k)
	}
}

func TestTeachMarksSharedIdentifiers(t *testing.T) {
	mall := receipt.Fields{Identifiers: map[string]string{"address": "Lot 1, Mid Valley", "phone": "0312345678"}}
	first := vendors.Teach(mall, "r1", "SHOE SHOP", nil, now)
	known := map[vendors.Key]vendors.Entry{}
	for _, e := range first {
		if e.Shared || e.Vendor != "SHOE SHOP" || e.Receipt != "r1" || !e.At.Equal(now) {
			t.Errorf("first correction: %+v", e)
		}
		known[e.Key] = e
	}
	tests := []struct {
		name, receipt, vendor string
		wantShared            bool
	}{
		{"the same receipt corrected again", "r1", "SHOE SHOP SDN BHD", false},
		{"another receipt, the same vendor written otherwise", "r2", "Shoe-Shop", false},
		{"another receipt, another vendor", "r3", "BOOK SHOP", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, e := range vendors.Teach(mall, tt.receipt, tt.vendor, known, now) {
				if e.Shared != tt.wantShared {
					t.Errorf("%v: shared %v, want %v", e.Key, e.Shared, tt.wantShared)
				}
			}
		})
	}
	shared := vendors.Teach(mall, "r3", "BOOK SHOP", known, now)
	for _, e := range shared {
		known[e.Key] = e
	}
	for _, e := range vendors.Teach(mall, "r4", "SHOE SHOP", known, now) {
		if !e.Shared {
			t.Errorf("%v: an identifier once shared was given one seller again", e.Key)
		}
	}
	if got := vendors.Teach(mall, "r5", " .. ", nil, now); got != nil {
		t.Errorf("a vendor without a letter or digit taught %v", got)
	}
}

func TestRecall(t *testing.T) {
	entry := func(kind, value, vendor, id string, shared bool) vendors.Entry {
		return vendors.Entry{Key: vendors.Key{Kind: kind, Value: value}, Vendor: vendor, Receipt: id, At: now, Shared: shared}
	}
	read := receipt.Fields{Vendor: "GARDEQIA", Total: "9.00",
		Identifiers: map[string]string{"registration": "1132462-T", "address": "No 5, Jalan Tun"},
		Confidence:  map[string]float64{"vendor": 0.3, "total": 0.9}, Warnings: []string{"total: read twice"}}
	tests := []struct {
		name        string
		known       []vendors.Entry
		wantVendor  string
		wantChanged bool
		wantFrom    string
	}{
		{"nothing known", nil, "GARDEQIA", false, ""},
		{"by registration number", []vendors.Entry{entry("registration", "1132462T", "GARDENIA BAKERIES", "r1", false)}, "GARDENIA BAKERIES", true, "r1"},
		{"the strongest identifier wins", []vendors.Entry{
			entry("address", "NO5JALANTUN", "A SHOP NEXT DOOR", "r2", false),
			entry("registration", "1132462T", "GARDENIA BAKERIES", "r1", false)}, "GARDENIA BAKERIES", true, "r1"},
		{"a shared identifier is passed over", []vendors.Entry{
			entry("registration", "1132462T", "X", "r1", true),
			entry("address", "NO5JALANTUN", "GARDENIA (ADDRESS)", "r2", false)}, "GARDENIA (ADDRESS)", true, "r2"},
		{"only shared ones: nothing", []vendors.Entry{entry("registration", "1132462T", "X", "r1", true)}, "GARDEQIA", false, ""},
		{"already read so: no warning", []vendors.Entry{entry("registration", "1132462T", "Gardeqia.", "r1", false)}, "GARDEQIA", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			known := map[vendors.Key]vendors.Entry{}
			for _, e := range tt.known {
				known[e.Key] = e
			}
			f := read
			_, changed := vendors.Recall(&f, known)
			if f.Vendor != tt.wantVendor || changed != tt.wantChanged {
				t.Errorf("vendor %q changed %v, want %q %v", f.Vendor, changed, tt.wantVendor, tt.wantChanged)
			}
			warned := slices.Contains(f.Warnings, vendors.Warning(tt.wantFrom))
			if warned != tt.wantChanged {
				t.Errorf("warnings %v", f.Warnings)
			}
			_, conf := f.Confidence["vendor"]
			if conf == tt.wantChanged || f.Confidence["total"] != 0.9 {
				t.Errorf("confidence %v: the engine's confidence in a name it no longer shows must go, the rest stay", f.Confidence)
			}
			if read.Vendor != "GARDEQIA" || len(read.Warnings) != 1 || read.Confidence["vendor"] != 0.3 {
				t.Errorf("Recall changed the fields it was given a copy of: %+v", read)
			}
		})
	}
}
