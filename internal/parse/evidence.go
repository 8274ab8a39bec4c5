package parse

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// evidence is one way a receipt states its total.
type evidence uint16

const (
	evLabel       evidence = 1 << iota // a line labelled TOTAL
	evFinal                            // labelled rounded, nett, payable...
	evRounding                         // a labelled total plus the printed rounding
	evCashChange                       // cash handed over less the change
	evPaid                             // an amount paid by card, cash or otherwise
	evSubtotalTax                      // the subtotal plus the tax
	evTaxSummary                       // amount excluding tax plus tax, the rate agreeing
	evTaxShare                         // a printed tax is its share at the usual rate
	evItems                            // the line items' amounts add up to it
	evAmongItems                       // printed among the items (weak: a one-item receipt)
)

// arithmetic is the evidence that computes a total rather than reads one.
const arithmetic = evRounding | evCashChange | evSubtotalTax | evTaxSummary | evItems

// Weights of the evidence, and adjustments to a label's. A label says what
// an amount should be; agreement with other numbers on the receipt says
// the OCR read it right.
const (
	scoreTotal       = 20  // labelled total
	scoreFinal       = 30  // labelled rounded, nett, payable...
	scoreOddDecimals = -10 // not written like the receipt's other amounts
	scoreInconsist   = -15 // a "rounded" total too far from any total to be a rounding
	scoreArithmetic  = 20  // computed from other lines
	scorePaid        = 20  // equals an amount paid
	scoreItemsSum    = 15  // the items add up to it
	scoreTaxShare    = 15  // a printed tax is its share at the usual rate
	scoreAmongItems  = 5   // equals an amount among the items
	scoreSubtotal    = 10  // computed, and equal to the printed subtotal
)

// maxRoundingUnits is the most a rounding moves a total: a whole unit
// covers rounding to 0.05 and to whole dinars alike.
const maxRoundingUnits = amountScale

// withinRounding reports amounts that a rounding could set apart.
func withinRounding(a, b int64) bool { return a-b >= -maxRoundingUnits && a-b <= maxRoundingUnits }

// Bounds on the candidates weighed: a receipt states its total a few
// times, and the bounds keep the choice linear in the text whatever it
// holds (hostile text may print thousands of totals and roundings).
const (
	maxTotalLabels = 32
	maxRoundings   = 8
	maxTaxes       = 8
)

// totalCand is one value the total may have, with what supports it.
type totalCand struct {
	amt     amount
	line    int // the last line labelling it; -1 when only computed
	labels  int // lines labelling it
	base    int // the best label's score
	rounded bool
	ev      evidence
	score   int
}

// totalResult is the chosen total, how sure we are, and what disagreed.
type totalResult struct {
	amt      amount
	line     int // the line labelling it; -1 when computed
	found    bool
	conf     float64
	warnings []string
	// proved: the label was misread, and the receipt's arithmetic gave
	// the total.
	proved bool
}

