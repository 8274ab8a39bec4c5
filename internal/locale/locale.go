// Package locale holds what differs between the countries receipts come
// from, as data: one profile per country (currency, number and date
// formats, taxes, cash rounding, legal forms, places, identifiers, and the
// evidence that a receipt is from there) and the vocabulary of each
// language receipts are printed in (the labels of total, subtotal,
// payment and change, month names, the words of names and addresses).
// The profiles and languages are the JSON files under data/; adding a
// country is adding a file. The parser reads them; no country rule lives
// anywhere else.
package locale

import (
	"embed"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Profile is what differs on the receipts of one country.
type Profile struct {
	// Country is the ISO 3166-1 alpha-2 code.
	Country string `json:"country"`
	Name    string `json:"name"`
	// Languages are the codes of the languages its receipts are printed
	// in, the first the country's own.
	Languages []string `json:"languages"`
	// Tesseract names the traineddata that reads its language ("deu").
	Tesseract string `json:"tesseract"`
	// Currency is the ISO 4217 code of its money.
	Currency string `json:"currency"`
	// AmountPrefixes are letter runs that may sit directly before an
	// amount ("RM8.50"), as printed or as OCR misreads them ("RN").
	AmountPrefixes []string `json:"amountPrefixes"`
	// Decimal is the decimal separator, Grouping the thousands
	// separators, as the country prints amounts.
	Decimal  string `json:"decimal"`
	Grouping string `json:"grouping"`
	// TrailingMinus: a minus after an amount makes it negative ("0,25-").
	TrailingMinus bool `json:"trailingMinus"`
	// DateOrder is how numeric dates are written: "DMY" or "MDY".
	DateOrder string `json:"dateOrder"`
	// CashRounding is the step totals paid in cash are rounded to
	// ("0.05"), empty when none.
	CashRounding string `json:"cashRounding"`
	Taxes        []Tax  `json:"taxes"`
	// TaxBeforeNet: its tax summaries may print a rate's tax before the
	// amount it is charged on ("MWST + Netto = Brutto").
	TaxBeforeNet bool `json:"taxBeforeNet"`
	// TaxCodes are the codes printed beside items to say how they are
	// taxed ("SR", "ZR"), ZeroRatedCodes those that mean no tax.
	TaxCodes       []string `json:"taxCodes"`
	ZeroRatedCodes []string `json:"zeroRatedCodes"`
	// Contact are words of the country's contact and registration block
	// ("ROC" for a Malaysian company number).
	Contact []string `json:"contact"`
	// LegalForms end a company's name ("GMBH", "SDN BHD").
	LegalForms []string `json:"legalForms"`
	// Regions are the states and regions an address ends with.
	Regions []string `json:"regions"`
	// RegionTitles continue a region's name on the next line ("SELANGOR" /
	// "DARUL EHSAN").
	RegionTitles []string `json:"regionTitles"`
	// Places are towns and the words of place names that branch and
	// company names carry.
	Places []string `json:"places"`
	// Evidence is what tells that a receipt is from this country.
	Evidence []Mark `json:"evidence"`
	// Identifiers are the tax and registration numbers that name a
	// seller on paper.
	Identifiers []Identifier `json:"identifiers"`
	// Postcode matches a postcode on an address line.
	Postcode string `json:"postcode"`

	postcode *regexp.Regexp
	vocab    *Vocabulary
}

// Tax is a sales tax of a country.
type Tax struct {
	Name string `json:"name"`
	// Words name the tax on receipts, as whole words; Stems name it even
	// glued to other text ("TotalGST", "GST@6%"), OCR misreadings
	// included ("6ST").
	Words []string `json:"words"`
	Stems []string `json:"stems"`
	// Rates are its rates in percent; AnyRate, a tax whose rate varies
	// (US sales tax), has none to check.
	Rates   []float64 `json:"rates"`
	AnyRate bool      `json:"anyRate"`
	// Since is the day it began (YYYY-MM-DD): a receipt that charges it
	// is not older.
	Since string `json:"since"`
}

// Mark is a piece of evidence: a text (Word: only as a whole word) or a
// regular expression, found on a receipt's upper-cased, accent-folded
// text, and what it weighs.
type Mark struct {
	Text    string `json:"text"`
	Pattern string `json:"pattern"`
	Word    bool   `json:"word"`
	Weight  int    `json:"weight"`

	re *regexp.Regexp
}

// Identifier is a kind of number that names a seller.
type Identifier struct {
	Kind    string `json:"kind"`
	Pattern string `json:"pattern"`

	re *regexp.Regexp
}

// Find returns the matches of m's pattern in up, at most n.
func (m Mark) Find(up string, n int) [][]int {
	if m.re == nil {
		return nil
	}
	return m.re.FindAllStringIndex(up, n)
}

// Find returns the identifiers of this kind in up, at most n.
func (id Identifier) Find(up string, n int) []string {
	var out []string
	for _, m := range id.re.FindAllStringSubmatch(up, n) {
		out = append(out, m[len(m)-1])
	}
	return out
}

// PostcodeIn reports whether up holds a postcode of the country.
func (p *Profile) PostcodeIn(up string) bool {
	return p.postcode != nil && p.postcode.MatchString(up)
}

// Vocabulary is the words of the profile's languages together.
func (p *Profile) Vocabulary() *Vocabulary { return p.vocab }

// MonthFirst reports numeric dates written month first.
func (p *Profile) MonthFirst() bool { return p.DateOrder == "MDY" }

// Currency is a currency as receipts print it.
type Currency struct {
	Code string `json:"code"`
	// Symbols name it anywhere ("€"); Words only as whole words ("EUR"),
	// digits may touch them ("EUR12,50").
	Symbols []string `json:"symbols"`
	Words   []string `json:"words"`
	// Prefixes may sit directly before an amount ("RS150.00") but say too
	// little to name the currency.
	Prefixes []string `json:"prefixes"`
}

//go:embed data/countries/*.json data/languages/*.json data/currencies.json
var data embed.FS

// tables are the data, decoded, checked and compiled.
type tables struct {
	profiles   map[string]*Profile
	languages  map[string]*Language
	currencies []Currency
	all        *Vocabulary
}

// loaded reads the data on first use, not at init: of the functions, only
// the processor links the parser, and building the tables (2-3 ms, the
// most of anything in its init) then falls to its first receipt instead of
// every cold start, whether it reads one or not. The data is embedded and
// the tests load it, so a panic here is a broken build.
var loaded = sync.OnceValue(func() *tables {
	t, err := load()
	if err != nil {
		panic(err)
	}
	return t
})

func load() (*tables, error) {
	var t tables
	var err error
	if t.languages, err = loadLanguages(); err != nil {
		return nil, err
	}
	if t.profiles, err = loadProfiles(t.languages); err != nil {
		return nil, err
	}
	if err = decode("data/currencies.json", &t.currencies); err != nil {
		return nil, err
	}
	var codes []string
	for c := range t.languages {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	t.all = merge(t.languages, codes)
	return &t, nil
}

// Get returns the profile of a country by its ISO 3166-1 alpha-2 code,
// in any letter case.
func Get(country string) (*Profile, bool) {
	p, ok := loaded().profiles[strings.ToUpper(country)]
	return p, ok
}

// All returns every profile, ordered by country code.
func All() []*Profile {
	profiles := loaded().profiles
	out := make([]*Profile, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Profile) int { return strings.Compare(a.Country, b.Country) })
	return out
}

// Countries returns the codes of every profile, sorted.
func Countries() []string {
	var out []string
	for _, p := range All() {
		out = append(out, p.Country)
	}
	return out
}

// Currencies returns the currencies receipts are read in: each with the
// symbols and words that name it.
func Currencies() []Currency { return loaded().currencies }

// AllVocabulary is the words of every language together, for a receipt
// whose country is unknown.
func AllVocabulary() *Vocabulary { return loaded().all }

// Fold upper-cases s and writes the letters with diacritics that receipts
// print in Latin scripts as their base letters ("Rückgeld" is "RUCKGELD",
// "NAKİT" is "NAKIT", "Straße" is "STRASSE"), the form every word in the
// data is written in. Cyrillic letters are upper-cased and kept.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(FoldRune(r))
	}
	return b.String()
}

