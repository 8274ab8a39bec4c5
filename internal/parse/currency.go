package parse

import (
	"strings"

	"github.com/receipts-api/receipts/internal/locale"
)

// countryWeight is what the receipt's country is worth for its own
// currency against the marks of others, which OCR invents ("£4.00" for
// "24.00").
const countryWeight = 3

// currencyVotes counts, for each currency, how often a receipt prints its
// codes and symbols.
func currencyVotes(lines []textLine) map[string]int {
	votes := map[string]int{}
	for _, l := range lines {
		for _, c := range locale.Currencies() {
			for _, s := range c.Symbols {
				votes[c.Code] += strings.Count(l.up, s)
			}
			for _, w := range c.Words {
				votes[c.Code] += countMark(l.up, w, true)
			}
		}
	}
	return votes
}

// parseCurrency returns the ISO 4217 code the receipt's amounts are in.
// Codes and unambiguous symbols vote; the receipt's country votes more for
// its own currency. "$" alone is many currencies, so without a country it
// means USD only when nothing else speaks.
func parseCurrency(lines []textLine, l *loc) string {
	votes := currencyVotes(lines)
	if l.p != nil {
		votes[l.p.Currency] += countryWeight
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
	if top == 0 {
		for _, ln := range lines {
			if strings.Contains(ln.up, "$") {
				return "USD"
			}
		}
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
