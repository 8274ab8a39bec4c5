package extract

import (
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
func relations(m receiptMoney, items []amount) []relation {
	var out []relation
	if c, ok := cashLessChange(m); ok {
		out = append(out, relation{evCashChange, "cash less change", "cash less change is", c})
	}
	if sub, ok := pickSubtotal(m); ok && sub.labelled && !sub.taxIncluded {
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

// defaultTaxRate is the rate a tax line without its own is tried at, in
// percent: Malaysia's GST and SST.
const defaultTaxRate = 6

// taxRows finds pairs of an amount excluding tax and its tax, printed side
// by side on a tax line, whose ratio is the line's rate (or the usual
// one): their sum is the total including tax. The largest such sum is the
// summary's total row.
func taxRows(lines []textLine) []amount {
	var best amount
	for _, l := range lines {
		// A summary's total row may carry only TOTAL ("Total : 20.00 1.20").
		if !hasTaxWord(l.up) && !hasWord(l.up, "SR") && !strings.Contains(l.up, "%") && !strings.Contains(l.up, "TOTAL") {
			continue
		}
		if sum, ok := taxPair(l.up); ok && sum.units > best.units {
			best = sum
		}
	}
	if best.units == 0 {
		return nil
	}
	return []amount{best}
}

// taxPair finds, among the amounts of a line, an amount excluding tax
// followed by its tax at the line's rate (or the usual one), and returns
// the largest such sum.
func taxPair(up string) (amount, bool) {
	all := scanAmounts(up)
	rate := int64(defaultTaxRate * amountScale)
	var money []amount
	for _, a := range all {
		if a.percent {
			rate = a.units
		} else if a.decimals == 2 && !a.neg {
			money = append(money, a)
		}
	}
	var best amount
	for k := 0; k+1 < len(money) && k < maxItemNumbers; k++ {
		x, y := money[k], money[k+1]
		d := x.units*rate/(100*amountScale) - y.units
		if y.units > 0 && y.units < x.units && d >= -55 && d <= 55 && x.units+y.units > best.units {
			best = amountOf(x.units+y.units, 2)
		}
	}
	return best, best.units > 0
}

// itemAmounts reads the amounts of parsed line items.
func itemAmounts(items []receipt.LineItem) []amount {
	var out []amount
	for _, it := range items {
		if a, ok := lastAmount(it.Amount); ok {
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
// is the usual rate, and returns their sum. It is not a total by itself
// (zero-rated goods may come on top), but it proves a total read one digit
// off it, on a receipt that shows no zero-rated or exempt goods. An amount
// before tax written without its decimal point ("5142"
// among amounts with two decimals) is read with it when the rate then
// agrees.
func taxAtRate(m receiptMoney) (amount, bool) {
	if m.zeroRated {
		return amount{}, false
	}
	rate := int64(defaultTaxRate * amountScale)
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
			d := x.units*rate/(100*amountScale) - t.units
			if t.units > 0 && t.units < x.units && t.decimals == m.decimals && d >= -55 && d <= 55 {
				return amountOf(x.units+t.units, m.decimals), true
			}
		}
	}
	return amount{}, false
}