// FoldRune is Fold of one letter.
func FoldRune(r rune) string {
	switch {
	case r >= 'a' && r <= 'z':
		return string(r - 'a' + 'A')
	case r < 0x80:
		return string(r)
	case r >= 'а' && r <= 'я':
		return string(r - 'а' + 'А')
	case r >= 'ѐ' && r <= 'џ':
		return string(r - 'ѐ' + 'Ѐ')
	}
	if f, ok := folds[r]; ok {
		return f
	}
	return string(r)
}

// folds are the Latin letters with diacritics of the supported languages.
var folds = func() map[rune]string {
	m := map[rune]string{'ß': "SS", 'ẞ': "SS", 'ı': "I", 'İ': "I", 'Œ': "OE", 'œ': "OE", 'Æ': "AE", 'æ': "AE", 'Ø': "O", 'ø': "O", 'Đ': "D", 'đ': "D"}
	for base, variants := range map[string]string{
		"A": "ÀÁÂÃÄÅàáâãäåĀāĂăĄą",
		"C": "ÇçĆćĈĉĊċČč",
		"D": "Ďď",
		"E": "ÈÉÊËèéêëĒēĖėĘęĚě",
		"G": "ĞğĜĝĠġĢģ",
		"I": "ÌÍÎÏìíîïĪīĮį",
		"L": "ŁłĹĺĽľ",
		"N": "ÑñŃńŇň",
		"O": "ÒÓÔÕÖòóôõöŌōŐő",
		"R": "ŘřŔŕ",
		"S": "ŚśŞşŠšȘș",
		"T": "ŢţŤťȚț",
		"U": "ÙÚÛÜùúûüŪūŮůŰűŲų",
		"Y": "ÝýŸÿ",
		"Z": "ŹźŻżŽž",
	} {
		for _, r := range variants {
			m[r] = base
		}
	}
	return m
}()

