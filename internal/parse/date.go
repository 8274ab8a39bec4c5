package parse

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/locale"
)

// Go's regexp runs in linear time, so these are safe on any input.
var (
	// 25/12/2018, 25-12-18, 25.12.2018, 2018-01-05; separators are checked
	// to match in code, as RE2 has no back-references.
	numericDate = regexp.MustCompile(`(\d{1,4})([./-])(\d{1,2})([./-])(\d{2,4})`)
	// 05 MAR 2018, 10-Oct-17, 14 December, 2017
	dayMonthYear = regexp.MustCompile(`\b(\d{1,2})(?:ST|ND|RD|TH)?[ .\-/]*([A-Z]{3,9})\.?[ ,.\-/]*(\d{4}|\d{2})\b`)
	// MAR 05, 2018, December 14th 2017, JUN 26, 15, FEB23'19
	monthDayYear = regexp.MustCompile(`\b([A-Z]{3,9})\.?[ .\-]*(\d{1,2})(?:ST|ND|RD|TH)?\b,?[ .\-/']*(\d{4}|\d{2})\b`)
)

// dateCand is a date found in the text.
type dateCand struct {
	iso      string
	priority int // what its line says about it
	line     int
	votes    int     // how many times the receipt prints it
	conf     float64 // the engine's confidence in its words
}

// Priorities of a date by what its line says about it.
const (
	dateOther    = 1 // expiry, due, printing: not the transaction
	datePlain    = 2
	dateLabelled = 3 // "Date:", "Tarikh:", "Datum:"
)

// minYear is the earliest plausible receipt year: an earlier one is a
// misread digit, not a receipt kept for decades.
const minYear = 2000

// maxDateVotes bounds the distinct dates weighed, so hostile text full of
// dates stays cheap.
const maxDateVotes = 64

// dateResult is the receipt's date, how sure we are, and what was set
// aside on the way.
type dateResult struct {
	iso      string
	line     int // where it is first printed; -1 when none
	conf     float64
	warnings []string
	setAside []lineDate // valid dates that are not plausible ones
}

// parseDate returns the receipt's date as YYYY-MM-DD. A date before 2000
// (before a tax the receipt charges began, as its country's profile says:
// a Malaysian receipt that charges GST was printed on or after 1 April
// 2015, so 2013 there is a misread 2018), or after now (by more than a
// day) when now is known, is a misreading and is set aside with a warning. Among the rest, a date on a line labelled
// "date" wins over an unlabelled one, and expiry, due and print dates
// count only when there is no other; at the same rank the date printed
// most often wins, then the first.
//
// Numeric dates are read day first (25/12/2018) unless a part decides
// otherwise: a first part above 12 can only be the day, a second part
// above 12 can only be the day, so the first is the month. When both parts
// could be either, the country's order decides (month first in the US);
// with no country known, the currency does: month first for USD, day first
// for everything else, as most of the world writes dates. Four-digit first
// parts are year first. Two-digit years are 20yy. Impossible dates (31/02,
// month 16) are skipped.
func (l *loc) parseDate(lines []textLine, currency string, now time.Time) dateResult {
	monthFirst := currency == "USD"
	if l.p != nil {
		monthFirst = l.p.MonthFirst()
	}
	var (
		res    = dateResult{line: -1}
		cands  []*dateCand
		byISO  = map[string]*dateCand{}
		latest string
	)
	if !now.IsZero() {
		latest = now.AddDate(0, 0, 1).Format("2006-01-02")
	}
	earliest := max(fmt.Sprintf("%d", minYear), l.taxBegan(lines))
	plausible := func(iso string) bool {
		return iso >= earliest && (latest == "" || iso <= latest)
	}
	for i, ln := range lines {
		for _, d := range l.datesInLine(ln.up, monthFirst) {
			if !plausible(d.iso) {
				if len(res.warnings) < 3 {
					res.warnings = append(res.warnings, fmt.Sprintf("date: %s is not a plausible receipt date, ignored", d.iso))
				}
				if latest != "" && len(res.setAside) < maxDateVotes && l.datePriority(ln.up) != dateOther {
					res.setAside = append(res.setAside, lineDate{foundDate: d, line: i, text: ln.up[d.start:d.end], conf: ln.confIn(d.start, d.end)})
				}
				continue
			}
			c := byISO[d.iso]
			if c == nil {
				if len(cands) >= maxDateVotes {
					continue
				}
				c = &dateCand{iso: d.iso, line: i, conf: 1}
				byISO[d.iso] = c
				cands = append(cands, c)
			}
			c.votes++
			c.priority = max(c.priority, l.datePriority(ln.up))
			c.conf = min(c.conf, ln.confIn(d.start, d.end))
		}
	}
	var win *dateCand
	for _, c := range cands {
		if win == nil || c.priority > win.priority || c.priority == win.priority && c.votes > win.votes {
			win = c
		}
	}
	if win == nil {
		if d, ok := l.repairedDate(lines, monthFirst, plausible, res.setAside); ok {
			res.iso, res.line, res.conf = d.iso, d.line, 0.5*d.conf
			res.warnings = append(res.warnings, fmt.Sprintf("date: %s repaired from %q", d.iso, d.text))
		}
		return res
	}
	res.iso, res.line = win.iso, win.line
	res.conf = win.conf * dateSupport(win, len(cands))
	return res
}

