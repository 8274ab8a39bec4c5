//go:build !integration

package locale_test

import (
	"slices"
	"testing"

	"github.com/receipts-api/receipts/internal/locale"
)

// TestProfilesLoad: every required country has a profile whose vocabulary
// can read a receipt's total, payments, change and dates.
func TestProfilesLoad(t *testing.T) {
	want := []string{"DE", "ES", "FR", "GB", "IT", "MY", "NL", "RS", "TR", "US"}
	for _, c := range want {
		if !slices.Contains(locale.Countries(), c) {
			t.Errorf("no profile for %s", c)
		}
	}
	for _, p := range locale.All() {
		t.Run(p.Country, func(t *testing.T) {
			v := p.Vocabulary()
			for name, words := range map[string][]string{
				"total": v.Total, "cash": v.Cash, "change": v.Change, "dateLabels": v.DateLabels,
				"legalForms": p.LegalForms, "evidence": v.Evidence,
			} {
				if len(words) == 0 {
					t.Errorf("%s: no %s", p.Country, name)
				}
			}
			if _, ok := v.Month("JAN"); !ok && p.Country != "TR" {
				t.Errorf("%s: JAN is no month", p.Country)
			}
			if len(p.Taxes) == 0 || len(p.Evidence) == 0 {
				t.Errorf("%s: no taxes or no evidence", p.Country)
			}
		})
	}
}

func TestGet(t *testing.T) {
	if p, ok := locale.Get("de"); !ok || p.Currency != "EUR" || p.Decimal != "," || p.MonthFirst() {
		t.Errorf("Get(de) = %+v, %v; want euros, decimal comma, day first", p, ok)
	}
	if p, ok := locale.Get("US"); !ok || !p.MonthFirst() || p.CashRounding != "" {
		t.Errorf("Get(US) = %+v, %v; want month first and no cash rounding", p, ok)
	}
	if _, ok := locale.Get("XX"); ok {
		t.Error("Get(XX) found a profile")
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Rückgeld", "RUCKGELD"}, {"NAKİT", "NAKIT"}, {"Straße", "STRASSE"}, {"Teşekkürler", "TESEKKURLER"},
		{"Espèces", "ESPECES"}, {"укупно", "УКУПНО"}, {"TOTAL 12,50 €", "TOTAL 12,50 €"}, {"ıi", "II"},
	}
	for _, tt := range tests {
		if got := locale.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
