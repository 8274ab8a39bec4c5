package parse

import (
	"strings"

	"github.com/receipts-api/receipts/internal/locale"
)

// Detection thresholds: a country is named only when its evidence weighs
// at least minEvidence and beats every other country's by margin. A
// receipt that says little (a few English words and amounts) is left
// without a country rather than given the wrong one's rules.
const (
	minEvidence    = 3
	evidenceMargin = 2
	// maxMarkVotes bounds how much one currency mark counts, however
	// often it is printed.
	maxMarkVotes = 3
	// maxLanguageVotes bounds what the words of a language add: they say
	// the language, not which of its countries.
	maxLanguageVotes = 6
	// maxDetectLines bounds the lines read for evidence.
	maxDetectLines = 400
)

// detectCountry names the country a receipt is from by its evidence:
// currency marks, tax names, legal forms, identifiers, postcode and phone
// formats, places and the words of its language. nil when the evidence is
// too weak or too close between two countries.
func detectCountry(lines []textLine) *locale.Profile {
	p, _ := weighCountries(lines)
	return p
}

// weighCountries returns the winner, if any, and every country's score.
func weighCountries(lines []textLine) (*locale.Profile, map[string]int) {
	if len(lines) > maxDetectLines {
		lines = lines[:maxDetectLines]
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.up)
		b.WriteByte('\n')
	}
	text := b.String()
	scores := map[string]int{}
	currency := currencyVotes(lines)
	langVotes := map[string]int{}
	for _, p := range locale.All() {
		s := 0
		for _, m := range p.Evidence {
			if markFound(text, m) {
				s += m.Weight
			}
		}
		s += min(currency[p.Currency], maxMarkVotes)
		for _, lang := range p.Languages[:1] {
			if _, ok := langVotes[lang]; !ok {
				langVotes[lang] = languageVotes(text, lang)
			}
			s += langVotes[lang]
		}
		scores[p.Country] = s
	}
	var best, second *locale.Profile
	for _, p := range locale.All() {
		switch {
		case best == nil || scores[p.Country] > scores[best.Country]:
			best, second = p, best
		case second == nil || scores[p.Country] > scores[second.Country]:
			second = p
		}
	}
	if best == nil || scores[best.Country] < minEvidence || second != nil && scores[best.Country]-scores[second.Country] < evidenceMargin {
		return nil, scores
	}
	return best, scores
}

// markFound reports a piece of evidence in the receipt's text.
func markFound(text string, m locale.Mark) bool {
	if m.Pattern != "" {
		return len(m.Find(text, 1)) > 0
	}
	if m.Word {
		return countMark(text, m.Text, true) > 0
	}
	return strings.Contains(text, m.Text)
}

// languageVotes counts the distinct evidence words of a language in text,
// bounded.
func languageVotes(text, lang string) int {
	n := 0
	for _, w := range languageEvidence(lang) {
		if countMark(text, w, true) > 0 {
			if n++; n >= maxLanguageVotes {
				break
			}
		}
	}
	return n
}

// languageEvidence returns the evidence words of one language.
func languageEvidence(lang string) []string {
	if l, ok := locale.Lang(lang); ok {
		return l.Evidence
	}
	return nil
}