// taxBegan returns the latest day a tax the receipt names began, "" when
// it names none whose start its country's profile records.
func (l *loc) taxBegan(lines []textLine) string {
	day := ""
	for _, t := range l.taxSince {
		if t.day <= day {
			continue
		}
		for _, ln := range lines {
			if anyWord(ln.up, t.words) {
				day = t.day
				break
			}
		}
	}
	return day
}

// dateSupport scales the OCR confidence in a date by its evidence: a label,
// repetition, and no rival dates.
func dateSupport(c *dateCand, distinct int) float64 {
	s := 0.7
	if c.priority == dateLabelled {
		s += 0.15
	}
	if c.votes > 1 {
		s += 0.15
	}
	if distinct > 1 && c.votes == 1 {
		s -= 0.1
	}
	return min(s, 1)
}

// datePriority ranks a date by the words on its line.
func (l *loc) datePriority(up string) int {
	switch {
	case containsAny(up, l.v.OtherDates...):
		return dateOther
	case l.dateLabel(up):
		return dateLabelled
	}
	return datePlain
}

// dateLabel reports a label of the receipt's date on a line: anywhere
// when it has four letters or more ("DATE", "TARIKH"), as a whole word
// when shorter ("LE" in French).
func (l *loc) dateLabel(up string) bool {
	for _, w := range l.v.DateLabels {
		if len(w) >= 4 && strings.Contains(up, w) || len(w) < 4 && hasWord(up, w) {
			return true
		}
	}
	return false
}

// foundDate is a valid date in a line and where it is.
type foundDate struct {
	iso        string
	start, end int
}

// datesInLine returns the valid dates in an upper-cased line, in order.
func (l *loc) datesInLine(up string, monthFirst bool) []foundDate {
	var out []foundDate
	for _, m := range numericDate.FindAllStringSubmatchIndex(up, -1) {
		if iso, ok := numericDateAt(up, m, monthFirst); ok {
			out = append(out, foundDate{iso, m[0], m[1]})
		}
	}
	if !l.hasMonthName(up) {
		return out
	}
	for _, m := range dayMonthYear.FindAllStringSubmatchIndex(up, -1) {
		if iso, ok := l.textDate(up[m[2]:m[3]], up[m[4]:m[5]], up[m[6]:m[7]]); ok {
			out = append(out, foundDate{iso, m[0], m[1]})
		}
	}
	for _, m := range monthDayYear.FindAllStringSubmatchIndex(up, -1) {
		if iso, ok := l.textDate(up[m[4]:m[5]], up[m[2]:m[3]], up[m[6]:m[7]]); ok {
			out = append(out, foundDate{iso, m[0], m[1]})
		}
	}
	return out
}

// hasMonthName reports whether a word of up names a month: a cheap test
// that spares most lines the month-name expressions.
func (l *loc) hasMonthName(up string) bool {
	for _, w := range strings.FieldsFunc(up, notLetter) {
		if _, ok := l.v.Month(w); ok {
			return true
		}
	}
	return false
}

