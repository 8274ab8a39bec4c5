package parse

import (
	"regexp"
	"strings"

	"github.com/receipts-api/receipts/internal/locale"
	"github.com/receipts-api/receipts/internal/receipt"
)

// qtyMark finds a quantity written with its unit or multiplier: "2X",
// "1 X", "1PC", "*3".
var qtyMark = regexp.MustCompile(`(?:^|[^0-9.,])(\d{1,3})\s?(?:X|PCS|PC)(?:[^A-Z]|$)|\*\s?(\d{1,3})(?:[^0-9.,]|$)`)

// maxItemNumbers bounds the numbers tried per line, keeping the pair
// search cheap on hostile input.
const maxItemNumbers = 8

// parseItems reads the item lines between the header and the totals. A
// line counts as an item only when its numbers check out: a quantity
// times a unit price equals the line amount. A receipt's items are
// better missing than invented from OCR noise.
func (l *loc) parseItems(lines []textLine, from, to int) []receipt.LineItem {
	var items []receipt.LineItem
	used := map[int]bool{}
	below := l.descriptionsBelow(lines, from, to)
	for i := from; i < to && i < len(lines); i++ {
		ln := lines[i]
		if ln.up == "" || anyWord(ln.up, l.headerWords) {
			continue
		}
		q, u, a, ok := l.itemNumbers(ln.up)
		if !ok {
			continue
		}
		desc := l.description(ln.raw)
		if desc == "" {
			desc = l.neighbourDescription(lines, i, from, to, below, used)
		}
		if desc == "" {
			continue
		}
		used[i] = true
		items = append(items, receipt.LineItem{Description: desc, Quantity: q, UnitPrice: u, Amount: a})
	}
	return items
}

// descriptionsBelow reports a layout that prints each item's numbers
// above its description: the first line with numbers follows the table
// header directly.
func (l *loc) descriptionsBelow(lines []textLine, from, to int) bool {
	for i := from; i < to && i < len(lines); i++ {
		if len(l.moneyAmounts(lines[i].up)) < 2 || anyWord(lines[i].up, l.headerWords) {
			continue
		}
		p := prevNonEmpty(lines, i)
		return p >= 0 && anyWord(lines[p].up, l.headerWords)
	}
	return false
}

// itemNumbers finds quantity, unit price and amount on a line: the amount
// is the last money amount, and some earlier pair multiplies to it.
func (l *loc) itemNumbers(up string) (qty, unit, amt string, ok bool) {
	nums := l.scanAmounts(up)
	var vals []amount
	for _, n := range nums {
		if !n.percent && !n.neg {
			vals = append(vals, n)
		}
	}
	vals = append(vals, markedQuantities(up)...)
	if len(vals) < 2 {
		return "", "", "", false
	}
	var last amount
	for _, v := range vals {
		if v.decimals == 2 && (last.text == "" || v.end > last.end) {
			last = v
		}
	}
	if last.text == "" {
		return "", "", "", false
	}
	var earlier []amount
	for _, v := range vals {
		if v.end <= last.start {
			earlier = append(earlier, v)
		}
	}
	if len(earlier) > maxItemNumbers {
		earlier = earlier[len(earlier)-maxItemNumbers:]
	}
	for x := len(earlier) - 1; x >= 0; x-- {
		for y := x - 1; y >= 0; y-- {
			q, u := orderPair(earlier[y], earlier[x])
			if times(q, u) == last.units && q.units > 0 {
				return q.text, u.text, last.text, true
			}
		}
	}
	return "", "", "", false
}

// markedQuantities returns quantities written as "2X" or "*3", which the
// amount scanner skips because letters or symbols touch them.
func markedQuantities(up string) []amount {
	var out []amount
	for _, m := range qtyMark.FindAllStringSubmatchIndex(up, -1) {
		s, e := m[2], m[3]
		if s < 0 {
			s, e = m[4], m[5]
		}
		out = append(out, amount{text: up[s:e], units: toUnits(up[s:e], ""), start: s, end: e})
	}
	return out
}

// orderPair tells quantity from unit price: the quantity is the whole
// number, and when both are whole, the smaller.
func orderPair(a, b amount) (qty, unit amount) {
	aw, bw := a.units%amountScale == 0, b.units%amountScale == 0
	switch {
	case aw && !bw:
		return a, b
	case bw && !aw:
		return b, a
	case a.units <= b.units:
		return a, b
	}
	return b, a
}

// times multiplies two fixed-point values, rounding to the cent as a till
// does. It gives up (-1) on values too large for a line of a receipt,
// which also keeps the product inside int64.
func times(q, u amount) int64 {
	const maxQty, maxPrice = 10_000 * amountScale, 1_000_000 * amountScale
	if q.units > maxQty || u.units > maxPrice {
		return -1
	}
	p := q.units * u.units / amountScale
	const cent = amountScale / 100
	return (p + cent/2) / cent * cent
}

// description returns the words of an item line, without codes, amounts
// and tax markers; empty when nothing reads as a description.
func (l *loc) description(raw string) string {
	var words []string
	for _, f := range strings.Fields(raw) {
		w := strings.Trim(f, "|:;,*@[]{}‘'\"")
		up := locale.Fold(strings.Trim(w, "()"))
		if l.itemCodes[up] || !hasLetters(w, 2) || strings.ContainsAny(w, "0123456789") && !hasLetters(w, 3) {
			continue
		}
		if qtyMark.MatchString(up) && !hasLetters(w, 3) {
			continue
		}
		words = append(words, w)
	}
	d := strings.Join(words, " ")
	if !hasLetters(d, 3) {
		return ""
	}
	return d
}

// neighbourDescription takes the description from a text line next to
// an item line: above it (past a line of codes), or below it in layouts
// that print descriptions under the numbers, or wherever one is free.
func (l *loc) neighbourDescription(lines []textLine, i, from, to int, below bool, used map[int]bool) string {
	above := []int{prevNonEmpty(lines, i)}
	if p := above[0]; p >= 0 && l.description(lines[p].raw) == "" {
		above = append(above, prevNonEmpty(lines, p))
	}
	order := append(above, nextNonEmpty(lines, i))
	if below {
		order = append([]int{nextNonEmpty(lines, i)}, above...)
	}
	for _, j := range order {
		if d := l.freeDescription(lines, j, from, to, used); d != "" {
			used[j] = true
			return d
		}
	}
	return ""
}

// freeDescription returns the description on line j when it is a text
// line of the item table not yet given to an item.
func (l *loc) freeDescription(lines []textLine, j, from, to int, used map[int]bool) string {
	if j < from || j >= to || used[j] || anyWord(lines[j].up, l.headerWords) {
		return ""
	}
	if _, _, _, ok := l.itemNumbers(lines[j].up); ok {
		return ""
	}
	if _, ok := l.lastAmount(lines[j].up); ok && !hasLetters(lines[j].raw, 6) {
		return ""
	}
	return l.description(lines[j].raw)
}

// prevNonEmpty returns the index of the previous non-empty line, or -1.
func prevNonEmpty(lines []textLine, i int) int {
	for j := i - 1; j >= 0; j-- {
		if lines[j].up != "" {
			return j
		}
	}
	return -1
}

// hasLetters reports whether s has at least n ASCII letters.
func hasLetters(s string, n int) bool {
	c := 0
	for i := 0; i < len(s) && c < n; i++ {
		if isLetter(s[i]) {
			c++
		}
	}
	return c >= n
}
