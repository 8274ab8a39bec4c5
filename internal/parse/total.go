package parse

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// moneyKind is what a labelled amount on a receipt means.
type moneyKind int

const (
	kindNone     moneyKind = iota // not a money label
	kindTotal                     // the amount due
	kindFinal                     // explicitly the last word: rounded, nett, payable
	kindSubtotal                  // before tax, rounding or charges
	kindTax                       // the tax itself
	kindOther                     // quantities, savings, cash tendered
)

// labelled is an amount found next to a label.
type labelled struct {
	kind    moneyKind
	amt     amount
	line    int
	summary bool // inside a tax summary table
	sub     bool // labelled SUBTOTAL, not "total excl. tax"
	incl    bool // the label says tax is included
	rounded bool // the label says the amount is a rounding of the total
	count   int  // amounts after the label on its line
	// rowTax is the tax of the net and tax amounts the label's row
	// prints side by side, when its rate proves them.
	rowTax amount
}

// receiptMoney holds what the money lines of a receipt say.
type receiptMoney struct {
	labels   []labelled
	rounding []amount // rounding adjustments
	payments []amount // cash, card and the like
	cash     []amount
	change   []amount
	itemVals map[int64]bool // amounts printed among the items
	taxLines []amount       // amounts on tax lines that have no TOTAL
	taxRows  []amount       // amount excluding tax plus tax, where the rate proves the pair
	taxParts []amount       // the tax of those rows
	itemsTo  int            // first line with a total: where items end
	decimals int            // how many decimals the receipt's amounts have
	// roundingPrinted: a line speaks of rounding, whether or not its
	// amount could be read.
	roundingPrinted bool
	// zeroRated: goods without tax are printed (a ZR code, 0%, exempt).
	zeroRated bool
	// printed are the amounts printed as a total, subtotal or payment,
	// and cash less change (printedAmounts): what roundedBy keeps off
	// the cash rounding's steps. Filled by pickTotal.
	printed map[int64]bool
	// currency is the receipt's currency, "" when unknown.
	currency string
}

// readMoney labels the money lines of a receipt.
func (l *loc) readMoney(lines []textLine) receiptMoney {
	var m receiptMoney
	inSummary := false
	for i, ln := range lines {
		if containsAny(ln.up, l.v.Summary...) {
			inSummary = true
		}
		if !inSummary && anyWordStarting(ln.up, l.v.Rounding) {
			m.roundingPrinted = true
		}
		if anyWord(ln.up, l.zeroRated) || anyWordStarting(ln.up, l.v.ZeroRated) || strings.Contains(ln.up, " 0%") {
			m.zeroRated = true
		}
		found := l.labelsInLine(lines, i)
		for k := range found {
			// "Total : 20.00 1.20" whose second amount is the tax on the
			// first: a tax summary's total row, even when the summary's
			// title is misread.
			_, tax, pair := l.taxPair(ln.up)
			found[k].summary = inSummary || found[k].count >= 2 && pair
			if pair {
				found[k].rowTax = tax
			}
		}
		m.labels = append(m.labels, found...)
		if len(found) > 0 || inSummary {
			continue
		}
		l.readUnlabelled(&m, ln, i)
	}
	m.taxRows, m.taxParts = l.taxRows(lines)
	m.itemsTo = len(lines)
	for _, lb := range m.labels {
		// A TOTAL without an amount may be a column of the items table.
		if (lb.kind == kindTotal || lb.kind == kindFinal || lb.kind == kindSubtotal) && lb.amt.text != "" {
			m.itemsTo = lb.line
			break
		}
	}
	m.decimals = l.usualDecimals(lines)
	m.itemVals = map[int64]bool{}
	for _, ln := range lines[:m.itemsTo] {
		for _, a := range l.moneyAmounts(ln.up) {
			if !a.neg && !a.isInteger() {
				m.itemVals[a.units] = true
			}
		}
	}
	return m
}

