package extract

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
var countryMarks = []struct {
	mark, code string
}{
	{"SDN BHD", "MYR"}, {"SDN. BHD", "MYR"}, {"SDN.BHD", "MYR"}, {"MALAYSIA", "MYR"},
	{"SELANGOR", "MYR"}, {"KUALA LUMPUR", "MYR"}, {"JOHOR", "MYR"}, {"PULAU PINANG", "MYR"},
	{"PENANG", "MYR"}, {"PERAK", "MYR"}, {"SABAH", "MYR"}, {"SARAWAK", "MYR"},
	{"MELAKA", "MYR"}, {"PAHANG", "MYR"}, {"KEDAH", "MYR"}, {"KELANTAN", "MYR"},
	{"TERENGGANU", "MYR"}, {"NEGERI SEMBILAN", "MYR"}, {"PUTRAJAYA", "MYR"},
	{"SEKSYEN", "MYR"}, {"SHAH AL", "MYR"}, {"PETALING", "MYR"}, {"CHERAS", "MYR"},
	{"PUCHONG", "MYR"}, {"KLANG", "MYR"}, {"KAJANG", "MYR"}, {"SUBANG", "MYR"},
	{"SRBIJA", "RSD"}, {"BEOGRAD", "RSD"}, {"NOVI SAD", "RSD"},
	{"СРБИЈА", "RSD"}, {"БЕОГРАД", "RSD"}, {"НОВИ САД", "RSD"},
	{"UNITED KINGDOM", "GBP"}, {"LONDON", "GBP"},
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
			if strings.Contains(l.up, c.mark) {
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