func decode(path string, v any) error {
	b, err := data.ReadFile(path)
	if err != nil {
		return fmt.Errorf("locale: %w", err)
	}
	if err := strictJSON(b, v); err != nil {
		return fmt.Errorf("locale: %s: %w", path, err)
	}
	return nil
}

func loadProfiles(langs map[string]*Language) (map[string]*Profile, error) {
	files, err := data.ReadDir("data/countries")
	if err != nil {
		return nil, fmt.Errorf("locale: %w", err)
	}
	out := map[string]*Profile{}
	for _, f := range files {
		var p Profile
		if err := decode("data/countries/"+f.Name(), &p); err != nil {
			return nil, err
		}
		if err := p.prepare(langs); err != nil {
			return nil, fmt.Errorf("locale: %s: %w", f.Name(), err)
		}
		if out[p.Country] != nil {
			return nil, fmt.Errorf("locale: %s: country %s twice", f.Name(), p.Country)
		}
		out[p.Country] = &p
	}
	return out, nil
}

var (
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)
	isoDay       = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// prepare checks a profile and compiles its patterns.
func (p *Profile) prepare(langs map[string]*Language) error {
	switch {
	case !countryCode.MatchString(p.Country):
		return fmt.Errorf("country %q: want an ISO 3166-1 alpha-2 code", p.Country)
	case !currencyCode.MatchString(p.Currency):
		return fmt.Errorf("currency %q: want an ISO 4217 code", p.Currency)
	case p.Decimal != "." && p.Decimal != ",":
		return fmt.Errorf("decimal %q: want . or ,", p.Decimal)
	case p.Grouping == "" || strings.Contains(p.Grouping, p.Decimal):
		return fmt.Errorf("grouping %q: want separators other than the decimal one", p.Grouping)
	case p.DateOrder != "DMY" && p.DateOrder != "MDY":
		return fmt.Errorf("dateOrder %q: want DMY or MDY", p.DateOrder)
	case p.CashRounding != "" && p.CashRounding != "0.05" && p.CashRounding != "0.10" && p.CashRounding != "1":
		return fmt.Errorf("cashRounding %q: want 0.05, 0.10, 1 or empty", p.CashRounding)
	case p.Tesseract == "" || len(p.Languages) == 0:
		return fmt.Errorf("tesseract and languages are required")
	}
	for _, t := range p.Taxes {
		if t.Since != "" && !isoDay.MatchString(t.Since) {
			return fmt.Errorf("tax %s since %q: want YYYY-MM-DD", t.Name, t.Since)
		}
		if len(t.Rates) == 0 && !t.AnyRate {
			return fmt.Errorf("tax %s: rates or anyRate", t.Name)
		}
	}
	for _, l := range p.Languages {
		if langs[l] == nil {
			return fmt.Errorf("language %q has no vocabulary", l)
		}
	}
	for i := range p.Evidence {
		if err := p.Evidence[i].compile(); err != nil {
			return err
		}
	}
	for i := range p.Identifiers {
		re, err := regexp.Compile(p.Identifiers[i].Pattern)
		if err != nil {
			return fmt.Errorf("identifier %s: %w", p.Identifiers[i].Kind, err)
		}
		p.Identifiers[i].re = re
	}
	if p.Postcode != "" {
		re, err := regexp.Compile(p.Postcode)
		if err != nil {
			return fmt.Errorf("postcode: %w", err)
		}
		p.postcode = re
	}
	p.vocab = merge(langs, p.Languages)
	return nil
}

func (m *Mark) compile() error {
	switch {
	case m.Weight <= 0:
		return fmt.Errorf("evidence %q%q: weight must be above 0", m.Text, m.Pattern)
	case (m.Text == "") == (m.Pattern == ""):
		return fmt.Errorf("evidence %q%q: want a text or a pattern", m.Text, m.Pattern)
	case m.Text != "" && Fold(m.Text) != m.Text:
		return fmt.Errorf("evidence %q: write it upper-cased and folded, %q", m.Text, Fold(m.Text))
	case m.Pattern != "":
		re, err := regexp.Compile(m.Pattern)
		if err != nil {
			return fmt.Errorf("evidence pattern: %w", err)
		}
		m.re = re
	}
	return nil
}