// usualDecimals returns the number of decimals most of the receipt's
// amounts have, or 0 when none has any. An amount written otherwise
// ("5.0" among "5.00"s) has likely lost a digit to OCR.
func (l *loc) usualDecimals(lines []textLine) int {
	var count [5]int
	for _, ln := range lines {
		for _, a := range l.moneyAmounts(ln.up) {
			if a.decimals > 0 && a.decimals < len(count) {
				count[a.decimals]++
			}
		}
	}
	best := 0
	for d := 1; d < len(count); d++ {
		if count[d] > count[best] {
			best = d
		}
	}
	return best
}

// readUnlabelled notes rounding, payment, change and tax lines: lines that
// carry no TOTAL label but help decide which total is right.
func (l *loc) readUnlabelled(m *receiptMoney, ln textLine, i int) {
	a, ok := l.lastAmount(ln.up)
	if !ok || a.isInteger() {
		return
	}
	a.conf = ln.confIn(a.start, a.end)
	switch {
	case containsAny(ln.up, l.v.Rounding...):
		if a.units > -amountScale && a.units < amountScale {
			m.rounding = append(m.rounding, a)
		} else if !a.neg {
			// "Rounding 72.75": the rounded total itself.
			m.labels = append(m.labels, labelled{kind: kindFinal, amt: a, line: i, rounded: true, count: 1})
		}
	case containsAny(ln.up, l.v.Change...):
		m.change = append(m.change, a)
	case l.isPaymentLine(ln.up):
		m.payments = append(m.payments, a)
		if anyWord(ln.up, l.v.Cash) {
			m.cash = append(m.cash, a)
		}
	case l.hasTaxWord(ln.up) && !l.isRegistration(ln.up):
		m.taxLines = append(m.taxLines, a)
	}
}

// isPaymentLine reports a line recording how the customer paid.
func (l *loc) isPaymentLine(up string) bool {
	return anyWord(up, l.v.PaymentWords) || containsAny(up, l.v.PaymentStems...)
}

// isRegistration reports a tax registration number or document title,
// whose digits are not money.
func (l *loc) isRegistration(up string) bool {
	return containsAny(up, l.v.Registration...)
}

// labelsInLine finds the TOTAL-like labels of line i and their amounts.
func (l *loc) labelsInLine(lines []textLine, i int) []labelled {
	up := lines[i].up
	occ := l.findTotals(up)
	amts := l.moneyAmounts(up)
	if len(occ) == 0 {
		return l.dueLabelInLine(lines, i, amts)
	}
	var out []labelled
	prevEnd := 0
	for k, o := range occ {
		segEnd := len(up)
		if k+1 < len(occ) {
			segEnd = occ[k+1].start
		}
		seg := amountsIn(amts, o.end, segEnd)
		labelEnd := segEnd
		if len(seg) > 0 {
			labelEnd = seg[0].start
		}
		before, label := up[prevEnd:o.start], up[o.end:labelEnd]
		lb := labelled{line: i, count: len(seg)}
		lb.kind = l.classifyTotal(o.sub, before, label)
		lb.sub = lb.kind == kindSubtotal && (o.sub || l.isSubWord(lastToken(before)))
		lb.incl = containsAny(label, l.v.Incl...)
		lb.rounded = containsAny(lastToken(before)+" "+label, l.v.Rounding...)
		if len(seg) > 0 {
			lb.amt = seg[len(seg)-1]
			lb.amt.conf = lines[i].confIn(lb.amt.start, lb.amt.end)
		} else if k == len(occ)-1 {
			lb.amt, _ = l.amountBelow(lines, i)
		}
		out = append(out, lb)
		prevEnd = o.end
	}
	return out
}

// dueLabelInLine handles labels such as "AMOUNT DUE" that lack TOTAL.
func (l *loc) dueLabelInLine(lines []textLine, i int, amts []amount) []labelled {
	up := lines[i].up
	for _, w := range l.v.Due {
		k := strings.Index(up, w)
		if k < 0 {
			// A scan that cuts the left edge cuts the first letter of
			// the label that starts a line ("купан износ" for "укупан").
			_, size := utf8.DecodeRuneInString(w)
			if cut := w[size:]; utf8.RuneCountInString(cut) >= 4 && strings.HasPrefix(up, cut) {
				k, w = 0, cut
			}
		}
		if k < 0 || l.startsWithTax(up[k+len(w):]) {
			continue // "UKUPAN IZNOS POREZA" is the total of the tax
		}
		lb := labelled{kind: kindFinal, line: i}
		if seg := amountsIn(amts, k+len(w), len(up)); len(seg) > 0 {
			lb.amt = seg[len(seg)-1]
			lb.amt.conf = lines[i].confIn(lb.amt.start, lb.amt.end)
		} else {
			lb.amt, _ = l.amountBelow(lines, i)
		}
		return []labelled{lb}
	}
	return nil
}