// numericDateAt reads the numeric date matched at m, rejecting matches
// that are part of a longer number ("05.22.95.66.66" is a phone number).
func numericDateAt(up string, m []int, monthFirst bool) (string, bool) {
	start, end := m[0], m[1]
	if up[m[4]:m[5]] != up[m[8]:m[9]] {
		return "", false
	}
	sep := up[m[4]]
	if start > 0 && (isDigit(up[start-1]) || up[start-1] == sep && start > 1 && isDigit(up[start-2])) {
		return "", false
	}
	if end < len(up) && (isDigit(up[end]) || up[end] == sep && end+1 < len(up) && isDigit(up[end+1])) {
		return "", false
	}
	a, b, c := up[m[2]:m[3]], up[m[6]:m[7]], up[m[10]:m[11]]
	if len(a) == 4 {
		return makeDate(a, b, c)
	}
	if len(a) == 3 || len(c) == 3 {
		return "", false
	}
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	if x > 12 || y <= 12 && !monthFirst {
		return makeDate(c, b, a)
	}
	return makeDate(c, a, b)
}

// textDate reads a date with a month name.
func (l *loc) textDate(day, month, year string) (string, bool) {
	mo, ok := l.v.Month(month)
	if !ok {
		return "", false
	}
	return makeDate(year, strconv.Itoa(mo), day)
}

// makeDate validates year, month and day and formats them.
func makeDate(year, month, day string) (string, bool) {
	y, err1 := strconv.Atoi(year)
	mo, err2 := strconv.Atoi(month)
	d, err3 := strconv.Atoi(day)
	if err1 != nil || err2 != nil || err3 != nil {
		return "", false
	}
	if len(year) == 2 {
		y += 2000
	}
	if len(year) != 2 && len(year) != 4 || y < 1970 || y > 2999 || mo < 1 || mo > 12 || d < 1 {
		return "", false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false // 31/02 rolled over
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, mo, d), true
}

// lineDate is a date found on a line, with the text it was read from.
type lineDate struct {
	foundDate
	line int
	text string
	conf float64
}

// Bounds of the repairs: a line is tried once for each of its first
// maxRepairSpaces spaces, and at most maxRepairLines lines are tried, so
// hostile text costs a bounded number of matches.
const (
	maxRepairLine   = 200
	maxRepairSpaces = 16
	maxRepairLines  = 64 // lines with a date label or a time tried
)

var clockTime = regexp.MustCompile(`\b\d{1,2}:\d{2}`)

// compactDate is eight digits before a time: 25032018 13:11 or
// 20180325 13:11.
var compactDate = regexp.MustCompile(`(?:^|[^0-9])(\d{8}) +\d{1,2}:\d{2}`)

// labelledCompactDate is eight digits alone after a date label:
// "Date. 03022018"; the label a word of its own, not the end of UPDATE.
var labelledCompactDate = regexp.MustCompile(`\bDATE\W{0,3}(\d{8})(?:[^0-9]|$)`)

// yearConfusions are the digits Tesseract reads in place of others in a
// year: 2047 for 2017, 2013 for 2018.
var yearConfusions = map[byte]string{'4': "1", '7': "1", '1': "47", '3': "8", '8': "30", '0': "8", '9': "0"}

