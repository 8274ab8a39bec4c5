package parse

import (
	"strconv"
	"strings"

	"github.com/receipts-api/receipts/internal/locale"
)

// amountScale is the fixed-point scale amounts are compared and added at:
// four decimals is more than any currency uses, and int64 has room to
// spare for maxIntDigits integer digits.
const amountScale = 10000

// maxIntDigits bounds the integer part of an amount; longer digit runs are
// barcodes, invoice numbers or phone numbers.
const maxIntDigits = 9

// amount is a money value read from one line of receipt text.
type amount struct {
	text     string // plain decimal, no sign: "7838.80"
	neg      bool
	decimals int   // digits after the decimal point
	units    int64 // value × amountScale, signed
	percent  bool  // followed by '%': a rate, not money
	start    int   // byte offsets in the line
	end      int
	conf     float64 // the engine's confidence in its digits, 0 to 1; 0 when unset
}

// isInteger reports whether the amount was written without decimals.
func (a amount) isInteger() bool { return a.decimals == 0 }

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' }
func isSep(b byte) bool    { return b == '.' || b == ',' }

// scanAmounts returns the amounts in line, left to right. It reads OCR
// habits: comma decimals ("6,00"), thousands separators ("7,838.80"), a
// space after the separator ("24. 30"), signs ("-.02", "-RM 0,01", and
// "0,25-" where the country writes so), and it skips digits that belong to
// dates, times, phone numbers and codes. Letter runs that may touch an
// amount ("RM8.50") are the currency's (l.prefixes): any other letters
// glued to digits make a code, not money.
func (l *loc) scanAmounts(line string) []amount {
	var out []amount
	for i := 0; i < len(line); {
		if !amountStarts(line, i) {
			i++
			continue
		}
		raw, end := readNumber(line, i)
		if a, ok := l.makeAmount(line, raw, i, end); ok {
			out = append(out, a)
		}
		if end <= i {
			end = i + 1
		}
		i = end
	}
	return out
}

// amountStarts reports whether a number can start at i: a digit not glued
// to a previous digit, or a separator before digits (".02").
func amountStarts(s string, i int) bool {
	if i > 0 && (isDigit(s[i-1]) || isSep(s[i-1])) {
		return false
	}
	if isDigit(s[i]) {
		return true
	}
	return s[i] == '.' && i+1 < len(s) && isDigit(s[i+1])
}

// readNumber reads digits and separators from i and returns them without
// the spaces OCR put inside the number, and where the number ends.
func readNumber(s string, i int) (string, int) {
	var b strings.Builder
	hasSep := false
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case isDigit(c):
			b.WriteByte(c)
			j++
		case isSep(c) && !hasSep && b.Len() > 0 && zeroCents(s, j+1) > 0:
			// "38. 0D", "12.0D": O and D read for the zeros of the cents.
			k := zeroCents(s, j+1)
			b.WriteByte(c)
			b.WriteString(strings.NewReplacer("O", "0", "D", "0", " ", "").Replace(s[j+1 : j+1+k]))
			return b.String(), j + 1 + k
		case isSep(c) && j+1 < len(s) && isDigit(s[j+1]):
			b.WriteByte(c)
			hasSep = true
			j++
		case isSep(c) && b.Len() > 0 && j+1 < len(s) && s[j+1] == ' ' && twoDigitsEnd(s, j+2):
			// "24. 30": OCR split the cents off.
			b.WriteByte(c)
			hasSep = true
			j += 2
		case c == ' ' && !hasSep && j+1 < len(s) && s[j+1] == '.' && twoDigitsEnd(s, j+2):
			// "250 .00"
			j++
		case c == ' ' && !hasSep && b.Len() > 0 && j+3 < len(s) && isSep(s[j+1]) && s[j+2] == ' ' && twoDigitsEnd(s, j+3):
			// "26 , 90": OCR spaced the separator off both sides.
			j++
		default:
			return b.String(), j
		}
	}
	return b.String(), j
}

// zeroCents returns the length of the cents at i when they are two
// characters of 0, O and D, at least one a letter, after at most one
// space, with nothing number-like or word-like after them; else 0.
func zeroCents(s string, i int) int {
	k := i
	if k < len(s) && s[k] == ' ' {
		k++
	}
	if k+1 >= len(s) {
		return 0
	}
	zero := func(c byte) bool { return c == '0' || c == 'O' || c == 'D' }
	a, b := s[k], s[k+1]
	if !zero(a) || !zero(b) || a == '0' && b == '0' {
		return 0
	}
	if k+2 < len(s) && (isDigit(s[k+2]) || isSep(s[k+2]) || isLetter(s[k+2])) {
		return 0
	}
	return k + 2 - i
}

