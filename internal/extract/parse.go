package extract

import "github.com/receipts-api/receipts/internal/receipt"

// maxParseLines bounds the lines read: a receipt has a few hundred at
// most, and the bound keeps Parse fast on any input.
const maxParseLines = 2000

// Parse reads the fields of a receipt from its OCR text. It tolerates
// Tesseract's misreadings (digits for letters, numbers split by spaces,
// decimal commas) and leaves a field empty rather than guess it. Total is
// the amount paid, chosen among the labelled totals by how well the
// receipt's other numbers (rounding, payments, items) agree with each;
// amounts are plain decimals with the receipt's own decimals; Date is
// YYYY-MM-DD, its day and month order decided as parseDate describes.
// Confidence is left nil: plain text carries none.
func Parse(text string) receipt.Fields {
	lines := splitLines(text)
	if len(lines) > maxParseLines {
		lines = lines[:maxParseLines]
	}
	var f receipt.Fields
	f.Currency = parseCurrency(lines)
	f.Date = parseDate(lines, f.Currency)
	h := findHeader(lines)
	f.Vendor, f.Address = h.vendor, h.address
	m := readMoney(lines)
	total, hasTotal := pickTotal(m)
	f.Total = total.text
	if s, ok := pickSubtotal(m); ok {
		f.Subtotal = s.amt.text
	}
	f.Tax = pickTax(m, total, hasTotal)
	f.LineItems = parseItems(lines, h.end, m.itemsTo)
	return f
}