// repairedDate is the fallback for a receipt on which no date reads the
// usual way. It repairs the common misreadings of a date, each only where
// the line vouches for a date (a date label or a time of day): first a
// date set aside as implausible whose year becomes plausible by undoing
// one digit confusion (2047 or 2817 for 2017), when exactly one such year
// is plausible; then eight digits run together before a time or right
// after a date label; a stray space inside a date or in place of its
// separator ("O6/1 2/2016", "05 02-18"), letters read for digits
// ("O4/O9/2O17"); last, one digit confusion in a day or month
// (confusedDigitDate).
func (l *loc) repairedDate(lines []textLine, monthFirst bool, plausible func(string) bool, setAside []lineDate) (lineDate, bool) {
	// A whole date read with one digit of its year wrong is nearer the
	// print than one pieced together across a space, where its line
	// vouches for a date; elsewhere it may be a phone or reference number
	// ("TEL 03-10-2047"), tried only when nothing else repairs.
	if d, ok := l.repairedYear(lines, plausible, setAside, true); ok {
		return d, true
	}
	tried, confusions := 0, 0
	for i, ln := range lines {
		up := truncateUTF8(ln.up, maxRepairLine)
		if !l.vouchesForDate(up) {
			continue
		}
		if tried++; tried > maxRepairLines {
			break
		}
		for _, m := range append(compactDate.FindAllStringSubmatchIndex(up, -1), labelledCompactDate.FindAllStringSubmatchIndex(up, -1)...) {
			ds := up[m[2]:m[3]]
			dayFirst, monthFirstDate := tryDate(ds[4:], ds[2:4], ds[:2]), tryDate(ds[4:], ds[:2], ds[2:4])
			if monthFirst {
				dayFirst, monthFirstDate = monthFirstDate, dayFirst
			}
			for _, iso := range []string{dayFirst, monthFirstDate, tryDate(ds[:4], ds[4:6], ds[6:])} {
				if iso != "" && plausible(iso) {
					return lineDate{foundDate: foundDate{iso, m[2], m[3]}, line: i, text: ds, conf: ln.confIn(m[2], m[3])}, true
				}
			}
		}
		digits := digitLookalikes(up)
		variants := []string{digits}
		spaces := 0
		for k := 0; k < len(digits) && spaces < maxRepairSpaces; k++ {
			if digits[k] != ' ' {
				continue
			}
			spaces++
			variants = append(variants, digits[:k]+digits[k+1:])
			for _, sep := range []string{"/", "-", "."} {
				variants = append(variants, digits[:k]+sep+digits[k+1:])
			}
		}
		for _, v := range variants {
			for _, d := range l.datesInLine(v, monthFirst) {
				if plausible(d.iso) && !beforeClock(v, d) {
					return lineDate{foundDate: d, line: i, text: strings.TrimSpace(up[min(d.start, len(up)):min(d.end+1, len(up))]), conf: ln.confIn(d.start, d.end)}, true
				}
			}
		}
		if d, ok := l.confusedDigitDate(digits, monthFirst, plausible, &confusions); ok {
			return lineDate{foundDate: d, line: i, text: up[d.start:d.end], conf: ln.confIn(d.start, d.end)}, true
		}
	}
	if d, ok := l.repairedYear(lines, plausible, setAside, false); ok {
		return d, true
	}
	return l.spacedSeparator(lines, monthFirst, plausible)
}

// spacedDate is a line of bare numbers (a terminal, a receipt number)
// ending in a day, month and two-digit year with one separator read as a
// space: "913340 368817 05 02-18".
var spacedDate = regexp.MustCompile(`^[\d ]*?(?:^| )(\d{2} \d{2}[-/.]\d{2}|\d{2}[-/.]\d{2} \d{2})$`)

// spacedSeparator is the last repair, on lines that do not vouch for a
// date: a line of bare numbers ending in a date with one separator read as
// a space, when the lines that have one agree on a plausible date. A word
// on the line ("QTY 05 02-18") makes its numbers something else.
func (l *loc) spacedSeparator(lines []textLine, monthFirst bool, plausible func(string) bool) (lineDate, bool) {
	var found lineDate
	for i, ln := range lines {
		if len(ln.up) > maxRepairLine {
			continue // cut short, its end would not be the line's
		}
		up := strings.TrimRight(ln.up, " |")
		m := spacedDate.FindStringSubmatchIndex(up)
		if m == nil {
			continue
		}
		v := up[:m[2]] + strings.Replace(up[m[2]:m[3]], " ", "-", 1)
		for _, d := range l.datesInLine(v, monthFirst) {
			if d.start != m[2] || !plausible(d.iso) {
				continue
			}
			switch {
			case found.iso == "":
				found = lineDate{foundDate: d, line: i, text: up[m[2]:m[3]], conf: ln.confIn(m[2], m[3])}
			case found.iso != d.iso:
				return lineDate{}, false
			}
		}
	}
	return found, found.iso != ""
}

// vouchesForDate reports a line with a date label or a time of day.
func (l *loc) vouchesForDate(up string) bool {
	return l.datePriority(up) == dateLabelled || clockTime.MatchString(up)
}

// repairedYear is the first date set aside whose year repairYear makes
// plausible; with vouched, only on a line that vouches for a date.
func (l *loc) repairedYear(lines []textLine, plausible func(string) bool, setAside []lineDate, vouched bool) (lineDate, bool) {
	for _, d := range setAside {
		if vouched && (d.line < 0 || d.line >= len(lines) || !l.vouchesForDate(truncateUTF8(lines[d.line].up, maxRepairLine))) {
			continue
		}
		if iso, ok := repairYear(d.iso, plausible); ok {
			d.iso = iso
			return d, true
		}
	}
	return lineDate{}, false
}