// zeroAsO reports an O at i read for the 0 before a decimal point: alone,
// or right after a currency ("RHO.02", "RM O.05").
func (l *loc) zeroAsO(line string, i int) bool {
	if line[i] != 'O' {
		return false
	}
	k := i
	for k > 0 && isLetter(line[k-1]) {
		k--
	}
	if k == i {
		return i == 0 || !isDigit(line[i-1]) // "5O.50" is a misread 50.50, not 0.50
	}
	return l.prefixes[strings.ToUpper(line[k:i])]
}

// twoDigitsEnd reports whether exactly two digits start at i and nothing
// number-like follows them.
func twoDigitsEnd(s string, i int) bool {
	if i+1 >= len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
		return false
	}
	return i+2 == len(s) || !isDigit(s[i+2]) && !isSep(s[i+2])
}

// makeAmount interprets raw, found at [start, end) of line, in its context.
func (l *loc) makeAmount(line, raw string, start, end int) (amount, bool) {
	intPart, frac, ok := splitNumber(raw, l.decimal)
	if ok && raw[0] == '.' && start > 0 && l.zeroAsO(line, start-1) {
		// "RHO.02": RM and an O read for the 0 of 0.02. The amount is read
		// as if the 0 stood in the O's place.
		line = line[:start-1] + "0" + line[start:]
		start--
	}
	if !ok || !l.plausibleContext(line, start, end, len(frac)) {
		return amount{}, false
	}
	if raw[0] == '.' && start > 0 && line[start] != '0' && !strings.ContainsRune(" -~(", rune(line[start-1])) {
		return amount{}, false // "RM @.11": a digit misread as a symbol, not ".11"
	}
	a := amount{decimals: len(frac), start: start, end: end}
	a.text = intPart
	if frac != "" {
		a.text += "." + frac
	}
	a.units = toUnits(intPart, frac)
	a.neg = l.negativeBefore(line, start) || l.trailingMinus && minusAfter(line, end)
	if a.neg {
		a.units = -a.units
	}
	a.percent = isPercent(line, start, end, frac)
	return a, true
}

// splitNumber separates raw into integer digits and decimal digits. The
// last separator is the decimal point unless it is followed by exactly
// three digits and repeats the separators before it ("1,000",
// "1.234.567"), or is alone before three digits and not the country's
// decimal separator (dec; '.' when unknown): "1.195" is 1195 in Germany,
// 1.195 in Malaysia.
func splitNumber(raw string, dec byte) (intPart, frac string, ok bool) {
	if dec == 0 {
		dec = '.'
	}
	var groups []string
	var seps []byte
	last := 0
	for k := 0; k < len(raw); k++ {
		if isSep(raw[k]) {
			groups = append(groups, raw[last:k])
			seps = append(seps, raw[k])
			last = k + 1
		}
	}
	groups = append(groups, raw[last:])
	if len(seps) == 0 {
		return raw, "", validInt(raw)
	}
	lastSep := seps[len(seps)-1]
	same := true
	for _, s := range seps {
		same = same && s == lastSep
	}
	head, tail := groups[:len(groups)-1], groups[len(groups)-1]
	thousands := seps[:len(seps)-1]
	if len(tail) == 3 && same && (lastSep != dec || len(seps) > 1) {
		head, tail, thousands = groups, "", seps
	} else if len(thousands) > 0 && !sameByte(thousands) || containsByte(thousands, lastSep) {
		return "", "", false // "1.2.30", "1,2.3,40": not a number
	}
	if len(tail) > 4 || !validGroups(head) {
		return "", "", false
	}
	intPart = strings.Join(head, "")
	if intPart == "" {
		intPart = "0" // ".02"
	}
	return intPart, tail, validInt(intPart)
}