// pickTotal chooses the amount paid: the candidate that the most
// independent evidence supports. A labelled total that only its own line
// supports is corrected to a computed one when the two differ in a single
// digit (an OCR misreading that the receipt's arithmetic proves).
func (l *loc) pickTotal(m receiptMoney, items []amount) totalResult {
	m.printed = printedAmounts(m)
	cands := map[int64]*totalCand{}
	var plain []amount
	for _, lb := range m.labels {
		if lb.summary || lb.kind != kindTotal && lb.kind != kindFinal || lb.amt.text == "" || lb.amt.neg || lb.amt.units == 0 {
			continue
		}
		c := cands[lb.amt.units]
		if c == nil {
			if len(cands) >= maxTotalLabels {
				continue
			}
			c = &totalCand{amt: lb.amt, line: lb.line}
			cands[lb.amt.units] = c
		}
		base, ev := scoreTotal, evLabel
		if lb.kind == kindFinal {
			base, ev = scoreFinal, evFinal
		} else if len(plain) < maxTotalLabels && lb.amt.decimals == m.decimals {
			plain = append(plain, lb.amt)
		}
		if lb.amt.decimals != m.decimals {
			base += scoreOddDecimals
		}
		if lb.line != c.line || c.labels == 0 {
			c.labels++
		}
		c.base = max(c.base, base)
		c.line = max(c.line, lb.line)
		c.ev |= ev
		c.rounded = c.rounded || lb.rounded
		c.amt.conf = max(c.amt.conf, lb.amt.conf)
	}
	markInconsistentFinals(cands, plain)
	rels := l.relations(m, items)
	for _, p := range distinct(plain, maxTotalLabels) {
		for _, r := range distinct(m.rounding, maxRoundings) {
			if v := l.roundedBy(m, p.units, r); v > 0 {
				addComputed(cands, amountOf(v, max(p.decimals, r.decimals)), evRounding)
			}
		}
	}
	if m.roundingPrinted && len(m.rounding) == 0 {
		// The rounding's amount is unreadable: each total before it may
		// have been rounded to 5 sen.
		for _, p := range distinct(plain, maxTotalLabels) {
			if r := l.cashRound(m, p.units); r != p.units {
				addComputed(cands, amountOf(r, p.decimals), evRounding)
			}
		}
	}
	for _, p := range roundedSubtotals(m) {
		for _, r := range distinct(m.rounding, maxRoundings) {
			// A zero rounding would make the subtotal a total even where
			// tax is added to it.
			if v := l.roundedBy(m, p.units, r); v > 0 && r.units != 0 {
				addComputed(cands, amountOf(v, max(p.decimals, r.decimals)), evRounding)
			}
		}
	}
	labelled := len(cands) > 0
	// The totals read so far, labels and their roundings: one far from a
	// sum is a misreading that says nothing of how the sum was rounded
	// ("TOTA By, } 3.35" for 153.35).
	read := slices.Collect(maps.Keys(cands))
	labelNear := func(units int64) bool {
		return slices.ContainsFunc(read, func(u int64) bool { return withinRounding(u, units) })
	}
	for _, r := range rels {
		// Without a labelled total, only arithmetic the receipt spells out
		// stands in for one.
		if labelled || r.ev != evItems {
			addComputed(cands, r.amt, r.ev)
		}
		if r.ev == evSubtotalTax || r.ev == evTaxSummary {
			near := labelNear(r.amt.units)
			for _, rd := range distinct(m.rounding, maxRoundings) {
				if rd.units != 0 {
					ev, v := evRounding, l.roundedBy(m, r.amt.units, rd)
					if paid, ok := cashLessChange(m); !near && (!ok || paid.units == v || !withinRounding(paid.units, r.amt.units)) {
						// No total label near the sum: the rounded sum is what
						// the sum's own evidence says was paid, unless cash
						// less change says otherwise (a misread rounding);
						// cash less change far from the sum is a misread
						// of its own and says nothing.
						ev |= r.ev
					}
					addComputed(cands, amountOf(v, r.amt.decimals), ev)
				}
			}
		}
	}
	fits := false
	for _, c := range cands {
		fits = fits || l.taxShare(m, c.amt.units)
	}
	if !fits {
		for _, p := range distinct(m.payments, maxTotalLabels) {
			// No total is one the printed tax is the share of, but an
			// amount paid is: the total, its own label misread.
			if l.taxShare(m, p.units) {
				addComputed(cands, p, evTaxShare)
			}
		}
	}
	l.supersede(m, cands)
	if len(cands) == 0 {
		return l.fallbackTotal(m)
	}
	win := bestCand(m, cands)
	printed, asRead := win.amt.text, withPoint(win.amt, m.decimals)
	win.amt = usualForm(win.amt, m.decimals)
	res := totalResult{amt: win.amt, found: true, line: win.line}
	if r, ok := l.unreadRounding(m, win); ok {
		res.amt, res.conf = r, 0.7*support(win)
		res.warnings = append(res.warnings, fmt.Sprintf("total: %s rounded to %s, the printed rounding unreadable", win.amt.text, r.text))
		return res
	}
	if fix := l.provedCorrection(win, asRead, cands, m); fix != nil {
		res.warnings = append(res.warnings, fmt.Sprintf("total: read as %s, corrected to %s by %s", printed, fix.amt.text, describe(fix.ev, rels)))
		res.amt, res.conf, res.proved = usualForm(fix.amt, m.decimals), 0.6*ocrConf(win.amt), true
		return res
	}
	if fix, rate, ok := l.taxAtRate(m); ok && alone(win, m) && fix.units != win.amt.units && oneDigitApart(win.amt.text, fix.text) {
		res.warnings = append(res.warnings, fmt.Sprintf("total: read as %s, corrected to %s by the amount before tax plus its tax at %s%%", win.amt.text, fix.text, strings.TrimSuffix(strings.TrimRight(formatUnits(rate, 4), "0"), ".")))
		res.amt, res.conf, res.proved = fix, 0.6*ocrConf(win.amt), true
		return res
	}
	res.conf = ocrConf(win.amt) * support(win)
	if l.unrounded(m, win.amt) {
		// "ROUNDING 0.00" says the total needed none: a total between
		// 5-sen steps has a misread digit.
		res.conf *= 0.5
		res.warnings = append(res.warnings, fmt.Sprintf("total: %s is not a multiple of %s, though the printed rounding is 0.00", win.amt.text, l.p.CashRounding))
	}
	for _, r := range rels {
		if r.amt.units != win.amt.units {
			res.warnings = append(res.warnings, fmt.Sprintf("total: %s %s", r.what, r.amt.text))
		}
	}
	if win.ev&(evLabel|evFinal) == 0 {
		res.warnings = append(res.warnings, "total: no labelled total agrees")
	}
	return res
}

