package parse

import (
	"slices"
	"strings"
)

// digitLetters are the letters Tesseract misreads as digits.
var digitLetters = strings.NewReplacer("0", "O", "1", "I", "5", "S", "8", "B", "2", "Z", "6", "G")

// letterSwaps are letters Tesseract reads one for another.
var letterSwaps = [][2]string{{"L", "I"}, {"I", "L"}, {"RN", "M"}, {"M", "RN"}, {"O", "D"}, {"D", "O"}, {"U", "O"}, {"O", "U"}, {"E", "F"}, {"F", "E"}, {"H", "M"}, {"M", "H"}, {"G", "C"}, {"C", "G"}, {"H", "B"}, {"B", "H"}}

// lexiconSwaps are confusions too loose to trust against the receipt's own
// text: a footer that misreads a name would turn the header's right reading
// into its misreading ("GARDENIA" into "GARDEMIA"), so they correct a word
// only to a lexicon word.
var lexiconSwaps = [][2]string{{"G", "O"}, {"O", "G"}, {"N", "M"}, {"M", "N"}, {"W", "M"}, {"M", "W"}, {"K", "R"}, {"R", "K"}, {"B", "G"}, {"G", "B"}, {"T", "I"}, {"I", "T"}}

// nameLexicon reports a known word of business names.
func (l *loc) nameLexicon(w string) bool {
	return l.tradeLexicon(w) || slices.Contains(l.places, w) || slices.Contains(l.v.Names, w)
}

// tradeLexicon reports a legal form or a word that says what a business
// does: the words after which a lone digit is a branch number, not part of
// the name, as it is after a place ("PERMAS JAYA 2").
func (l *loc) tradeLexicon(w string) bool {
	return slices.Contains(l.legalSuffixes, w) || slices.Contains(l.v.Business, w) || slices.Contains(l.v.Trade, w)
}

// maxElsewhere bounds the text searched for a name printed again.
const maxElsewhere = 16 << 10

// elsewhere returns the upper-cased text below the header, where a name
// may be printed again (a footer, an e-mail or web address), bounded;
// without the lines that carry a price when noPrices is set.
func (l *loc) elsewhere(lines []textLine, from int, noPrices bool) string {
	var b strings.Builder
	for _, ln := range lines[min(from, len(lines)):] {
		if b.Len()+len(ln.up) > maxElsewhere {
			break
		}
		if noPrices && l.endsInPrice(ln.up) {
			continue
		}
		b.WriteString(ln.up)
		b.WriteByte(' ')
	}
	return b.String()
}

// fixConfusions corrects the words of a name that are not known words but
// become one by undoing an OCR confusion: digits read for letters ("5/8"
// is "S/B") or one letter read for another ("BAKERLES" is "BAKERIES").
// A known word is a business word, or a word of five letters or more
// printed elsewhere on the receipt (the name again in a footer, or in an
// e-mail or web address). A word that more than one correction would
// explain is left alone.
func (l *loc) fixConfusions(name, elsewhere, noPrices string) string {
	known := func(w string) bool {
		return l.nameLexicon(w) || len(w) >= 5 && strings.Contains(elsewhere, w)
	}
	f := strings.Fields(name)
	for i, tok := range f {
		core := strings.Trim(tok, ".,;:()")
		if j := strings.Index(core, "."); j > 0 && strings.EqualFold(core[j:], ".COM") {
			core = core[:j] // "ECOSWAY.COM": the name before the domain
		}
		up := keyUpper(core)
		if len(up) < 3 || known(up) {
			continue
		}
		fix := ""
		if d := digitLetters.Replace(up); d != up && known(d) && strings.ContainsAny(up, "0123456789") {
			fix = d
		} else if len(up) >= 4 && !strings.ContainsAny(up, "0123456789") {
			if fix = oneSwap(up, letterSwaps, known); fix == "" {
				fix = oneSwap(up, lexiconSwaps, l.nameLexicon)
			}
		}
		if fix == "" && !strings.ContainsAny(up, "0123456789") {
			// Only the receipt itself confirms a letter put back, outside
			// its item lines: the lexicon would make "BOOK" "BOOKS" and
			// "MARKT" "MARKET", and so would "COMIC BOOKS 5.00".
			fix = oneDropped(up, func(w string) bool { return len(w) >= 4 && countMark(noPrices, w, true) >= 2 })
		}
		if fix == "" {
			continue
		}
		if core != up {
			fix = fix[:1] + strings.ToLower(fix[1:]) // "Bakerles" is "Bakeries"
		}
		f[i] = strings.Replace(tok, core, fix, 1)
	}
	return strings.Join(f, " ")
}

// oneSwap returns the only known word that one of the confusions swaps
// makes of w, or "".
func oneSwap(w string, swaps [][2]string, known func(string) bool) string {
	found := ""
	for _, s := range swaps {
		for k := 0; ; {
			j := strings.Index(w[k:], s[0])
			if j < 0 {
				break
			}
			j += k
			c := w[:j] + s[1] + w[j+len(s[0]):]
			if known(c) && c != found {
				if found != "" {
					return ""
				}
				found = c
			}
			k = j + 1
		}
	}
	return found
}

// oneDropped returns the only known word that w becomes with one letter
// put back ("AON" for "AEON", printed twice more on the receipt), or "".
func oneDropped(w string, known func(string) bool) string {
	found := ""
	for k := 0; k <= len(w); k++ {
		for c := byte('A'); c <= 'Z'; c++ {
			cand := w[:k] + string(c) + w[k:]
			if cand == found || !known(cand) {
				continue
			}
			if found != "" {
				return ""
			}
			found = cand
		}
	}
	return found
}