// validGroups checks thousands grouping: one to three digits, then threes.
func validGroups(head []string) bool {
	if len(head) < 2 {
		return true
	}
	if len(head[0]) == 0 || len(head[0]) > 3 {
		return false
	}
	for _, g := range head[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// sameByte reports whether all of bs are equal.
func sameByte(bs []byte) bool {
	for _, b := range bs {
		if b != bs[0] {
			return false
		}
	}
	return true
}

// containsByte reports whether c is in bs.
func containsByte(bs []byte, c byte) bool {
	for _, b := range bs {
		if b == c {
			return true
		}
	}
	return false
}

// validInt accepts an integer part of sensible length; leading zeros mark
// codes ("0025679"), not money.
func validInt(s string) bool {
	return s != "" && len(s) <= maxIntDigits && (len(s) == 1 || s[0] != '0')
}

// plausibleContext rejects numbers that are part of something else: dates
// and times ("25/12", "8:13"), phone numbers ("03-2093"), codes ("G87",
// "4KG") and words.
func (l *loc) plausibleContext(line string, start, end, decimals int) bool {
	if start > 0 {
		p := line[start-1]
		switch {
		case p == '/' || p == ':':
			return false
		case p == '-' && start > 1 && isDigit(line[start-2]):
			return false
		case isLetter(p) && !l.prefixes[strings.ToUpper(letterRunBefore(line, start))]:
			return false
		}
	}
	if end < len(line) {
		n := line[end]
		switch {
		case n == '/' || n == ':':
			return false
		case n == '-' && end+1 < len(line) && isDigit(line[end+1]):
			return false
		case isLetter(n) && decimals != 2:
			// "15.50SR" carries a tax code; "4KG" and "6ST" are not money.
			return false
		}
	}
	return true
}

// letterRunBefore returns the letters directly before i.
func letterRunBefore(s string, i int) string {
	j := i
	for j > 0 && isLetter(s[j-1]) {
		j--
	}
	return s[j:i]
}

// negativeBefore reports a minus sign before the number, directly or in
// front of a currency prefix ("-RM 0,01"); OCR often reads '-' as '~'.
func (l *loc) negativeBefore(s string, start int) bool {
	j := start
	for j > 0 && s[j-1] == ' ' {
		j--
	}
	if run := letterRunBefore(s, j); run != "" && l.prefixes[strings.ToUpper(run)] {
		j -= len(run)
	} else {
		j = start
	}
	if j == 0 || s[j-1] != '-' && s[j-1] != '~' {
		return false
	}
	return j < 2 || !isDigit(s[j-2])
}

// plainAmount reads an amount the parser wrote itself: digits, and a
// decimal point before the decimals ("12.50").
func plainAmount(s string) (amount, bool) {
	intPart, frac, _ := strings.Cut(s, ".")
	if !validInt(intPart) || len(frac) > 4 || strings.Trim(frac, "0123456789") != "" {
		return amount{}, false
	}
	return amount{text: s, decimals: len(frac), units: toUnits(intPart, frac), end: len(s)}, true
}

// minusAfter reports a minus sign right after an amount ("0,25-"), not
// the dash of a range or a number that goes on ("1-2", "12-05").
func minusAfter(s string, end int) bool {
	return end < len(s) && s[end] == '-' && (end+1 == len(s) || !isDigit(s[end+1]))
}

// isPercent reports a rate. Tesseract also reads a trailing tax code as
// '%' ("41.95%"), so a two-decimal value is money unless its cents are
// zero or an '@' introduces it.
func isPercent(s string, start, end int, frac string) bool {
	j := end
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j >= len(s) || s[j] != '%' {
		return false
	}
	if len(frac) != 2 || frac == "00" {
		return true
	}
	k := start
	for k > 0 && s[k-1] == ' ' {
		k--
	}
	return k > 0 && s[k-1] == '@'
}

// toUnits converts digits to fixed point; the caller bounds their length.
func toUnits(intPart, frac string) int64 {
	n, _ := strconv.ParseInt(intPart, 10, 64)
	f := frac
	if len(f) > 4 {
		f = f[:4]
	}
	for len(f) < 4 {
		f += "0"
	}
	m, _ := strconv.ParseInt(f, 10, 64)
	return n*amountScale + m
}

// formatUnits writes a non-negative fixed-point value with the given
// number of decimals.
func formatUnits(units int64, decimals int) string {
	if decimals > 4 {
		decimals = 4
	}
	s := strconv.FormatInt(units/amountScale, 10)
	if decimals == 0 {
		return s
	}
	f := strconv.FormatInt(units%amountScale+amountScale, 10)[1:]
	return s + "." + f[:decimals]
}

// moneyAmounts returns the amounts in line that can be money: no rates.
func (l *loc) moneyAmounts(line string) []amount {
	all := l.scanAmounts(line)
	out := all[:0]
	for _, a := range all {
		if !a.percent {
			out = append(out, a)
		}
	}
	return out
}

// lastAmount returns the last money amount in line.
func (l *loc) lastAmount(line string) (amount, bool) {
	as := l.moneyAmounts(line)
	if len(as) == 0 {
		return amount{}, false
	}
	return as[len(as)-1], true
}

// Amount reads the last money amount in s the way the parser reads amounts
// on a receipt of opt.Country (of any country when empty): value is a plain
// decimal with its sign ("-0.25", "1195.39"), decimals how many digits
// follow the decimal point as written. False when s holds no money amount
// (only a rate, or nothing).
func Amount(s string, opt Options) (value string, decimals int, ok bool) {
	p, _ := locale.Get(opt.Country)
	a, ok := locFor(p).lastAmount(keyUpper(s))
	if !ok {
		return "", 0, false
	}
	if a.neg {
		return "-" + a.text, a.decimals, true
	}
	return a.text, a.decimals, true
}