// fallbackTotal is used when no line labels a total and nothing computes
// one: the subtotal when no tax is added to it, else the one amount paid.
func (l *loc) fallbackTotal(m receiptMoney) totalResult {
	if sub, ok := l.pickSubtotal(m); ok && sub.taxIncluded {
		return totalResult{amt: sub.amt, found: true, line: -1, conf: 0.5 * ocrConf(sub.amt), warnings: []string{"total: only a subtotal found"}}
	}
	if p := distinct(m.payments, 2); len(p) == 1 && !p[0].neg && p[0].units > 0 && p[0].decimals == m.decimals {
		return totalResult{amt: p[0], found: true, line: -1, conf: 0.4 * ocrConf(p[0]), warnings: []string{"total: only the amount paid found"}}
	}
	return totalResult{line: -1}
}

// scoreSuperseded marks a total that a printed rounding turns into
// another candidate: the amount paid is the rounded one.
const scoreSuperseded = -15

// supersede penalises the totals before a non-zero rounding when the
// rounded amount is itself a candidate.
func (l *loc) supersede(m receiptMoney, cands map[int64]*totalCand) {
	for _, r := range distinct(m.rounding, maxRoundings) {
		if r.units == 0 {
			continue
		}
		for units, c := range cands {
			if v, ok := cands[l.roundedBy(m, units, r)]; ok && v != c && c.ev&evRounding == 0 {
				c.base += scoreSuperseded
			}
		}
	}
}

// distinct returns up to n amounts of distinct value, in order.
func distinct(as []amount, n int) []amount {
	var out []amount
	seen := map[int64]bool{}
	for _, a := range as {
		if len(out) >= n {
			break
		}
		if !seen[a.units] {
			seen[a.units] = true
			out = append(out, a)
		}
	}
	return out
}

// amountOf makes a computed amount.
func amountOf(units int64, decimals int) amount {
	return amount{text: formatUnits(units, decimals), units: units, decimals: decimals}
}

// addComputed records a computed total.
func addComputed(cands map[int64]*totalCand, a amount, ev evidence) {
	if a.units <= 0 {
		return
	}
	c := cands[a.units]
	if c == nil {
		c = &totalCand{amt: a, line: -1}
		cands[a.units] = c
	}
	c.ev |= ev
}

