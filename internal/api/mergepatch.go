package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Bounds on a correction.
const (
	// MaxPatchBytes is the largest PATCH body read.
	MaxPatchBytes = 64 << 10
	// maxText is the most characters of a vendor, an address or a line
	// item's description.
	maxText = 500
	// maxLineItems is the most line items a correction may set.
	maxLineItems = 500
)

var (
	errPatchType     = receipt.NewError(receipt.UnsupportedType, "Content-Type must be application/merge-patch+json or application/json")
	errPatchTooLarge = receipt.Errorf(receipt.TooLarge, "request body too large: at most %d KiB", MaxPatchBytes>>10)
	errPatchJSON     = receipt.NewError(receipt.BadInput, `body must be a JSON merge patch of the receipt's fields: {"fields": {"vendor": "...", "total": "12.50", ...}}`)
)

// patch is a correction: the fields it sets, by JSON name; a value with
// neither a value nor line items removes the field.
type patch map[string]patchValue

type patchValue struct {
	value     string
	lineItems []receipt.LineItem
}

// readPatch reads and validates a JSON merge patch (RFC 7396) of a
// receipt. Only its fields can change: {"fields": {"total": "12.50",
// "tax": null}} sets the total and removes the tax. A bad value is a 400
// that names the field.
func readPatch(w http.ResponseWriter, r *http.Request) (patch, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/merge-patch+json" && mt != "application/json") {
		return nil, errPatchType
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPatchBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errPatchTooLarge
		}
		return nil, errPatchJSON
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, errPatchJSON
	}
	for name := range doc {
		if name != "fields" {
			return nil, badField(name, "can't be changed: a correction sets fields only")
		}
	}
	raw, ok := doc["fields"]
	if !ok {
		return patch{}, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, badField("fields", "must be an object of the fields to set (null removes one)")
	}
	p := patch{}
	for name, v := range fields {
		pv, err := patchField(name, v)
		if err != nil {
			return nil, err
		}
		p[name] = pv
	}
	return p, nil
}

func badField(field, problem string) *receipt.Error {
	return receipt.NewError(receipt.BadInput, (&receipt.FieldError{Field: field, Problem: problem}).Error())
}

// patchField reads one field's new value.
func patchField(name string, raw json.RawMessage) (patchValue, error) {
	field := "fields." + name
	if !receipt.IsCorrectable(name) {
		return patchValue{}, badField(field, "can't be corrected; correctable: "+strings.Join(receipt.Correctable, ", "))
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return patchValue{}, nil
	}
	if name == "lineItems" {
		items, err := patchLineItems(raw)
		return patchValue{lineItems: items}, err
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return patchValue{}, badField(field, "must be a string, or null to remove it")
	}
	return patchValue{value: v}, checkValue(field, name, v)
}

// checkValue validates a field's value as extracted values are held.
func checkValue(field, kind, v string) error {
	ok, problem := true, ""
	switch kind {
	case "vendor", "address", "description":
		ok, problem = plainText(v), fmt.Sprintf("must be 1 to %d characters of text, without control characters", maxText)
	case "date":
		ok, problem = receipt.ValidDate(v), "must be a date as YYYY-MM-DD"
	case "total", "subtotal", "tax", "quantity", "unitPrice", "amount":
		ok, problem = receipt.ValidAmount(v), `must be a decimal amount as a string, e.g. "12.50"`
	case "currency":
		ok, problem = receipt.ValidCurrency(v), "must be an ISO 4217 currency code, e.g. EUR"
	case "country":
		ok, problem = receipt.ValidCountry(v), "must be an ISO 3166-1 alpha-2 country code, e.g. DE"
	}
	if !ok {
		return badField(field, problem)
	}
	return nil
}

func plainText(v string) bool {
	n := utf8.RuneCountInString(v)
	if n == 0 || n > maxText || strings.TrimSpace(v) != v {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// patchLineItems reads a new list of line items, which replaces the old
// one whole (a merge patch replaces arrays).
func patchLineItems(raw json.RawMessage) ([]receipt.LineItem, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, badField("fields.lineItems", "must be an array of line items, or null to remove them")
	}
	if len(items) > maxLineItems {
		return nil, badField("fields.lineItems", fmt.Sprintf("may hold at most %d items", maxLineItems))
	}
	out := make([]receipt.LineItem, 0, len(items))
	for i, it := range items {
		var li receipt.LineItem
		for name, raw := range it {
			field := fmt.Sprintf("fields.lineItems[%d].%s", i, name)
			var dst *string
			switch name {
			case "description":
				dst = &li.Description
			case "quantity":
				dst = &li.Quantity
			case "unitPrice":
				dst = &li.UnitPrice
			case "amount":
				dst = &li.Amount
			default:
				return nil, badField(field, "is not a line item's field (description, quantity, unitPrice, amount)")
			}
			if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
				continue
			}
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, badField(field, "must be a string")
			}
			if err := checkValue(field, name, *dst); err != nil {
				return nil, err
			}
		}
		if li == (receipt.LineItem{}) {
			return nil, badField(fmt.Sprintf("fields.lineItems[%d]", i), "is empty")
		}
		out = append(out, li)
	}
	return out, nil
}
