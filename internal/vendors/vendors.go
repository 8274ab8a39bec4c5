// Package vendors is a tenant's memory of its sellers. When a person
// corrects a receipt's vendor, the name is remembered under what
// identifies the seller on paper more reliably than its name as OCR reads
// it: its registration or tax number, its phone number, its web domain,
// the first line of its address (the parser reads them into
// receipt.Fields.Identifiers). A later receipt of the same tenant that
// carries one of them gets that name, with a warning saying where it came
// from. The store keeps the entries per tenant; this package decides what
// to remember and what to recall, so the service and the accuracy replay
// run the same rules.
package vendors

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Key is one identifier of a seller: its kind ("registration", "tax",
// "vat", "phone", "domain", "address", ...) and its value, normalised.
type Key struct {
	Kind, Value string
}

// MaxValue is the longest identifier value remembered, in bytes.
const MaxValue = 200

// Entry is what a tenant's corrections taught about one identifier.
type Entry struct {
	Key
	// Vendor is the name the correction gave.
	Vendor string
	// Receipt is the receipt whose correction taught it; At when.
	Receipt string
	At      time.Time
	// Shared marks an identifier that corrections of different receipts
	// gave different vendors (a shopping centre's address, a mail
	// provider's domain, a franchise's head office): it names no one
	// seller, and is never recalled.
	Shared bool
}

// strength orders the kinds of identifier: a registration or tax number
// names one company; a phone number one shop, mostly; a web domain one
// business; an address line one building, which the shops of a shopping
// centre share.
func strength(kind string) int {
	switch kind {
	case "address":
		return 0
	case "domain":
		return 1
	case "phone":
		return 2
	}
	return 3
}

// Keys returns the identifiers of f that can key the memory, strongest
// first.
func Keys(f receipt.Fields) []Key {
	var keys []Key
	for kind, v := range f.Identifiers {
		if v = normalise(kind, v); v != "" && len(v) <= MaxValue && kind != "" && len(kind) <= 32 {
			keys = append(keys, Key{Kind: kind, Value: v})
		}
	}
	slices.SortFunc(keys, func(a, b Key) int {
		if c := cmp.Compare(strength(b.Kind), strength(a.Kind)); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	return keys
}

// normalise writes an identifier the way two receipts of one seller
// print it alike: letters and digits only, in upper case (a domain in
// lower case, without www.); a phone number needs 7 digits at least.
func normalise(kind, v string) string {
	switch kind {
	case "domain":
		return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v)), "www.")
	case "phone":
		d := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, v)
		if len(d) < 7 {
			return ""
		}
		return d
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, v)
}

// Teach returns the entries that remember vendor, as corrected on
// receipt id, under each identifier of f. known holds the tenant's
// entries for those identifiers: one that another receipt's correction
// gave a different vendor becomes Shared.
func Teach(f receipt.Fields, id, vendor string, known map[Key]Entry, now time.Time) []Entry {
	if receipt.FoldVendor(vendor) == "" {
		return nil
	}
	var out []Entry
	for _, k := range Keys(f) {
		e := Entry{Key: k, Vendor: vendor, Receipt: id, At: now}
		if old, ok := known[k]; ok {
			e.Shared = old.Shared || old.Receipt != id && receipt.FoldVendor(old.Vendor) != receipt.FoldVendor(vendor)
		}
		out = append(out, e)
	}
	return out
}

// Recall gives f the vendor remembered under its strongest identifier
// that names one seller, with a warning naming the receipt whose
// correction taught it, and returns that entry, and whether f's vendor
// changed. A vendor the receipt already reads that way is left as it is.
func Recall(f *receipt.Fields, known map[Key]Entry) (Entry, bool) {
	for _, k := range Keys(*f) {
		e, ok := known[k]
		if !ok || e.Shared {
			continue
		}
		if receipt.FoldVendor(e.Vendor) == receipt.FoldVendor(f.Vendor) {
			return e, false
		}
		f.Vendor = e.Vendor
		f.Warnings = append(slices.Clone(f.Warnings), Warning(e.Receipt))
		if _, ok := f.Confidence["vendor"]; ok {
			// The engine's confidence was in the name it read.
			c := make(map[string]float64, len(f.Confidence))
			for name, v := range f.Confidence {
				if name != "vendor" {
					c[name] = v
				}
			}
			f.Confidence = c
		}
		return e, true
	}
	return Entry{}, false
}

// Warning says where a recalled vendor came from.
func Warning(receiptID string) string {
	return "vendor: as corrected on receipt " + receiptID
}
