package parse

import (
	"image"
	"strings"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/locale"
)

// Line is one line of receipt text as an engine read it.
type Line struct {
	Text string
	// Words are the line's words with the engine's confidence in each;
	// nil when the engine gave none (plain text).
	Words []Word
	Box   image.Rectangle // where the line is on the page; empty when unknown
}

// Word is one word of a Line.
type Word struct {
	Start, End int     // byte offsets in Line.Text
	Conf       float64 // the engine's confidence, 0 to 1
	Box        image.Rectangle
}

// textLine is a Line as the parser reads it.
type textLine struct {
	raw string // trimmed, as read
	// up is raw upper-cased and folded (locale.Fold: "Rückgeld" is
	// "RUCKGELD"), the form keywords are matched in; toRaw maps each of
	// its bytes to the byte of raw it came from, nil when the offsets are
	// the same.
	up    string
	toRaw []int
	conf  []Word // nil when the engine gave none
	box   image.Rectangle
}

// newLine makes a textLine of raw text.
func newLine(raw string, conf []Word, box image.Rectangle) textLine {
	up, toRaw := foldLine(raw)
	return textLine{raw: raw, up: up, toRaw: toRaw, conf: conf, box: box}
}

// foldLine folds raw for matching and maps the result's bytes back to
// raw's, when a letter's folded form has another length ("İ" is "I").
func foldLine(raw string) (string, []int) {
	same := true
	for _, r := range raw {
		if r >= 0x80 && len(locale.FoldRune(r)) != utf8.RuneLen(r) {
			same = false
			break
		}
	}
	if same {
		return locale.Fold(raw), nil
	}
	var b strings.Builder
	toRaw := make([]int, 0, len(raw))
	for i, r := range raw {
		f := locale.FoldRune(r)
		b.WriteString(f)
		for range len(f) {
			toRaw = append(toRaw, i)
		}
	}
	return b.String(), toRaw
}

// rawOffset maps an offset in l.up to one in l.raw.
func (l textLine) rawOffset(k int) int {
	if l.toRaw == nil {
		return k
	}
	if k >= len(l.toRaw) {
		return len(l.raw)
	}
	return l.toRaw[k]
}

// MaxLineBytes bounds a line: receipts are narrow, and a bound keeps every
// per-line scan cheap on hostile input. Longer lines are cut.
const MaxLineBytes = 512

// maxLineBytes is MaxLineBytes under the name the parser uses.
const maxLineBytes = MaxLineBytes

// toTextLines prepares an engine's lines for the parser.
func toTextLines(lines []Line) []textLine {
	out := make([]textLine, len(lines))
	for i, l := range lines {
		raw := l.Text
		if len(raw) > maxLineBytes {
			raw = truncateUTF8(raw, maxLineBytes)
		}
		out[i] = newLine(strings.ToValidUTF8(raw, ""), l.Words, l.Box)
	}
	return out
}

// splitLines breaks text into trimmed lines, keeping empty ones: Tesseract
// separates blocks with them, and block ends carry meaning.
func splitLines(text string) []textLine {
	text = strings.ToValidUTF8(text, "")
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n", "\t", " ").Replace(text)
	parts := strings.Split(text, "\n")
	lines := make([]textLine, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(truncateUTF8(p, maxLineBytes))
		lines[i] = newLine(p, nil, image.Rectangle{})
	}
	return lines
}

// keyUpper upper-cases ASCII and Cyrillic letters, whose two cases have
// the same length in UTF-8, so byte offsets found in the result hold in the
// original. Other scripts are left as they are.
func keyUpper(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
			continue
		}
		if c != 0xd0 && c != 0xd1 {
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if size != 2 {
			continue
		}
		switch {
		case r >= 'а' && r <= 'я':
			utf8.EncodeRune(b[i:], r-'а'+'А')
		case r >= 'ѐ' && r <= 'џ':
			utf8.EncodeRune(b[i:], r-'ѐ'+'Ѐ')
		}
		i++
	}
	return string(b)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// containsAny reports whether s contains any of the words.
func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// hasWord reports whether s contains w delimited by non-letters.
func hasWord(s, w string) bool { return wordAt(s, w, true) }

// wordStarting reports whether a word of s starts with prefix: ROUNDING
// and ROUNDED, not GROUND or AROUND.
func wordStarting(s, prefix string) bool { return wordAt(s, prefix, false) }

// anyWordStarting reports whether a word of s starts with any of the
// prefixes.
func anyWordStarting(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if wordStarting(s, p) {
			return true
		}
	}
	return false
}

// wordAt reports whether s contains w after a non-letter (or at its
// start) and, when whole, before one (or at its end).
func wordAt(s, w string, whole bool) bool {
	for i := 0; ; {
		k := strings.Index(s[i:], w)
		if k < 0 {
			return false
		}
		k += i
		end := k + len(w)
		if (k == 0 || !isLetter(s[k-1])) && (!whole || end == len(s) || !isLetter(s[end])) {
			return true
		}
		i = k + 1
	}
}