// markInconsistentFinals penalises a rounded total that no rounding of a
// printed total explains: Tesseract misread one of its digits.
func markInconsistentFinals(cands map[int64]*totalCand, plain []amount) {
	if len(plain) == 0 {
		return
	}
	for _, c := range cands {
		if !c.rounded {
			continue
		}
		near := false
		for _, p := range plain {
			near = near || withinRounding(c.amt.units, p.units)
		}
		if !near {
			c.base += scoreInconsist
		}
	}
}

// bestCand scores each candidate and returns the winner: highest score,
// then the stronger label, then the later line.
func bestCand(m receiptMoney, cands map[int64]*totalCand) *totalCand {
	paid, cash := map[int64]bool{}, map[int64]bool{}
	for _, p := range m.payments {
		paid[p.units] = true
	}
	for _, p := range m.cash {
		cash[p.units] = true
	}
	subs := map[int64]bool{}
	for _, lb := range m.labels {
		if lb.kind == kindSubtotal && lb.sub && !lb.summary {
			subs[lb.amt.units] = true
		}
	}
	var win *totalCand
	for _, c := range cands {
		// Cash less no change is the cash line again, not a second
		// statement of the amount.
		if paid[c.amt.units] && !(c.ev&evCashChange != 0 && cash[c.amt.units]) {
			c.ev |= evPaid
		}
		if m.itemVals[c.amt.units] {
			c.ev |= evAmongItems
		}
		c.score = c.base
		for _, e := range []struct {
			ev    evidence
			score int
		}{
			{evRounding, scoreArithmetic}, {evCashChange, scoreArithmetic}, {evSubtotalTax, scoreArithmetic},
			{evTaxSummary, scoreArithmetic}, {evPaid, scorePaid}, {evTaxShare, scoreTaxShare}, {evItems, scoreItemsSum}, {evAmongItems, scoreAmongItems},
		} {
			if c.ev&e.ev != 0 {
				c.score += e.score
			}
		}
		if c.ev&arithmetic != 0 && subs[c.amt.units] {
			// The receipt's arithmetic lands on its subtotal: nothing
			// was added to it.
			c.score += scoreSubtotal
		}
		if win == nil || better(c, win) {
			win = c
		}
	}
	return win
}

// better orders candidates; the last rule only keeps the result
// independent of map order.
func better(a, b *totalCand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.base != b.base {
		return a.base > b.base
	}
	if a.line != b.line {
		return a.line > b.line
	}
	return a.amt.units < b.amt.units
}

// sources counts the independent statements of a candidate.
func sources(c *totalCand) int {
	n := c.labels
	for e := evRounding; e <= evItems; e <<= 1 {
		if c.ev&e != 0 {
			n++
		}
	}
	return n
}

// provedCorrection returns the computed total that corrects the winner,
// when the winner stands on its own label alone and a computed total
// differs from it in exactly one digit.
func (l *loc) provedCorrection(win *totalCand, read string, cands map[int64]*totalCand, m receiptMoney) *totalCand {
	if win.labels != 1 || win.ev&(arithmetic|evPaid) != 0 || l.subtotalPlusTax(m, win.amt.units) {
		return nil // other evidence agrees with what was read: keep it
	}
	var fix *totalCand
	for _, c := range cands {
		ev := c.ev
		if slices.ContainsFunc(m.cash, func(a amount) bool { return a.units == c.amt.units }) {
			// Cash less no change is one reading, which proves nothing.
			ev &^= evCashChange
		}
		if c.labels > 0 || !proves(ev) || read != c.amt.text && !oneDigitApart(read, c.amt.text) && !oneDigitMore(read, c.amt.text) {
			continue
		}
		if m.roundingPrinted && l.cashRound(m, c.amt.units) == win.amt.units {
			// The sum before rounding: the label is the rounded total
			// the receipt says it prints.
			continue
		}
		if fix != nil {
			return nil // two different corrections: nothing is proved
		}
		fix = c
	}
	return fix
}

// withPoint writes a whole amount read on a receipt whose amounts carry
// decimals with its decimal point put back ("5148" among amounts like
// "19.83" is 51.48): Tesseract drops a faint point. Other amounts are
// written as read.
func withPoint(a amount, decimals int) string {
	if a.decimals != 0 || decimals == 0 || len(a.text) <= decimals {
		return a.text
	}
	return a.text[:len(a.text)-decimals] + "." + a.text[len(a.text)-decimals:]
}

