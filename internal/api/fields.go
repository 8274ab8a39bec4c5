package api

import "github.com/receipts-api/receipts/internal/receipt"

// fieldsBody is receipt.Fields as clients see it.
type fieldsBody struct {
	Vendor      string             `json:"vendor,omitempty"`
	Address     string             `json:"address,omitempty"`
	Date        string             `json:"date,omitempty"`
	Total       string             `json:"total,omitempty"`
	Subtotal    string             `json:"subtotal,omitempty"`
	Tax         string             `json:"tax,omitempty"`
	Currency    string             `json:"currency,omitempty"`
	Country     string             `json:"country,omitempty"`
	LineItems   []lineItemBody     `json:"lineItems,omitempty"`
	Identifiers map[string]string  `json:"identifiers,omitempty"`
	Confidence  map[string]float64 `json:"confidence,omitempty"`
	Warnings    []string           `json:"warnings,omitempty"`
}

type lineItemBody struct {
	Description string `json:"description,omitempty"`
	Quantity    string `json:"quantity,omitempty"`
	UnitPrice   string `json:"unitPrice,omitempty"`
	Amount      string `json:"amount,omitempty"`
}

// fieldsOf returns nil when nothing was extracted, so the key is absent.
func fieldsOf(f receipt.Fields) *fieldsBody {
	if f.IsZero() {
		return nil
	}
	b := &fieldsBody{
		Vendor: f.Vendor, Address: f.Address, Date: f.Date, Total: f.Total,
		Subtotal: f.Subtotal, Tax: f.Tax, Currency: f.Currency, Country: f.Country, Confidence: f.Confidence,
		Warnings: f.Warnings, Identifiers: f.Identifiers,
	}
	for _, li := range f.LineItems {
		b.LineItems = append(b.LineItems, lineItemBody(li))
	}
	return b
}
