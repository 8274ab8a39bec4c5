package store

import "github.com/receipts-api/receipts/internal/receipt"

// fields is receipt.Fields as a DynamoDB map.
type fields struct {
	Vendor      string             `dynamodbav:"vendor,omitempty"`
	Address     string             `dynamodbav:"address,omitempty"`
	Date        string             `dynamodbav:"date,omitempty"`
	Total       string             `dynamodbav:"total,omitempty"`
	Subtotal    string             `dynamodbav:"subtotal,omitempty"`
	Tax         string             `dynamodbav:"tax,omitempty"`
	Currency    string             `dynamodbav:"currency,omitempty"`
	Country     string             `dynamodbav:"country,omitempty"`
	LineItems   []lineItem         `dynamodbav:"lineItems,omitempty"`
	Identifiers map[string]string  `dynamodbav:"identifiers,omitempty"`
	Confidence  map[string]float64 `dynamodbav:"confidence,omitempty"`
	Warnings    []string           `dynamodbav:"warnings,omitempty"`
}

type lineItem struct {
	Description string `dynamodbav:"description,omitempty"`
	Quantity    string `dynamodbav:"quantity,omitempty"`
	UnitPrice   string `dynamodbav:"unitPrice,omitempty"`
	Amount      string `dynamodbav:"amount,omitempty"`
}

func fieldsItem(f receipt.Fields) *fields {
	if f.IsZero() {
		return nil
	}
	out := &fields{
		Vendor: f.Vendor, Address: f.Address, Date: f.Date, Total: f.Total,
		Subtotal: f.Subtotal, Tax: f.Tax, Currency: f.Currency, Country: f.Country, Confidence: f.Confidence,
		Warnings: f.Warnings, Identifiers: f.Identifiers,
	}
	for _, li := range f.LineItems {
		out.LineItems = append(out.LineItems, lineItem(li))
	}
	return out
}

func (f *fields) domain() receipt.Fields {
	if f == nil {
		return receipt.Fields{}
	}
	out := receipt.Fields{
		Vendor: f.Vendor, Address: f.Address, Date: f.Date, Total: f.Total,
		Subtotal: f.Subtotal, Tax: f.Tax, Currency: f.Currency, Country: f.Country, Confidence: f.Confidence,
		Warnings: f.Warnings, Identifiers: f.Identifiers,
	}
	for _, li := range f.LineItems {
		out.LineItems = append(out.LineItems, receipt.LineItem(li))
	}
	return out
}
