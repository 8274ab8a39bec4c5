package receipt

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Correction records that a person set a field: when, and with which API
// key (its prefix, never the key).
type Correction struct {
	At time.Time
	By string
}

// Correctable are the fields a person may set, by their JSON names.
var Correctable = []string{"vendor", "address", "date", "total", "subtotal", "tax", "currency", "country", "lineItems"}

// IsCorrectable reports whether the field with this JSON name may be set.
func IsCorrectable(name string) bool { return slices.Contains(Correctable, name) }

// field returns a pointer to the string field with this JSON name, nil
// for lineItems or an unknown name.
func (f *Fields) field(name string) *string {
	switch name {
	case "vendor":
		return &f.Vendor
	case "address":
		return &f.Address
	case "date":
		return &f.Date
	case "total":
		return &f.Total
	case "subtotal":
		return &f.Subtotal
	case "tax":
		return &f.Tax
	case "currency":
		return &f.Currency
	case "country":
		return &f.Country
	}
	return nil
}

// Set sets the correctable field name to value ("" removes it).
func (f *Fields) Set(name, value string) {
	if p := f.field(name); p != nil {
		*p = value
	}
}

// Get returns the correctable string field name.
func (f Fields) Get(name string) string {
	if p := f.field(name); p != nil {
		return *p
	}
	return ""
}

// copyField sets field name of f to its value in from.
func (f *Fields) copyField(name string, from Fields) {
	if name == "lineItems" {
		f.LineItems = slices.Clone(from.LineItems)
		return
	}
	f.Set(name, from.Get(name))
}

// Corrected returns extracted with the corrected fields taken from
// corrected: what clients see after a person's corrections. A corrected
// field loses the engine's confidence and warnings, which were about a
// reading it no longer shows. extracted is not changed.
func Corrected(extracted, corrected Fields, corrections map[string]Correction) Fields {
	if len(corrections) == 0 {
		return extracted
	}
	out := extracted
	out.LineItems = slices.Clone(extracted.LineItems)
	out.Confidence = maps.Clone(extracted.Confidence)
	out.Warnings = nil
	for name := range corrections {
		out.copyField(name, corrected)
		delete(out.Confidence, name)
	}
	for _, w := range extracted.Warnings {
		about, _, _ := strings.Cut(w, ":")
		if _, ok := corrections[about]; !ok {
			out.Warnings = append(out.Warnings, w)
		}
	}
	if len(out.Confidence) == 0 {
		out.Confidence = nil
	}
	return out
}

// ETag is the receipt's entity tag: it changes with every write.
func (r *Receipt) ETag() string { return `"` + strconv.FormatInt(r.Version, 10) + `"` }

// MatchesETag reports whether an If-Match header's value names the
// receipt's current version: "*" or a list holding its ETag. Weak tags
// never match, as If-Match compares strongly (RFC 9110).
func (r *Receipt) MatchesETag(ifMatch string) bool {
	for _, tag := range strings.Split(ifMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || tag == r.ETag() {
			return true
		}
	}
	return false
}

// Reprocessing reports whether the receipt was processed before: a
// receipt sent back through processing is extracted again, never
// copied from a duplicate.
func (r *Receipt) Reprocessing() bool { return r.Attempts > 0 }

// FieldError is a field value that is not valid: its message names the
// field.
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s %s", e.Field, e.Problem) }

// Settings are a tenant's own choices.
type Settings struct {
	// Country is where the tenant's receipts are from unless a receipt's
	// hint says otherwise (ISO 3166-1 alpha-2, one of Countries); empty
	// lets each receipt's evidence decide.
	Country   string
	UpdatedAt time.Time
}
