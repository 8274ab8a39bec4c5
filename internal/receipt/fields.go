package receipt

// Fields are the values extracted from a receipt. An empty value was not
// found; nothing is guessed. Amounts are decimal strings with the receipt's
// own decimals ("9.00"), never floats.
type Fields struct {
	Vendor    string
	Address   string
	Date      string // ISO 8601, YYYY-MM-DD
	Total     string
	Subtotal  string
	Tax       string
	Currency  string // ISO 4217, e.g. MYR
	Country   string // ISO 3166-1 alpha-2, e.g. MY: whose rules the receipt was read by
	LineItems []LineItem
	// Identifiers name the seller on paper more reliably than its name as
	// OCR reads it, keyed by kind: a registration or tax number ("vat",
	// "tax", "registration"), "phone" (digits only), "domain" (its web or
	// e-mail domain), "address" (the first line of its address).
	Identifiers map[string]string
	// Confidence is the engine's confidence in each field, 0 to 1, keyed by
	// the field's JSON name ("total", "date", ...), where the engine gives one.
	Confidence map[string]float64
	// Warnings say what a client should know about how the fields were
	// read: what did not add up on the receipt ("total: line items sum to
	// 31.50"), or that only the first pages of a long document were read.
	Warnings []string
}

// LineItem is one line of a receipt.
type LineItem struct {
	Description string
	Quantity    string
	UnitPrice   string
	Amount      string
}

// IsZero reports whether nothing was extracted.
func (f Fields) IsZero() bool {
	return f.Vendor == "" && f.Address == "" && f.Date == "" && f.Total == "" &&
		f.Subtotal == "" && f.Tax == "" && f.Currency == "" && f.Country == "" && len(f.LineItems) == 0 && len(f.Identifiers) == 0 &&
		len(f.Warnings) == 0
}