// startsWithTax reports whether the first word of s names a tax.
func (l *loc) startsWithTax(s string) bool {
	f := strings.Fields(s)
	if len(f) == 0 {
		return false
	}
	// TaxStarts are how a tax's name starts ("POR" of "POREZA"): its end
	// is often misread ("ПОРАЗА").
	for _, t := range l.v.TaxStarts {
		if strings.HasPrefix(f[0], t) {
			return true
		}
	}
	return l.hasTaxWord(f[0])
}

// amountsIn returns the amounts lying within [from, to).
func amountsIn(amts []amount, from, to int) []amount {
	var out []amount
	for _, a := range amts {
		if a.start >= from && a.end <= to {
			out = append(out, a)
		}
	}
	return out
}

// classifyTotal decides what a TOTAL means from the text before it on the
// line and the label after it.
func (l *loc) classifyTotal(sub bool, before, label string) moneyKind {
	tok := lastToken(before)
	ctx := tok + " " + label
	switch {
	case sub || l.isSubWord(tok):
		return kindSubtotal
	case containsAny(ctx, l.v.Other...):
		return kindOther
	case l.hasTaxWord(before):
		// "GST @6% included in total": the tax, not the total.
		return kindTax
	case slices.Contains(l.v.In, tok):
		// "... included in total": a part of the total, not the total.
		return kindOther
	case containsAny(ctx, l.v.Excl...):
		return kindSubtotal
	case containsAny(label, l.v.Supplies...) && (strings.Contains(label, "%") || containsAny(label, l.v.SupplyKinds...)):
		// "Total 0% supplies", "Total standard rated supplies": the
		// goods of one tax rate, a part of the total. Without a rate,
		// "TOTAL SUPPLIES" may be all there is.
		return kindOther
	case containsAny(ctx, l.v.Final...) || anyWord(ctx, l.v.FinalWords):
		// "Total After Adj Incl GST": the tax is only mentioned.
		return kindFinal
	case l.hasTaxWord(label) && !containsAny(label, l.v.Mention...):
		return kindTax
	}
	return kindTotal
}

// isSubWord reports a subtotal prefix before a total word, as printed or
// misread ("SUB", "SUD").
func (l *loc) isSubWord(tok string) bool {
	tok = strings.TrimRight(tok, "-_. ")
	return slices.Contains(l.v.SubtotalPrefixes, tok)
}

// lastToken returns the last space-separated token of s.
func lastToken(s string) string {
	s = strings.TrimSpace(s)
	if k := strings.LastIndexByte(s, ' '); k >= 0 {
		return s[k+1:]
	}
	return s
}

// amountBelow reads an amount printed under its label: the next non-empty
// line, when it holds nothing but that one amount ("9.60", "RM 41.95"). A
// line with several amounts is a table row, not a label's value.
func (l *loc) amountBelow(lines []textLine, i int) (amount, bool) {
	for j := i + 1; j < len(lines) && j <= i+3; j++ {
		if lines[j].up == "" {
			continue
		}
		if len(l.moneyAmounts(lines[j].up)) != 1 || l.isPaymentLine(lines[j].up) || containsAny(lines[j].up, l.v.Change...) {
			// "Total" / "Bar 2,00": the amount below is what was paid.
			return amount{}, false
		}
		a, ok := l.amountOnly(lines[j].up)
		a.conf = lines[j].confIn(a.start, a.end)
		return a, ok
	}
	return amount{}, false
}