// beforeClock reports a date whose year is the hour of a time: "3-12
// 10:35" made "3-12-10".
func beforeClock(v string, d foundDate) bool { return d.end < len(v) && v[d.end] == ':' }

// maxConfusions bounds the digits tried by confusedDigitDate over a
// receipt.
const maxConfusions = 256

// firstDigitConfusions are the digits Tesseract reads in place of the
// first digit of a day or month: yearConfusions' and a 6 for a 0, which in
// a year would turn 2067 into 2007 rather than the likelier 2017.
var firstDigitConfusions = func() map[byte]string {
	m := maps.Clone(yearConfusions)
	m['6'] = "0"
	return m
}()

// confusedDigitDate undoes one digit confusion (firstDigitConfusions) in
// a date-shaped token whose day or month is out of range ("49-04-18" for
// 19-04-18, "42 JUN 2018" for 12 JUN 2018, "18/64/2017" for 18/04/2017),
// when exactly one undoing gives a plausible date. tries counts the
// digits tried.
func (l *loc) confusedDigitDate(up string, monthFirst bool, plausible func(string) bool, tries *int) (foundDate, bool) {
	var found foundDate
	for k := 0; k < len(up) && *tries < maxConfusions; k++ {
		if firstDigitConfusions[up[k]] == "" || k+2 >= len(up) || !isDigit(up[k+1]) || isDigit(up[k+2]) || k > 0 && isDigit(up[k-1]) {
			continue // only the first digit of a day or month
		}
		*tries++
		for _, r := range []byte(firstDigitConfusions[up[k]]) {
			v := up[:k] + string(r) + up[k+1:]
			for _, d := range l.datesInLine(v, monthFirst) {
				if d.start > k || k >= d.end || !plausible(d.iso) || beforeClock(v, d) {
					continue
				}
				if found.iso != "" && found.iso != d.iso {
					return foundDate{}, false
				}
				found = d
			}
		}
	}
	return found, found.iso != ""
}

// tryDate is makeDate's date, or "" when it is none.
func tryDate(year, month, day string) string {
	iso, _ := makeDate(year, month, day)
	return iso
}

// digitLookalikes replaces the letters Tesseract reads for digits (O for
// 0; I, L and | for 1) where they touch a digit or a date separator.
func digitLookalikes(up string) string {
	b := []byte(up)
	near := func(k int) bool {
		return k >= 0 && k < len(up) && (isDigit(up[k]) || up[k] == '/' || up[k] == '-' || up[k] == '.')
	}
	for k := range b {
		if !near(k-1) && !near(k+1) {
			continue
		}
		switch b[k] {
		case 'O':
			b[k] = '0'
		case 'I', 'L', '|':
			b[k] = '1'
		}
	}
	return string(b)
}

// repairYear undoes one digit confusion in the last three digits of an
// ISO date's year (2817 or 2047 for 2017), when exactly one such repair is
// plausible.
func repairYear(iso string, plausible func(string) bool) (string, bool) {
	var found string
	for k := 1; k < 4; k++ {
		for _, r := range []byte(yearConfusions[iso[k]]) {
			c := iso[:k] + string(r) + iso[k+1:]
			if _, ok := makeDate(c[:4], c[5:7], c[8:10]); !ok || !plausible(c) {
				continue
			}
			if found != "" && found != c {
				return "", false
			}
			found = c
		}
	}
	return found, found != ""
}

// Date reads only the date of the receipt in lines, as Lines would.
func Date(lines []Line, opt Options) string {
	tl := toTextLines(lines)
	l := localeOf(tl, opt)
	cur := opt.Currency
	if cur == "" {
		cur = parseCurrency(tl, l)
	}
	return l.parseDate(tl, cur, opt.Now).iso
}

// VouchesForDate reports a line whose words promise a date on it or
// beside it, in the words of opt.Country (of any country when empty): a
// date label or a time of day.
func VouchesForDate(text string, opt Options) bool {
	p, _ := locale.Get(opt.Country)
	return locFor(p).vouchesForDate(truncateUTF8(locale.Fold(text), maxRepairLine))
}