// subtotalPlusTax reports whether a printed subtotal of any kind (an
// amount excluding tax too, which is no total candidate of its own) plus a
// printed tax makes units: agreement enough to keep a reading, though not
// to prove another.
func (l *loc) subtotalPlusTax(m receiptMoney, units int64) bool {
	taxes := distinct(taxAmounts(m), maxTaxes)
	for _, lb := range m.labels {
		if lb.summary || lb.kind != kindSubtotal || lb.amt.neg || lb.amt.decimals != m.decimals {
			continue
		}
		for _, t := range taxes {
			if t.units > 0 && lb.amt.units+t.units == units {
				return true
			}
		}
	}
	return false
}

// proves reports evidence strong enough to correct a reading: cash less
// change, or a tax summary whose rate agrees, each closed on itself; or two
// computations agreeing. A subtotal plus tax alone misses service charges
// and discounts.
func proves(ev evidence) bool {
	if ev&(evCashChange|evTaxSummary) != 0 {
		return true
	}
	n := 0
	for e := evRounding; e <= evItems; e <<= 1 {
		if ev&e&arithmetic != 0 {
			n++
		}
	}
	return n >= 2
}

// taxShare reports whether a tax printed outside a summary is the share
// of units that one of the country's rates makes (units x 6/106 at 6%), to
// the cent. A total of goods at one rate has it whether the tax was added
// to their prices or included in them. It pins a total only to a few tens
// of cents, so it tells a misread leading digit, not a cent, and is no
// arithmetic that proves a correction.
func (l *loc) taxShare(m receiptMoney, units int64) bool {
	if m.decimals != 2 || units <= 0 || units > maxShareUnits {
		return false
	}
	const cent = amountScale / 100
	for _, t := range distinct(taxAmounts(m), maxTaxes) {
		for _, r := range l.taxRates {
			if d := units*r/(100*amountScale+r) - t.units; t.units > 0 && t.units < units && d >= -cent && d <= cent {
				return true
			}
		}
	}
	return false
}

// maxShareUnits keeps taxShare's product inside int64.
const maxShareUnits = 1 << 40

// oneDigitApart reports two amounts written alike but for one digit.
func oneDigitApart(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	diff := 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			if !isDigit(a[i]) || !isDigit(b[i]) {
				return false
			}
			diff++
		}
	}
	return diff == 1
}

// oneDigitMore reports two amounts written alike but for one digit that
// one of them lacks: Tesseract drops a faint leading digit ("21.20" read
// as "1.20") and reads a smudge as one ("7.10" as "57.10").
func oneDigitMore(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a) != len(b)+1 {
		return false
	}
	for i := 0; i < len(a); i++ {
		if isDigit(a[i]) && a[:i]+a[i+1:] == b {
			return true
		}
	}
	return false
}

