// Package parse turns the text of a receipt, as any engine read it, into
// its fields: vendor, address, date, total, subtotal, tax, currency and
// line items, each with a confidence, and warnings where the receipt's own
// arithmetic does not add up.
package parse

import (
	"fmt"
	"time"

	"github.com/receipts-api/receipts/internal/locale"
	"github.com/receipts-api/receipts/internal/receipt"
)

// maxParseLines bounds the lines read: a receipt has a few hundred at
// most, and the bound keeps Parse fast on any input.
const maxParseLines = 2000

// MaxBytes bounds the text the parser reads: a long till roll holds a few
// kilobytes, and the bound keeps parsing time and memory small whatever an
// engine returns. The rest is ignored, with a warning.
const MaxBytes = 256 << 10

// Options tell the parser what the text cannot.
type Options struct {
	// Now is the day the receipt was uploaded: a date after it (by more
	// than a day, for time zones) is a misreading. Zero skips that check.
	Now time.Time
	// Country, when set (an ISO 3166-1 alpha-2 code with a profile: a
	// client's hint, a tenant's default), is the country whose rules the
	// receipt is read by; when empty, the receipt's own evidence decides.
	Country string
	// Currency, when known from elsewhere (the rest of the receipt), is
	// the currency Date reads the dates of a receipt of unknown country by.
	Currency string
}

// localeOf returns the rules a receipt is read by: the hinted country's,
// else the detected one's, else those of no country.
func localeOf(lines []textLine, opt Options) *loc {
	if p, ok := locale.Get(opt.Country); ok && opt.Country != "" {
		return locFor(p)
	}
	return locFor(detectCountry(lines))
}

// Text reads the fields of a receipt from its OCR text. It tolerates
// Tesseract's misreadings (digits for letters, numbers split by spaces,
// decimal commas) and leaves a field empty rather than guess it. Total is
// the amount paid, chosen among the candidates the receipt's own
// arithmetic gives (labelled totals, rounding, cash less change, subtotal
// plus tax, the items' sum) by how much independent evidence agrees with
// each; amounts are plain decimals with the receipt's own decimals; Date
// is YYYY-MM-DD, its day and month order decided as parseDate describes.
// Confidence rates each field found from the agreement of its evidence;
// Warnings name what did not add up.
func Text(text string, opt Options) receipt.Fields {
	var warnings []string
	if len(text) > MaxBytes {
		text = truncateUTF8(text, MaxBytes)
		warnings = append(warnings, fmt.Sprintf("text: only the first %d KB read", MaxBytes>>10))
	}
	f := parse(splitLines(text), opt).fields
	f.Warnings = append(warnings, f.Warnings...)
	return f
}

// Result is what Lines found, and where: which lines it read the date,
// the total and the vendor from (-1 when not read from one line), so that
// an engine can take a second look at them.
type Result struct {
	Fields              receipt.Fields
	DateLine, TotalLine int
	// TotalProved: the total was corrected by the receipt's arithmetic.
	TotalProved bool
	// VendorFrom and VendorTo are the vendor's first and last line.
	VendorFrom, VendorTo int
}

// Lines reads the fields from lines of text, with the engine's confidence
// in each word where it gave one.
func Lines(lines []Line, opt Options) Result {
	p := parse(toTextLines(lines), opt)
	return Result{Fields: p.fields, DateLine: p.dateLine, TotalLine: p.totalLine, TotalProved: p.totalProved, VendorFrom: p.vendorFrom, VendorTo: p.vendorTo}
}

// parsed is what parse found, with the lines it read from.
type parsed struct {
	fields              receipt.Fields
	dateLine, totalLine int
	totalProved         bool
	vendorFrom          int
	vendorTo            int
}

// parse reads the fields. The order of the steps is the order of
// dependencies between fields: the currency decides how dates are read;
// the header ends where items may start; the totals end the items.
func parse(lines []textLine, opt Options) parsed {
	var warnings []string
	if len(lines) > maxParseLines {
		lines = lines[:maxParseLines]
		warnings = append(warnings, fmt.Sprintf("text: only the first %d lines read", maxParseLines))
	}
	var f receipt.Fields
	conf := map[string]float64{}
	l := localeOf(lines, opt)
	f.Country = l.country()
	f.Currency = parseCurrency(lines, l)
	d := l.parseDate(lines, f.Currency, opt.Now)
	f.Date = d.iso
	p := parsed{dateLine: d.line, totalLine: -1}
	if d.iso != "" {
		conf["date"] = d.conf
	}
	warnings = append(warnings, d.warnings...)
	h := l.findHeader(lines)
	f.Vendor, f.Address = h.vendor, h.address
	p.vendorFrom, p.vendorTo = h.from, h.to
	if h.vendor != "" {
		conf["vendor"] = h.vendorConf
	}
	if h.address != "" {
		conf["address"] = h.addressConf
	}
	m := l.readMoney(lines)
	m.currency = f.Currency
	f.LineItems = l.parseItems(lines, h.end, m.itemsTo)
	t := l.pickTotal(m, l.itemAmounts(f.LineItems))
	f.Total = t.amt.text
	p.totalLine, p.totalProved = t.line, t.proved
	if t.found {
		conf["total"] = t.conf
	}
	warnings = append(warnings, t.warnings...)
	if s, ok := l.pickSubtotal(m); ok {
		f.Subtotal = s.amt.text
	}
	f.Tax = l.pickTax(m, t.amt, t.found)
	f.Identifiers = l.identifiers(lines, h)
	if len(conf) > 0 {
		f.Confidence = conf
	}
	f.Warnings = warnings
	p.fields = f
	return p
}
