package parse

import (
	"strconv"
	"strings"
	"sync"

	"github.com/receipts-api/receipts/internal/locale"
)

// loc is what the parser reads one receipt by: the profile of its
// country, when known, and the words of that country's languages (of every
// language when the country is unknown). Every rule that holds in one
// country only takes its data from here, so it stays silent elsewhere.
type loc struct {
	p *locale.Profile // nil: the country is unknown
	v *locale.Vocabulary
	// decimal is the decimal separator, 0 when unknown: the shape of each
	// number decides.
	decimal       byte
	trailingMinus bool
	prefixes      map[string]bool // letter runs that may touch an amount
	taxStems      []string        // name a tax even glued to other text
	taxWords      []string        // name a tax as whole words
	taxRates      []int64         // in amount units of a percent; none when unknown or any
	cashStep      int64           // cash rounding step in amount units; 0 for none
	legalForms    []string
	legalSuffixes []string
	contact       []string
	regions       []string
	regionTitles  []string
	places        []string
	zeroRated     []string // item codes that mean no tax
	taxCodes      []string // item codes that say how an item is taxed
	itemCodes     map[string]bool
	headerWords   []string
	taxSince      []taxSince
}

// taxSince is the day a tax named by its words began.
type taxSince struct {
	words []string
	day   string
}

var (
	locMu    sync.Mutex
	locCache = map[string]*loc{}
)

// locFor returns the rules of a profile, nil for an unknown country. They
// are built once per country.
func locFor(p *locale.Profile) *loc {
	key := ""
	if p != nil {
		key = p.Country
	}
	locMu.Lock()
	defer locMu.Unlock()
	if l, ok := locCache[key]; ok {
		return l
	}
	l := newLoc(p)
	locCache[key] = l
	return l
}

func newLoc(p *locale.Profile) *loc {
	profiles := locale.All()
	l := &loc{p: p, v: locale.AllVocabulary(), prefixes: map[string]bool{}, itemCodes: map[string]bool{}}
	if p != nil {
		profiles = []*locale.Profile{p}
		l.v = p.Vocabulary()
		l.decimal = p.Decimal[0]
		l.trailingMinus = p.TrailingMinus
		if p.CashRounding != "" {
			l.cashStep = mustUnits(p.CashRounding)
		}
		for _, t := range p.Taxes {
			for _, r := range t.Rates {
				l.taxRates = append(l.taxRates, int64(r*amountScale))
			}
		}
	}
	for _, c := range locale.Currencies() {
		for _, w := range append(append([]string(nil), c.Words...), c.Prefixes...) {
			if w == strings.Trim(w, "$") && letterWord(w) {
				l.prefixes[w] = true
			}
		}
	}
	for _, q := range profiles {
		for _, w := range q.AmountPrefixes {
			l.prefixes[w] = true
		}
		for _, t := range q.Taxes {
			l.taxStems = appendNew(l.taxStems, t.Stems...)
			l.taxWords = appendNew(l.taxWords, t.Words...)
			if t.Since != "" {
				l.taxSince = append(l.taxSince, taxSince{words: t.Words, day: t.Since})
			}
		}
		l.legalForms = appendNew(l.legalForms, q.LegalForms...)
		l.contact = appendNew(l.contact, q.Contact...)
		l.regions = appendNew(l.regions, q.Regions...)
		l.regionTitles = appendNew(l.regionTitles, q.RegionTitles...)
		l.places = appendNew(l.places, q.Places...)
		l.zeroRated = appendNew(l.zeroRated, q.ZeroRatedCodes...)
		l.taxCodes = appendNew(l.taxCodes, q.TaxCodes...)
	}
	if p == nil {
		// With no country known, a tax is named only by what every country
		// would read as one; a stem glued to other text ("GST@6%") is
		// still its country's.
		l.taxSince = nil
	}
	l.taxStems = appendNew(l.taxStems, l.v.Tax...)
	l.legalSuffixes = appendNew(append([]string(nil), l.v.LegalSuffixes...), l.legalForms...)
	l.contact = appendNew(append([]string(nil), l.v.Contact...), l.contact...)
	for _, c := range [][]string{l.v.ItemCodes, l.zeroRated, l.taxCodes} {
		for _, w := range c {
			l.itemCodes[w] = true
		}
	}
	for _, c := range locale.Currencies() {
		if p == nil || c.Code == p.Currency {
			for _, w := range c.Words {
				l.itemCodes[w] = true
			}
		}
	}
	l.headerWords = appendNew(append([]string(nil), l.v.ItemHeader...), l.taxWords...)
	return l
}

// country is the profile's country code, "" when unknown.
func (l *loc) country() string {
	if l.p == nil {
		return ""
	}
	return l.p.Country
}

func appendNew(to []string, words ...string) []string {
	for _, w := range words {
		found := false
		for _, x := range to {
			found = found || x == w
		}
		if !found {
			to = append(to, w)
		}
	}
	return to
}

func letterWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if !isLetter(w[i]) {
			return false
		}
	}
	return w != ""
}

// mustUnits reads a decimal written in the profiles' data.
func mustUnits(s string) int64 {
	i, f, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(i, 10, 64)
	if err != nil {
		panic("parse: bad decimal " + s)
	}
	for len(f) < 4 {
		f += "0"
	}
	m, _ := strconv.ParseInt(f[:4], 10, 64)
	return n*amountScale + m
}
