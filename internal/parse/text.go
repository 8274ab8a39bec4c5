package parse

import (
	"image"
	"strings"
	"unicode/utf8"
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
	raw  string // trimmed, as read
	up   string // upper-cased (keyUpper), for keyword matching
	conf []Word // nil when the engine gave none
	box  image.Rectangle
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
		out[i] = textLine{raw: raw, up: keyUpper(raw), conf: l.Words, box: l.Box}
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
		lines[i] = textLine{raw: p, up: keyUpper(p)}
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

// findTotals finds "TOTAL" in an upper-cased line, allowing one misread
// letter ("TOTA!", "TOLAL") or a lost last one ("TOTA:"), and "SUBTOTAL"
// allowing two ("SUBTOIAT").
func findTotals(up string) []wordMatch {
	var out []wordMatch
	for i := 0; i+5 <= len(up); {
		if m, ok := subtotalAt(up, i); ok {
			out = append(out, m)
			i = m.end
			continue
		}
		w := up[i : i+5]
		if ocrLetter(w[0]) && ocrLetter(w[4]) && mismatches(w, "TOTAL") <= 1 && !partOfWord(up, i, i+5) {
			out = append(out, wordMatch{start: i, end: i + 5})
			i += 5
			continue
		}
		if w[:4] == "TOTA" && !ocrLetter(w[4]) && (i == 0 || !isLetter(up[i-1])) {
			// The last letter lost to the colon after it ("Grand Tota: :").
			out = append(out, wordMatch{start: i, end: i + 4})
			i += 4
			continue
		}
		i++
	}
	return out
}

// partOfWord rejects a near-miss of TOTAL glued to letters before it
// ("ATONAL"); an exact TOTAL may be glued ("FinalTotal"), and anything may
// follow ("TolalAmtRounded").
func partOfWord(up string, start, end int) bool {
	return up[start:end] != "TOTAL" && start > 0 && isLetter(up[start-1])
}

// subtotalAt matches "SUB", an optional separator and a TOTAL with up to
// two misread letters, at i.
func subtotalAt(up string, i int) (wordMatch, bool) {
	if !strings.HasPrefix(up[i:], "SUB") || i > 0 && isLetter(up[i-1]) {
		return wordMatch{}, false
	}
	j := i + 3
	if j < len(up) && strings.IndexByte("- _.", up[j]) >= 0 {
		j++
	}
	if j+5 > len(up) || mismatches(up[j:j+5], "TOTAL") > 2 || !ocrLetter(up[j]) {
		return wordMatch{}, false
	}
	return wordMatch{start: i, end: j + 5, sub: true}, true
}

// taxStems name a sales tax even glued to other text ("TotalGST",
// "GST@6%"); "6ST" is Tesseract's GST.
var taxStems = []string{"GST", "6ST", "G5T", "SST", "TAX"}

// taxWords name a sales tax as whole words only: inside other words they
// are letters of something else ("PRIVATE").
var taxWords = []string{"VAT", "PDV", "ПДВ", "PPN", "TVA", "IVA", "MWST"}

// hasTaxWord reports whether s names a sales tax.
func hasTaxWord(s string) bool {
	if containsAny(s, taxStems...) {
		return true
	}
	for _, w := range taxWords {
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