// amountOnly returns the last amount of a line made of amounts and at most
// one short word, such as a currency code.
func (l *loc) amountOnly(up string) (amount, bool) {
	amts := l.moneyAmounts(up)
	if len(amts) == 0 || amts[len(amts)-1].isInteger() {
		return amount{}, false
	}
	words, pos := 0, 0
	for _, a := range amts {
		for _, w := range strings.FieldsFunc(up[pos:a.start], notLetter) {
			words++
			if words > 1 || len(w) > 3 {
				return amount{}, false
			}
		}
		pos = a.end
	}
	for _, w := range strings.FieldsFunc(up[pos:], notLetter) {
		words++
		if words > 1 || len(w) > 3 {
			return amount{}, false
		}
	}
	return amts[len(amts)-1], true
}

// notLetter splits text into ASCII words.
func notLetter(r rune) bool { return r > 0x7f || !isLetter(byte(r)) }

// subtotal is the amount before tax.
type subtotal struct {
	amt         amount
	taxIncluded bool // the subtotal already includes any tax
	labelled    bool // labelled SUBTOTAL, not "total excl. tax"
}

// pickSubtotal returns the first SUBTOTAL amount, else the first total
// excluding tax, skipping amounts written unlike the receipt's others.
func (l *loc) pickSubtotal(m receiptMoney) (subtotal, bool) {
	var excl *labelled
	for k, lb := range m.labels {
		if lb.summary || lb.kind != kindSubtotal || lb.amt.text == "" || lb.amt.neg || lb.amt.decimals != m.decimals {
			continue
		}
		if lb.sub {
			return subtotal{amt: lb.amt, taxIncluded: subIncludesTax(m, lb), labelled: true}, true
		}
		if excl == nil {
			excl = &m.labels[k]
		}
	}
	if excl != nil {
		return subtotal{amt: excl.amt}, true
	}
	return subtotal{}, false
}

// subIncludesTax reports whether a subtotal can be the total: its label
// says tax is included, or the receipt shows no tax at all.
func subIncludesTax(m receiptMoney, lb labelled) bool {
	return lb.incl || len(m.taxLines) == 0 && !hasTaxLabel(m)
}

// hasTaxLabel reports a TOTAL-labelled tax line.
func hasTaxLabel(m receiptMoney) bool {
	for _, lb := range m.labels {
		if lb.kind == kindTax && !lb.summary {
			return true
		}
	}
	return false
}

// cashLessChange computes the amount paid from the cash handed over (the
// largest cash amount: others may repeat the total) and the change given
// back, when both are printed.
func cashLessChange(m receiptMoney) (amount, bool) {
	if len(m.cash) == 0 || len(m.change) == 0 {
		return amount{}, false
	}
	c := m.cash[0]
	for _, x := range m.cash {
		if x.units > c.units {
			c = x
		}
	}
	ch := m.change[0]
	v := c.units - ch.units
	if ch.neg || v <= 0 {
		return amount{}, false
	}
	return amount{text: formatUnits(v, max(c.decimals, ch.decimals)), units: v, decimals: max(c.decimals, ch.decimals)}, true
}

// pickTax returns the tax: a "total tax" line, else a tax line, else the
// total row of the tax summary. A tax not below the total is a misreading.
func (l *loc) pickTax(m receiptMoney, total amount, hasTotal bool) string {
	var cands []amount
	for _, lb := range m.labels {
		if lb.kind == kindTax && !lb.summary && lb.amt.text != "" {
			cands = append(cands, lb.amt)
		}
	}
	cands = append(cands, m.taxLines...)
	cands = append(cands, summaryTax(m)...)
	cands = append(cands, m.taxParts...)
	for _, c := range cands {
		if c.neg || c.decimals != m.decimals || c.isInteger() || hasTotal && c.units >= total.units {
			continue
		}
		return c.text
	}
	return ""
}

// summaryTax returns the tax column of a summary's total row.
func summaryTax(m receiptMoney) []amount {
	var out []amount
	for _, lb := range m.labels {
		if lb.summary && lb.kind == kindTotal && lb.count >= 2 {
			if lb.rowTax.text != "" {
				out = append(out, lb.rowTax) // "Total 1,64 0,31 1,95": the middle one
				continue
			}
			out = append(out, lb.amt)
		}
	}
	return out
}
