package extract

import (
	"context"
	"fmt"
	"strings"

	"github.com/receipts-api/receipts/internal/locale"
	"github.com/receipts-api/receipts/internal/parse"
	"github.com/receipts-api/receipts/internal/prepare"
	"github.com/receipts-api/receipts/internal/receipt"
)

// weakBelow is the confidence under which a field read in another language
// than the receipt's counts as weak.
const weakBelow = 0.5

// languageFields are the fields a reading in the receipt's own language
// may fill in, or (but the date) replace.
var languageFields = []string{"total", "date", "vendor"}

// readInLanguage reads the page again in the language of the receipt's
// country (its profile's traineddata: "deu", "tur") when that is not among
// the languages it was read in and the total, the date or the vendor is
// missing or weak: the country's model reads its letters (Ä, Ş, İ) and
// words, where another language's model guesses. A field found only in
// the new reading is taken, and a weak one is replaced by a reading the
// parser rates higher. It costs one more reading of the page, for the
// receipts that need it.
func (t *Tesseract) readInLanguage(ctx context.Context, img prepare.Page, f receipt.Fields, opt parse.Options) receipt.Fields {
	p, ok := locale.Get(f.Country)
	if !ok || f.Country == "" || readsIn(t.Languages, p.Tesseract) || !weakFields(f) {
		return f
	}
	own := *t
	own.Languages = p.Tesseract
	lines, err := own.readPage(ctx, img, own.firstArgs())
	if err != nil {
		return f // out of time or memory: what the first reading found stands
	}
	n := parse.Lines(lines, opt).Fields
	for _, name := range languageFields {
		old, now := get(f, name), get(n, name)
		if now == "" || now == old {
			continue
		}
		// A date is only filled in: one the page gave is not better read
		// again (on the SROIE receipts, trusting re-read dates lost two).
		if old == "" || name != "date" && f.Confidence[name] < weakBelow && n.Confidence[name] > f.Confidence[name] {
			set(&f, name, now)
			setConf(&f, name, n.Confidence[name])
			f.Warnings = replaceWarnings(f.Warnings, n.Warnings, name+":")
			f.Warnings = append(f.Warnings, fmt.Sprintf("%s: read in %s", name, p.Tesseract))
		}
	}
	return f
}

// weakFields reports a total, date or vendor missing or weak.
func weakFields(f receipt.Fields) bool {
	for _, name := range languageFields {
		if get(f, name) == "" || f.Confidence[name] < weakBelow {
			return true
		}
	}
	return false
}

// readsIn reports whether tesseract's languages ("eng+deu") include all of
// want's ("srp+srp_latn").
func readsIn(languages, want string) bool {
	have := strings.Split(languages, "+")
	for _, w := range strings.Split(want, "+") {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func get(f receipt.Fields, name string) string {
	switch name {
	case "total":
		return f.Total
	case "date":
		return f.Date
	case "vendor":
		return f.Vendor
	}
	return ""
}

func set(f *receipt.Fields, name, v string) {
	switch name {
	case "total":
		f.Total = v
	case "date":
		f.Date = v
	case "vendor":
		f.Vendor = v
	}
}
