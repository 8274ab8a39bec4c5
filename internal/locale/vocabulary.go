package locale

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Language is the vocabulary of receipts printed in one language. Every
// word is written upper-cased and folded (Fold).
type Language struct {
	Code   string         `json:"code"`
	Months map[string]int `json:"months"`
	Vocabulary
}

// Vocabulary holds the words the parser reads receipts by, in one or more
// languages. Unless a comment says otherwise, a word is found anywhere in
// a line, inside other words too.
type Vocabulary struct {
	// Total are the words that label the total ("TOTAL", "SUMME",
	// "TOPLAM"), found as whole words, a word of five letters or more
	// even with one letter misread.
	Total []string `json:"total"`
	// SubtotalPrefixes, as the word before a total word, make it a
	// subtotal ("SUB TOTAL", OCR's "SUD TOTAL").
	SubtotalPrefixes []string `json:"subtotalPrefixes"`
	// Subtotal label the subtotal on their own ("ZWISCHENSUMME").
	Subtotal []string `json:"subtotal"`
	// Due label the amount due without a total word ("AMOUNT DUE",
	// "ZU ZAHLEN").
	Due []string `json:"due"`
	// Final, beside a total word, make it the last word on what is paid
	// (rounded, nett, payable); FinalWords the same, as whole words.
	Final      []string `json:"final"`
	FinalWords []string `json:"finalWords"`
	// Other, beside a total word, make it something else than money due
	// (quantities, savings, cash tendered).
	Other []string `json:"other"`
	// Excl mark an amount before tax, Incl one that includes it.
	Excl []string `json:"excl"`
	Incl []string `json:"incl"`
	// Mention, after a total word, say a tax beside it is only mentioned
	// ("TOTAL INC GST"), not that the amount is the tax.
	Mention []string `json:"mention"`
	// In, as the word just before a total word, makes the amount a part
	// of the total ("included in total").
	In []string `json:"in"`
	// Rounding mark a rounding adjustment.
	Rounding []string `json:"rounding"`
	// Summary start a tax summary table.
	Summary []string `json:"summary"`
	// Supplies name the goods of one tax rate in a tax summary
	// ("Total 6% supplies"); ZeroRated say no tax is charged on them.
	Supplies    []string `json:"supplies"`
	SupplyKinds []string `json:"supplyKinds"`
	ZeroRated   []string `json:"zeroRated"`
	// Cash and PaymentWords, as whole words, and PaymentStems, anywhere,
	// record how the customer paid; Cash is money handed over.
	Cash         []string `json:"cash"`
	PaymentWords []string `json:"paymentWords"`
	PaymentStems []string `json:"paymentStems"`
	// Change is what was given back.
	Change []string `json:"change"`
	// Tax name a tax in general ("TAX"), anywhere; TaxStarts, as the
	// start of the word after a total label, make it the total of a tax
	// ("UKUPAN IZNOS POREZA").
	Tax       []string `json:"tax"`
	TaxStarts []string `json:"taxStarts"`
	// Registration mark a registration number or a document's number,
	// whose digits are not money.
	Registration []string `json:"registration"`
	// DateLabels label the date of the receipt; OtherDates name dates that
	// are not the day of the purchase (expiry, printing).
	DateLabels []string `json:"dateLabels"`
	OtherDates []string `json:"otherDates"`
	// ItemHeader, as whole words, mark a table header or a money line,
	// never an item; TableHeader, two of them on a line, the items
	// table's header.
	ItemHeader  []string `json:"itemHeader"`
	TableHeader []string `json:"tableHeader"`
	// ItemCodes are units and codes printed beside items.
	ItemCodes []string `json:"itemCodes"`
	// The words of the header, as whole words: Business mark a business's
	// name, LegalSuffixes words found only in one, Address a street
	// address, Contact the contact and registration block, Titles the
	// document's title, Notices store policy and slogans.
	Business      []string `json:"business"`
	LegalSuffixes []string `json:"legalSuffixes"`
	Address       []string `json:"address"`
	// AddressSuffixes end the compound words that name streets
	// ("POHLWEG", "HAUPTSTRASSE"): with a house number, a street address.
	AddressSuffixes []string `json:"addressSuffixes"`
	Contact         []string `json:"contact"`
	Titles          []string `json:"titles"`
	Notices         []string `json:"notices"`
	// Trade and Names are words that business names are made of: a misread
	// word of a name is corrected to one of them.
	Trade []string `json:"trade"`
	Names []string `json:"names"`
	// Evidence are words that tell the language, as whole words.
	Evidence []string `json:"evidence"`

	// months maps month names and abbreviations to month numbers.
	months map[string]int
}

// Month returns the number of a month's name or abbreviation.
func (v *Vocabulary) Month(name string) (int, bool) {
	m, ok := v.months[name]
	return m, ok
}

// Lang returns the vocabulary of one language by its code ("de").
func Lang(code string) (*Language, bool) {
	l, ok := loaded().languages[code]
	return l, ok
}

func loadLanguages() (map[string]*Language, error) {
	files, err := data.ReadDir("data/languages")
	if err != nil {
		return nil, fmt.Errorf("locale: %w", err)
	}
	out := map[string]*Language{}
	for _, f := range files {
		var l Language
		if err := decode("data/languages/"+f.Name(), &l); err != nil {
			return nil, err
		}
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("locale: %s: %w", f.Name(), err)
		}
		out[l.Code] = &l
	}
	return out, nil
}

// check makes sure every word is written as Fold writes it, so that it
// can be found in folded text.
func (l *Language) check() error {
	for name, m := range l.Months {
		if Fold(name) != name || m < 1 || m > 12 {
			return fmt.Errorf("month %q %d: want a folded name and 1 to 12", name, m)
		}
	}
	v := reflect.ValueOf(l.Vocabulary)
	for i := range v.NumField() {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		words, ok := v.Field(i).Interface().([]string)
		if !ok {
			continue
		}
		for _, w := range words {
			if w == "" || Fold(w) != w {
				return fmt.Errorf("%s: %q: write it upper-cased and folded, %q", v.Type().Field(i).Name, w, Fold(w))
			}
		}
	}
	return nil
}

// merge joins the vocabularies of the named languages, in order, without
// repeating a word.
func merge(langs map[string]*Language, codes []string) *Vocabulary {
	out := &Vocabulary{months: map[string]int{}}
	dst := reflect.ValueOf(out).Elem()
	for _, c := range codes {
		l := langs[c]
		src := reflect.ValueOf(l.Vocabulary)
		for i := range src.NumField() {
			if !src.Type().Field(i).IsExported() {
				continue
			}
			words, ok := src.Field(i).Interface().([]string)
			if !ok {
				continue
			}
			have := dst.Field(i).Interface().([]string)
			for _, w := range words {
				if !slices.Contains(have, w) {
					have = append(have, w)
				}
			}
			dst.Field(i).Set(reflect.ValueOf(have))
		}
		for name, m := range l.Months {
			if _, ok := out.months[name]; !ok {
				out.months[name] = m
			}
		}
	}
	return out
}

// strictJSON decodes b into v, refusing unknown keys and trailing data, so
// a misspelt key in a profile is an error rather than a silent gap.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// Has reports whether any of words occurs in up.
func Has(up string, words []string) bool {
	for _, w := range words {
		if strings.Contains(up, w) {
			return true
		}
	}
	return false
}
