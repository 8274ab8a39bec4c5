//go:build !integration

package parse_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/parse"
)

var (
	decimalRE  = regexp.MustCompile(`^\d+(\.\d+)?$`)
	isoDateRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

// FuzzParse checks that Parse never panics, is deterministic, and only
// returns well-formed fields.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "receipts", "*.txt"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata/receipts: %v", err)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"", "TOTAL", "TOTAL\n", "TOTAL -RM .5", "SUB-TOTAL 1,234.567,8", "31/02/2018",
		"9999-99-99", "1.2.3.4,5", "Rounding ~(),02", "£$€ din RM", "TOTAL 1, 2\n\n3. 40",
		"0000000000000.00", "\xff\xfe TOTAL \x00 9.99", "1X 2.00 2.00\n*3 7,90 23,70",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := parse.Text(text, parse.Options{})
		if again := parse.Text(text, parse.Options{}); !reflect.DeepEqual(got, again) {
			t.Fatalf("Parse is not deterministic: %+v then %+v", got, again)
		}
		if got.Date != "" {
			if _, err := time.Parse("2006-01-02", got.Date); err != nil || !isoDateRE.MatchString(got.Date) {
				t.Errorf("Date = %q, want YYYY-MM-DD (%v)", got.Date, err)
			}
		}
		for name, v := range map[string]string{"Total": got.Total, "Subtotal": got.Subtotal, "Tax": got.Tax} {
			if v != "" && !decimalRE.MatchString(v) {
				t.Errorf("%s = %q, want a plain decimal", name, v)
			}
		}
		for _, it := range got.LineItems {
			for name, v := range map[string]string{"Quantity": it.Quantity, "UnitPrice": it.UnitPrice, "Amount": it.Amount} {
				if v != "" && !decimalRE.MatchString(v) {
					t.Errorf("line item %s = %q, want a plain decimal", name, v)
				}
			}
			if !utf8.ValidString(it.Description) {
				t.Errorf("line item description %q is not UTF-8", it.Description)
			}
		}
		if got.Currency != "" && !currencyRE.MatchString(got.Currency) {
			t.Errorf("Currency = %q, want an ISO 4217 code", got.Currency)
		}
		if !utf8.ValidString(got.Vendor) || !utf8.ValidString(got.Address) {
			t.Errorf("Vendor %q or Address %q is not UTF-8", got.Vendor, got.Address)
		}
		for name, c := range got.Confidence {
			if c < 0 || c > 1 {
				t.Errorf("Confidence[%q] = %v, want 0 to 1", name, c)
			}
		}
		for _, w := range got.Warnings {
			if !utf8.ValidString(w) || w == "" {
				t.Errorf("warning %q is empty or not UTF-8", w)
			}
		}
	})
}
