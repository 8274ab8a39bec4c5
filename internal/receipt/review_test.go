//go:build !integration

package receipt_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

func TestCorrected(t *testing.T) {
	extracted := receipt.Fields{Vendor: "GARDEQIA", Total: "31.00", Tax: "1.76", Date: "2024-05-01",
		LineItems:  []receipt.LineItem{{Description: "BREAD", Amount: "31.00"}},
		Confidence: map[string]float64{"vendor": 0.4, "total": 0.9, "date": 0.8},
		Warnings:   []string{"total: line items sum to 31.50", "date: read twice", "pages: 3 in document, first 2 read"}}
	corrected := receipt.Fields{Vendor: "GARDENIA", Total: "31.50", LineItems: []receipt.LineItem{{Description: "BUN"}}}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	got := receipt.Corrected(extracted, corrected, map[string]receipt.Correction{
		"vendor": {At: at}, "total": {At: at}, "tax": {At: at}, "lineItems": {At: at},
	})
	want := receipt.Fields{Vendor: "GARDENIA", Total: "31.50", Date: "2024-05-01",
		LineItems:  []receipt.LineItem{{Description: "BUN"}},
		Confidence: map[string]float64{"date": 0.8},
		Warnings:   []string{"date: read twice", "pages: 3 in document, first 2 read"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Corrected = %+v\nwant %+v", got, want)
	}
	if extracted.Confidence["vendor"] != 0.4 || len(extracted.Warnings) != 3 || extracted.LineItems[0].Description != "BREAD" {
		t.Errorf("Corrected changed the engine's reading: %+v", extracted)
	}
	if got := receipt.Corrected(extracted, corrected, nil); !reflect.DeepEqual(got, extracted) {
		t.Errorf("no corrections: %+v, want the reading as it is", got)
	}
}

func TestMatchesETag(t *testing.T) {
	r := &receipt.Receipt{Version: 3}
	for header, want := range map[string]bool{
		`"3"`: true, `*`: true, `"1", "3"`: true, `"2"`: false, `W/"3"`: false, `3`: false, ``: false,
	} {
		if got := r.MatchesETag(header); got != want {
			t.Errorf("If-Match %s: %v, want %v", header, got, want)
		}
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		name  string
		valid func(string) bool
		good  []string
		bad   []string
	}{
		{"amount", receipt.ValidAmount, []string{"0", "12.50", "-0.25", "1195.39"}, []string{"", "1,50", "1e3", ".5", "12.", "+1", "1234567890123456"}},
		{"date", receipt.ValidDate, []string{"2024-02-29", "1999-12-31"}, []string{"2023-02-29", "2024-1-01", "24-01-01", "2024-01-01T00:00:00Z"}},
		{"currency", receipt.ValidCurrency, []string{"EUR", "MYR", "TRY", "JPY"}, []string{"eur", "XYZ", "EURO", "€"}},
		{"country", receipt.ValidCountry, []string{"DE", "JP", "MY"}, []string{"de", "XX", "DEU", "EU", "ZZ"}},
	}
	for _, tt := range tests {
		for _, v := range tt.good {
			if !tt.valid(v) {
				t.Errorf("%s %q refused", tt.name, v)
			}
		}
		for _, v := range tt.bad {
			if tt.valid(v) {
				t.Errorf("%s %q accepted", tt.name, v)
			}
		}
	}
	if c, ok := receipt.CountryHint("DE"); !ok || c != "DE" {
		t.Errorf("CountryHint(DE) = %q, %v", c, ok)
	}
	for _, bad := range []string{"de", "De", "JP", "", "DEU", "D", "DE "} {
		if _, ok := receipt.CountryHint(bad); ok {
			t.Errorf("CountryHint(%q) accepted", bad)
		}
	}
	if got := receipt.FoldVendor("Mr. D.I.Y. (M) Sdn Bhd"); got != "mrdiymsdnbhd" {
		t.Errorf("FoldVendor = %q", got)
	}
}

func TestListQuery(t *testing.T) {
	id := "0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"
	byDate := receipt.ListQuery{From: "2024-01-01", To: "2024-06-30"}
	if c := byDate.Cursor("2024-03-01", id); c != "2024-03-01/"+id {
		t.Errorf("cursor of a list by date = %q", c)
	}
	for _, tt := range []struct {
		q      receipt.ListQuery
		cursor string
		ok     bool
	}{
		{receipt.ListQuery{}, id, true},
		{receipt.ListQuery{}, "2024-03-01/" + id, false},
		{byDate, "2024-03-01/" + id, true},
		{byDate, id, false},
		{byDate, "2023-12-31/" + id, false},
		{byDate, "2024-07-01/" + id, false},
		{byDate, "2024-03-01/x", false},
	} {
		tt.q.After = tt.cursor
		if _, _, err := tt.q.Position(); (err == nil) != tt.ok {
			t.Errorf("%+v: Position = %v, want ok %v", tt.q, err, tt.ok)
		}
	}
	now := time.Now()
	r := &receipt.Receipt{Status: receipt.Completed, Fields: receipt.Fields{Vendor: "Aldi Süd", Date: "2024-03-01", Total: "12.50"}}
	for q, want := range map[receipt.ListQuery]bool{
		{}:                            true,
		{From: "2024-03-01"}:          true,
		{To: "2024-02-29"}:            false,
		{Vendor: "aldis"}:             true,
		{Vendor: "lidl"}:              false,
		{MinTotal: "12.5"}:            true,
		{MaxTotal: "12.49"}:           false,
		{Duplicates: true}:            false,
		{Status: receipt.Failed}:      false,
		{MinTotal: "0", From: "2024"}: true,
	} {
		if got := q.Matches(r, now); got != want {
			t.Errorf("%+v matches: %v, want %v", q, got, want)
		}
	}
	undated := &receipt.Receipt{Status: receipt.Completed}
	if (receipt.ListQuery{To: "2030-01-01"}).Matches(undated, now) || (receipt.ListQuery{MaxTotal: "100"}).Matches(undated, now) {
		t.Error("a receipt without a date or a total matched bounds on them")
	}
}