// describe names the arithmetic behind a computed total.
func describe(ev evidence, rels []relation) string {
	var names []string
	for _, r := range rels {
		if ev&r.ev != 0 {
			names = append(names, r.name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "the receipt's arithmetic"
	}
	out := names[0]
	for _, n := range names[1:] {
		out += " and " + n
	}
	return out
}

// support scales the OCR confidence in a total by how many independent
// statements agree with it.
func support(c *totalCand) float64 {
	switch n := sources(c); {
	case n >= 3:
		return 1
	case n == 2:
		return 0.9
	case c.ev&evFinal != 0:
		return 0.75
	}
	return 0.65
}

// ocrConf is the engine's confidence in an amount's digits; computed
// amounts carry none.
func ocrConf(a amount) float64 {
	if a.conf == 0 {
		return 1
	}
	return a.conf
}

// cashRound rounds an amount of two decimals to the step cash totals are
// rounded to in the receipt's country, where the smallest coins are out of
// use (0.05 in Malaysia and the Netherlands); in other countries, and with
// no country known, amounts are returned as they are. It is used only on
// receipts that print a rounding line, which says that the receipt rounds.
func (l *loc) cashRound(m receiptMoney, units int64) int64 {
	if l.cashStep == 0 || m.decimals != 2 || units <= 0 {
		return units
	}
	step := l.cashStep
	return (units + step/2) / step * step
}

// unreadRounding rounds a total that only the sum of its lines supports to
// 0.05 when the receipt prints a rounding whose amount could not be read:
// the sum is the amount before rounding, and what is paid is rounded
// (cash less change is what was paid, so it is left as it is).
func (l *loc) unreadRounding(m receiptMoney, win *totalCand) (amount, bool) {
	if !m.roundingPrinted || len(m.rounding) > 0 || win.ev&(evLabel|evFinal|evPaid|evCashChange) != 0 || win.ev&arithmetic == 0 {
		return amount{}, false
	}
	r := l.cashRound(m, win.amt.units)
	if r == win.amt.units {
		return amount{}, false
	}
	return amountOf(r, m.decimals), true
}

// roundedBy is base with the printed rounding r applied, 0 when that
// cannot be what was paid. Where the country rounds cash, a rounding lands
// on a step of it, so a result between steps means a misread base or
// rounding, except that OCR easily loses a rounding's minus sign ("-0.01"
// read "0.01"): when adding r misses the step that subtracting it lands
// on, r is subtracted. A sum printed as a total, subtotal or payment, or
// made by cash less change, was paid all the same; so is any sum in a
// country that does not round cash, or on a receipt in another currency
// than the country's.
func (l *loc) roundedBy(m receiptMoney, base int64, r amount) int64 {
	v := base + r.units
	if m.decimals != 2 || r.units == 0 || v <= 0 || l.cashRound(m, v) == v || m.printed[v] || m.currency != "" && l.p != nil && m.currency != l.p.Currency {
		return v
	}
	if w := base - r.units; r.units > 0 && !r.neg && w > 0 && l.cashRound(m, w) == w {
		return w
	}
	return 0
}

// printedAmounts are the amounts printed as a total, subtotal or payment
// outside a tax summary, and cash less change.
func printedAmounts(m receiptMoney) map[int64]bool {
	printed := map[int64]bool{}
	for _, lb := range m.labels {
		if !lb.summary && !lb.amt.neg && (lb.kind == kindTotal || lb.kind == kindFinal || lb.kind == kindSubtotal) {
			printed[lb.amt.units] = true
		}
	}
	for _, p := range m.payments {
		if !p.neg {
			printed[p.units] = true
		}
	}
	if paid, ok := cashLessChange(m); ok {
		printed[paid.units] = true
	}
	return printed
}

// roundedSubtotals are subtotals that a printed rounding follows: with the
// rounding they make the total ("SUBTOTAL 41.43, ROUNDING 0.02, SUBTOTAL
// 41.45").
func roundedSubtotals(m receiptMoney) []amount {
	if len(m.rounding) == 0 {
		return nil
	}
	var out []amount
	for _, lb := range m.labels {
		if lb.kind == kindSubtotal && lb.sub && !lb.summary && !lb.amt.neg && lb.amt.units > 0 && lb.amt.decimals == m.decimals {
			out = append(out, lb.amt)
		}
	}
	return distinct(out, maxTotalLabels)
}

// unrounded reports a total that a zero rounding says is already a
// multiple of the country's cash rounding step but is not.
func (l *loc) unrounded(m receiptMoney, a amount) bool {
	if len(m.rounding) == 0 || l.cashRound(m, a.units) == a.units {
		return false
	}
	for _, r := range m.rounding {
		if r.units != 0 {
			return false
		}
	}
	return true
}

// alone reports a total that only its own label states, a rounding of
// 0.00 added to it aside: that restates it rather than agrees with it.
func alone(win *totalCand, m receiptMoney) bool {
	ev := win.ev
	if len(m.rounding) > 0 && !slices.ContainsFunc(m.rounding, func(r amount) bool { return r.units != 0 }) {
		ev &^= evRounding
	}
	return win.labels == 1 && ev&(arithmetic|evPaid) == 0
}
