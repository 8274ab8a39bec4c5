package parse

import (
	"regexp"
	"slices"
	"strings"

	"github.com/receipts-api/receipts/internal/receipt"
)

// relation is a total computed from other lines, kept to explain a
// disagreement.
type relation struct {
	ev   evidence
	name string // "cash less change"
	what string // how a warning states it: "cash less change is"
	amt  amount
}

// relations computes the totals the receipt's other lines imply.
func (l *loc) relations(m receiptMoney, items []amount) []relation {
	var out []relation
	if c, ok := cashLessChange(m); ok {
		out = append(out, relation{evCashChange, "cash less change", "cash less change is", c})
	}
	if sub, ok := l.pickSubtotal(m); ok && sub.labelled && !sub.taxIncluded {
		for _, t := range distinct(taxAmounts(m), maxTaxes) {
			if t.units > 0 && t.units < sub.amt.units {
				out = append(out, relation{evSubtotalTax, "subtotal plus tax", "subtotal plus tax is", amountOf(sub.amt.units+t.units, sub.amt.decimals)})
				break
			}
		}
	}
	for _, r := range m.taxRows {
		out = append(out, relation{evTaxSummary, "the tax summary", "tax summary adds up to", r})
		break
	}
	if len(items) >= 2 {
		var sum int64
		for _, a := range items {
			sum += a.units
		}
		out = append(out, relation{evItems, "the line items", "line items sum to", amountOf(sum, items[0].decimals)})
	}
	return out
}

// taxAmounts lists the tax amounts printed outside summaries.
func taxAmounts(m receiptMoney) []amount {
	var out []amount
	for _, lb := range m.labels {
		if lb.kind == kindTax && !lb.summary && lb.amt.text != "" && !lb.amt.neg {
			out = append(out, lb.amt)
		}
	}
	return append(out, m.taxLines...)
}

// taxRows finds pairs of an amount excluding tax and its tax, printed side
// by side on a tax line, whose ratio is the line's rate (or one of the
// country's rates): their sum is the total including tax. The largest
// such sum is the summary's total row.
func (l *loc) taxRows(lines []textLine) (rows, taxes []amount) {
	var best, bestTax amount
	byRate := map[int64][2]int64{} // the first row of each rate printed: its sum and its tax
	for _, ln := range lines {
		// A summary's total row may carry only TOTAL ("Total : 20.00 1.20").
		if !l.hasTaxWord(ln.up) && !anyWord(ln.up, l.summaryCodes()) && !strings.Contains(ln.up, "%") && !containsAny(ln.up, l.v.Total...) {
			continue
		}
		sum, tax, ok := l.taxPair(ln.up)
		if !ok {
			continue
		}
		if sum.units > best.units {
			best, bestTax = sum, tax
		}
		if rate, printed := l.lineRate(ln.up); printed && len(byRate) < maxTaxes {
			if _, seen := byRate[rate]; !seen {
				byRate[rate] = [2]int64{sum.units, tax.units}
			}
		}
	}
	if len(byRate) >= 2 {
		// A row per rate ("B 7% 8,87 0,62 9,49", "C 19% 14,63 2,78
		// 17,41"): together they are the total, and their taxes the tax.
		var all, allTax int64
		for _, v := range byRate {
			all, allTax = all+v[0], allTax+v[1]
		}
		if all > best.units {
			return []amount{amountOf(all, 2)}, []amount{amountOf(allTax, 2)}
		}
	}
	if best.units == 0 {
		if sum, ok := l.suppliesByRate(lines); ok {
			return []amount{sum}, nil
		}
		return nil, nil
	}
	return []amount{best}, []amount{bestTax}
}

// suppliesByRate adds up the totals of the goods of each tax rate, the
// other form of a tax summary ("Total 0% supplies: 19.83", "Total 6%
// supplies (excl. GST): 30.24", "Total 6% supplies (Inc. GST): 32.05"):
// the zero-rated and exempt ones as printed, the taxed ones including
// their tax. A taxed part counts only when a part before tax is printed
// above it and the two differ by the rate's tax, as a tax summary's row
// must; one that does not is a misreading, and nothing is summed. It needs
// a taxed and an untaxed part.
func (l *loc) suppliesByRate(lines []textLine) (amount, bool) {
	var (
		sum            int64
		before         []int64 // taxed parts before tax
		taxed, untaxed bool
	)
	for _, ln := range lines {
		up := ln.up
		if !containsAny(up, l.v.Supplies...) || !containsAny(up, l.v.Total...) {
			continue
		}
		a, ok := l.lastAmount(up)
		if !ok || a.neg || a.decimals != 2 {
			continue
		}
		switch rate, taxedRate := l.lineRate(up); {
		case !taxedRate && (zeroRate.MatchString(up) || containsAny(up, l.v.ZeroRated...)):
			untaxed = true
		case !taxedRate:
			continue
		case containsAny(up, l.v.Excl...):
			if len(before) < maxTaxes {
				before = append(before, a.units)
			}
			continue
		case containsAny(up, l.v.Incl...):
			if !slices.ContainsFunc(before, func(x int64) bool { return taxOf(x, rate, a.units-x) }) {
				return amount{}, false
			}
			taxed = true
		default:
			continue
		}
		sum += a.units
	}
	return amountOf(sum, 2), taxed && untaxed
}