// mismatches counts differing bytes between s and w, which have the same
// length.
func mismatches(s, w string) int {
	n := 0
	for i := 0; i < len(w); i++ {
		if s[i] != w[i] {
			n++
		}
	}
	return n
}

// wordMatch is where a keyword, possibly misread, was found.
type wordMatch struct {
	start, end int
	sub        bool // "SUBTOTAL" rather than "TOTAL"
}

// ocrLetter reports whether b can be a letter as Tesseract prints it:
// letters, and the symbols it substitutes for them ("TOTA!", "Inc}").
func ocrLetter(b byte) bool {
	return isLetter(b) || strings.IndexByte("!|}{1", b) >= 0
}

// findTotals finds the words that label a total in an upper-cased line:
// a subtotal's own label ("ZWISCHENSUMME"), a subtotal prefix before a
// total word ("SUB TOTAL", "ARA TOPLAM") allowing two misread letters of
// the total word ("SUBTOIAT"), and a total word allowing one misread
// letter when it has five or more ("TOTA!", "TOLAL") or a lost last one
// ("TOTA:").
func (l *loc) findTotals(up string) []wordMatch {
	var out []wordMatch
	for i := 0; i < len(up); {
		if m, ok := l.totalAt(up, i); ok {
			out = append(out, m)
			i = m.end
			continue
		}
		i++
	}
	return out
}

// totalAt matches a total or subtotal label starting at i.
func (l *loc) totalAt(up string, i int) (wordMatch, bool) {
	for _, w := range l.v.Subtotal {
		if strings.HasPrefix(up[i:], w) && (i == 0 || !isLetter(up[i-1])) {
			return wordMatch{start: i, end: i + len(w), sub: true}, true
		}
	}
	for _, p := range l.v.SubtotalPrefixes {
		if m, ok := l.subtotalAt(up, i, p); ok {
			return m, true
		}
	}
	for _, w := range l.v.Total {
		if len(w) < 5 || !letterWord(w) {
			if strings.HasPrefix(up[i:], w) && wordAt(up[i:], w, true) && (i == 0 || !isLetter(up[i-1])) {
				return wordMatch{start: i, end: i + len(w)}, true
			}
			continue
		}
		if i+len(w) <= len(up) {
			c := up[i : i+len(w)]
			if ocrLetter(c[0]) && ocrLetter(c[len(c)-1]) && mismatches(c, w) <= 1 && !partOfWord(up, i, i+len(w), w) {
				return wordMatch{start: i, end: i + len(w)}, true
			}
		}
		if cut := w[:len(w)-1]; strings.HasPrefix(up[i:], cut) && i+len(w) <= len(up) && !ocrLetter(up[i+len(cut)]) && (i == 0 || !isLetter(up[i-1])) {
			// The last letter lost to the colon after it ("Grand Tota: :").
			return wordMatch{start: i, end: i + len(cut)}, true
		}
	}
	return wordMatch{}, false
}

// partOfWord rejects a near-miss of a total word glued to letters before
// it ("ATONAL"); an exact one may be glued ("FinalTotal"), and anything
// may follow ("TolalAmtRounded").
func partOfWord(up string, start, end int, w string) bool {
	return up[start:end] != w && start > 0 && isLetter(up[start-1])
}

// subtotalAt matches a subtotal prefix, an optional separator and a total
// word with up to two misread letters, at i.
func (l *loc) subtotalAt(up string, i int, prefix string) (wordMatch, bool) {
	if !strings.HasPrefix(up[i:], prefix) || i > 0 && isLetter(up[i-1]) {
		return wordMatch{}, false
	}
	j := i + len(prefix)
	if j < len(up) && strings.IndexByte("- _.", up[j]) >= 0 {
		j++
	}
	for _, w := range l.v.Total {
		if len(w) < 5 || !letterWord(w) {
			continue
		}
		if j+len(w) <= len(up) && mismatches(up[j:j+len(w)], w) <= 2 && ocrLetter(up[j]) {
			return wordMatch{start: i, end: j + len(w), sub: true}, true
		}
	}
	return wordMatch{}, false
}

// hasTaxWord reports whether s names a sales tax: a tax's stem anywhere
// ("TotalGST", "GST@6%"), its other names as whole words only, since
// inside other words they are letters of something else ("PRIVATE").
func (l *loc) hasTaxWord(s string) bool {
	if containsAny(s, l.taxStems...) {
		return true
	}
	for _, w := range l.taxWords {
		if hasWord(s, w) {
			return true
		}
	}
	return false
}

// confIn returns the lowest word confidence among the words of l that
// overlap [start, end), or 1 when the line carries no confidences (plain
// text, whose engine gave none).
func (l textLine) confIn(start, end int) float64 {
	if l.conf == nil {
		return 1
	}
	start, end = l.rawOffset(start), l.rawOffset(end)
	c, found := 1.0, false
	for _, w := range l.conf {
		if w.End > start && w.Start < end {
			c, found = min(c, w.Conf), true
		}
	}
	if !found {
		return 1
	}
	return c
}
