package parse

import "strings"

// currencyMarks are words and symbols that name a currency. Each use
// counts as one vote.
var currencyMarks = []struct {
	mark, code string
	word       bool // must stand alone as a word, not inside one
}{
	{"RM", "MYR", true}, {"MYR", "MYR", true}, {"RINGGIT", "MYR", true},
	{"€", "EUR", false}, {"EUR", "EUR", true}, {"EURO", "EUR", true},
	{"£", "GBP", false}, {"GBP", "GBP", true},
	{"RSD", "RSD", true}, {"DIN", "RSD", true}, {"ДИН", "RSD", false},
	{"USD", "USD", true}, {"US$", "USD", true},
	{"SGD", "SGD", true}, {"S$", "SGD", true},
	{"AUD", "AUD", true}, {"CAD", "CAD", true}, {"CHF", "CHF", true},
	{"IDR", "IDR", true}, {"INR", "INR", true}, {"₹", "INR", false},
}

// countryMarks tie a receipt to a country, and so to its currency. They
// outweigh a few stray symbols, which OCR invents ("£4.00" for "24.00").
// Marks with word set count only as whole words: a town's name may be a
// syllable of another language's words ("KLANGWERK").
var countryMarks = []struct {
	mark, code string
	word       bool
}{
	{"SDN BHD", "MYR", false}, {"SDN. BHD", "MYR", false}, {"SDN.BHD", "MYR", false}, {"MALAYSIA", "MYR", false},
	{"SELANGOR", "MYR", false}, {"KUALA LUMPUR", "MYR", false}, {"JOHOR", "MYR", false}, {"PULAU PINANG", "MYR", false},
	{"PENANG", "MYR", false}, {"PERAK", "MYR", false}, {"SABAH", "MYR", false}, {"SARAWAK", "MYR", false},
	{"MELAKA", "MYR", false}, {"PAHANG", "MYR", false}, {"KEDAH", "MYR", false}, {"KELANTAN", "MYR", false},
	{"TERENGGANU", "MYR", false}, {"NEGERI SEMBILAN", "MYR", false}, {"PUTRAJAYA", "MYR", false},
	{"SEKSYEN", "MYR", true}, {"SHAH AL", "MYR", false}, {"PETALING", "MYR", true}, {"CHERAS", "MYR", true},
	{"PUCHONG", "MYR", true}, {"KLANG", "MYR", true}, {"KAJANG", "MYR", true}, {"SUBANG", "MYR", true},
	{"SRBIJA", "RSD", false}, {"BEOGRAD", "RSD", false}, {"NOVI SAD", "RSD", false},
	{"СРБИЈА", "RSD", false}, {"БЕОГРАД", "RSD", false}, {"НОВИ САД", "RSD", false},
	{"UNITED KINGDOM", "GBP", false}, {"LONDON", "GBP", false},
}

// countryWeight is what one country mark is worth against symbol votes.
const countryWeight = 3

// parseCurrency returns the ISO 4217 code the receipt's amounts are in.
// Codes and unambiguous symbols vote; the country a receipt's address or
// company form reveals votes more. "$" alone is many currencies, so it
// means USD only when nothing else speaks.
func parseCurrency(lines []textLine) string {
	votes := map[string]int{}
	countries := map[string]bool{}
	dollar := false
	for _, l := range lines {
		for _, c := range currencyMarks {
			votes[c.code] += countMark(l.up, c.mark, c.word)
		}
		for _, c := range countryMarks {
			if countMark(l.up, c.mark, c.word) > 0 {
				countries[c.code] = true
			}
		}
		dollar = dollar || strings.Contains(l.up, "$")
	}
	for code := range countries {
		votes[code] += countryWeight
	}
	win, top, ties := "", 0, 0
	for code, n := range votes {
		switch {
		case n > top:
			win, top, ties = code, n, 1
		case n == top && n > 0:
			ties++
		}
	}
	if top > 0 && ties == 1 {
		return win
	}
	if top == 0 && dollar {
		return "USD"
	}
	return ""
}

// countMark counts mark in up; word marks must not touch letters (digits
// may follow: "RM8.50").
func countMark(up, mark string, word bool) int {
	if !word {
		return strings.Count(up, mark)
	}
	n := 0
	for i := 0; ; {
		k := strings.Index(up[i:], mark)
		if k < 0 {
			return n
		}
		k += i
		end := k + len(mark)
		if (k == 0 || !isLetter(up[k-1])) && (end == len(up) || !isLetter(up[end])) {
			n++
		}
		i = end
	}
}