// lineRate is the tax rate a line prints ("6%"), in amount units, when it
// is above zero.
func (l *loc) lineRate(up string) (int64, bool) {
	for _, a := range l.scanAmounts(up) {
		if a.percent && a.units > 0 {
			return a.units, true
		}
	}
	return 0, false
}

// taxOf reports whether tax is rate (in amount units of a percent) of x,
// to the half sen that rounding the tax allows.
func taxOf(x, rate, tax int64) bool {
	d := x*rate/(100*amountScale) - tax
	return tax > 0 && d >= -55 && d <= 55
}

// zeroRate is a rate of 0%, not 10% or 20%.
var zeroRate = regexp.MustCompile(`(?:^|[^0-9.,])0 ?%`)

// taxPair finds, among the amounts of a line, an amount excluding tax
// followed by its tax at the line's rate (or at one of the country's), and
// returns the largest such sum and its tax.
func (l *loc) taxPair(up string) (sum, tax amount, ok bool) {
	all := l.scanAmounts(up)
	rates := l.taxRates
	var money []amount
	for _, a := range all {
		if a.percent {
			rates = []int64{a.units}
		} else if a.decimals == 2 && !a.neg {
			money = append(money, a)
		}
	}
	// A pair whose sum the row prints after it is the row: "1,64 0,31
	// 1,95" is net, tax and gross; the tax of another pair there would be
	// a coincidence of rates.
	for k := 0; k+2 < len(money) && k < maxItemNumbers; k++ {
		if x, y, ok := l.netAndTax(money[k], money[k+1], rates); ok && x.units+y.units == money[k+2].units {
			return amountOf(x.units+y.units, 2), y, true
		}
	}
	for k := 0; k+1 < len(money) && k < maxItemNumbers; k++ {
		if x, y, ok := l.netAndTax(money[k], money[k+1], rates); ok && x.units+y.units > sum.units {
			sum, tax = amountOf(x.units+y.units, 2), y
		}
	}
	return sum, tax, sum.units > 0
}

// netAndTax reports whether two amounts printed side by side are an
// amount before tax and its tax at one of the rates, and which is which.
func (l *loc) netAndTax(x, y amount, rates []int64) (net, tax amount, ok bool) {
	if y.units > x.units && l.taxFirst() {
		x, y = y, x // "A 7 % 0,47 6,69 7,16": tax, then the amount before it
	}
	for _, rate := range rates {
		if y.units < x.units && taxOf(x.units, rate, y.units) {
			return x, y, true
		}
	}
	return amount{}, amount{}, false
}

// taxFirst reports a country whose tax summaries may print a rate's tax
// before the amount it is charged on ("MWST + Netto = Brutto").
func (l *loc) taxFirst() bool { return l.p != nil && l.p.TaxBeforeNet }

// summaryCodes are the item tax codes of two letters or more that also
// start a tax summary's rows ("SR 6% 50.19 3.01").
func (l *loc) summaryCodes() []string {
	var out []string
	for _, c := range l.taxCodes {
		if len(c) >= 2 {
			out = append(out, c)
		}
	}
	return out
}

// itemAmounts reads the amounts of parsed line items.
func (l *loc) itemAmounts(items []receipt.LineItem) []amount {
	var out []amount
	for _, it := range items {
		if a, ok := plainAmount(it.Amount); ok {
			out = append(out, a)
		}
	}
	return out
}

// usualForm writes an amount with the receipt's usual decimals when that
// loses nothing: "177.2000" read beside "177.20" is 177.20.
func usualForm(a amount, decimals int) amount {
	if decimals == 0 || a.decimals == decimals {
		return a
	}
	step := int64(1)
	for range 4 - min(decimals, 4) {
		step *= 10
	}
	if a.units%step == 0 {
		a.text, a.decimals = formatUnits(a.units, decimals), decimals
	}
	return a
}

// taxAtRate finds an amount before tax and a tax printed on lines of their
// own ("Total Sales (Excluding GST) 51.42", "Total GST 3.08") whose ratio
// is one of the country's rates, and returns their sum and the rate. It is not a total by itself
// (zero-rated goods may come on top), but it proves a total read one digit
// off it, on a receipt that shows no zero-rated or exempt goods. An amount
// before tax written without its decimal point ("5142"
// among amounts with two decimals) is read with it when the rate then
// agrees.
func (l *loc) taxAtRate(m receiptMoney) (amount, int64, bool) {
	if m.zeroRated {
		return amount{}, 0, false
	}
	taxes := distinct(taxAmounts(m), maxTaxes)
	for _, lb := range m.labels {
		if lb.kind != kindSubtotal || lb.summary || lb.incl || lb.amt.neg || lb.amt.units <= 0 {
			continue
		}
		x := lb.amt
		switch {
		case x.decimals == m.decimals:
		case m.decimals == 2 && x.isInteger() && len(x.text) >= 3:
			x = amountOf(x.units/100, 2)
		default:
			continue
		}
		for _, t := range taxes {
			for _, rate := range l.taxRates {
				if t.units < x.units && t.decimals == m.decimals && taxOf(x.units, rate, t.units) {
					return amountOf(x.units+t.units, m.decimals), rate, true
				}
			}
		}
	}
	return amount{}, 0, false
}
