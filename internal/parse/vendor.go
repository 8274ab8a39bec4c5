package parse

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/locale"
)

var (
	houseNo   = regexp.MustCompile(`^[A-Z]?\d+[A-Z]?(-[A-Z]?\d+[A-Z]?)?\s?[,-]`)
	email     = regexp.MustCompile(`[A-Z0-9._-]@[A-Z0-9-]+\.[A-Z]`)
	clock     = regexp.MustCompile(`(^|[^0-9])\d{1,2}:\d{2}([^0-9]|$)`)
	phone     = regexp.MustCompile(`\d{2,4}\s?-\s?\d{3,4}\s?\d{3,5}|\(\d{2,4}\)\s?\d{3,4}[-\s]?\d{3,4}|\+\d{2,3}[\s-]?\d|(^|[^0-9])0\d{8,10}([^0-9]|$)`)
	regNumber = regexp.MustCompile(`\d{5,}\s?[-~]\s?[A-Z)]|\(\d{5,}\s[A-Z]\)`)
	// A registration number in brackets, digits misread as letters
	// included: "(519537-X)", "{519S37-X)".
	regParens  = regexp.MustCompile(`\s*[(\[{][^()\[\]{}]*?(?:\d[^()\[\]{}\d]*){4,}[)\]}]?`)
	vendorJunk = `\[]|<>=_^~*"#@`
)

// nameTrim is debris Tesseract leaves at the ends of a name line.
const nameTrim = " |*,;:.'‘’\"“”~-_!"

// addressTrim is debris Tesseract leaves at the ends of address lines.
const addressTrim = " |*,;:'‘\""

// maxVendorLines bounds how far down a vendor name is looked for.
const maxVendorLines = 10

// maxAddressLines bounds an address.
const maxAddressLines = 6

// header is the vendor block at the top of a receipt.
type header struct {
	vendor      string
	address     string
	vendorConf  float64
	addressConf float64
	end         int // the line after the block
	from, to    int // the vendor's lines, -1 when none
}

// findHeader reads the vendor name and its address. The name is the first
// line naming a business (a legal form such as SDN BHD, or a trade such as
// RESTORAN) before the address starts, else the first line that reads as
// words rather than OCR debris. The address is the lines under it, up to
// the contact and registration lines.
func (l *loc) findHeader(lines []textLine) header {
	h := l.headerAt(lines, l.vendorLine(lines))
	if h.vendor != "" && l.isCompany(keyUpper(h.vendor)) {
		return h
	}
	// The header names no business: its name may be a logo that does not
	// read. What else names the seller does.
	if name, at, ok := l.vendorElsewhere(lines, h.from, h.to); ok {
		h.vendor, h.from, h.to = name, at, at
		h.vendorConf = l.vendorSupport(lines, at, at, name)
		return h
	}
	if h.vendor == "" {
		// Nothing reads as a name: the web or e-mail domain the header
		// prints names the seller ("www.marktkauf-lehr.de").
		if d, at, ok := headerDomain(lines); ok {
			h.vendor, h.from, h.to, h.vendorConf = d, at, at, 0.3
		}
	}
	return h
}

// headerDomain returns the first web or e-mail domain of the header's
// lines, where it is the seller's: lower down it may be a card
// processor's or a loyalty scheme's.
func headerDomain(lines []textLine) (string, int, bool) {
	seen := 0
	for i, ln := range lines {
		if ln.up == "" {
			continue
		}
		if seen++; seen > maxAddressSearch {
			break
		}
		if m := webDomain.FindStringSubmatch(ln.up); m != nil {
			return strings.ToLower(m[1]), i, true
		}
	}
	return "", 0, false
}

// headerAt reads the vendor's name from line v and the address under it.
func (l *loc) headerAt(lines []textLine, v int) header {
	if v < 0 {
		return header{from: -1, to: -1}
	}
	if p := prevNonEmpty(lines, v); p >= 0 && l.continuesName(lines[p]) && (l.onlyLegalForm(strings.Trim(lines[v].up, nameTrim)) || l.startsWithLegalForm(lines[v]) && !l.isCompany(lines[p].up)) {
		v = p // "MPH BOOKSTORES" / "SDN BHD", "AIK HUAT HARDWARE" / "ENTERPRISE (SETIA ..."
	}
	name, last := l.joinVendor(lines, v)
	if owner, at, ok := l.ownerName(lines, last, name); ok {
		name, last = owner, at
	}
	h := header{vendor: l.fixConfusions(l.cleanVendor(name), l.elsewhere(lines, last+1, false), l.elsewhere(lines, last+1, true)), end: last + 1, from: v, to: last}
	h.vendorConf = l.vendorSupport(lines, v, last, h.vendor)
	addr, end := l.addressAfter(lines, last)
	h.address = addr
	h.addressConf = meanConf(lines[last+1:end]) * 0.8
	h.end = max(h.end, end)
	return h
}

// maxEntityLines bounds the lines searched for the seller's legal name.
const maxEntityLines = 400

// vendorElsewhere finds the seller's name outside a header that names no
// business: its legal name printed anywhere on the receipt ("Aldi GmbH &
// Co. KG, Schloß Holte" in the footer), else the line right above the
// address ("Marktkauf Lehr" / "Detmolder Str. 4"). Lines from skipFrom to
// skipTo are the header's own.
func (l *loc) vendorElsewhere(lines []textLine, skipFrom, skipTo int) (string, int, bool) {
	for i, ln := range lines[:min(len(lines), maxEntityLines)] {
		if i >= skipFrom && i <= skipTo && skipFrom >= 0 {
			continue
		}
		if name, ok := l.legalName(ln); ok {
			return name, i, true
		}
	}
	if i := l.lineAboveAddress(lines); i >= 0 && (i < skipFrom || i > skipTo || skipFrom < 0) {
		// A name printed again below (a footer, a web address) is the
		// seller's; a header line that is not is a slogan or debris.
		name := l.cleanVendor(lines[i].raw)
		header := ""
		if skipFrom >= 0 {
			header = lines[skipFrom].raw
		}
		if plausibleName(name) && l.printedAgain(lines[i+1:], name) && (header == "" || !l.printedAgain(lines[skipTo+1:], header)) {
			return name, i, true
		}
	}
	return "", 0, false
}

// legalName reads a company's legal name from a line that holds one: the
// words before its legal form, back to a number or a label, and the form.
func (l *loc) legalName(ln textLine) (string, bool) {
	if !anyWord(ln.up, l.legalForms) || l.isTableHeader(ln.up) {
		return "", false
	}
	name := l.cutAfterLegalForm(ln.raw)
	f := strings.Fields(name)
	start := 0
	for k, w := range f {
		if strings.ContainsAny(w, "0123456789:#@/|") {
			start = k + 1
		}
	}
	if start >= len(f) {
		return "", false
	}
	name = strings.Trim(strings.Join(f[start:], " "), nameTrim)
	up := keyUpper(name)
	if l.onlyLegalForm(up) || letterCount(strings.Join(f[start:min(len(f), start+1)], "")) < 2 || !plausibleName(name) {
		return "", false
	}
	return l.cleanVendor(name), true
}

// maxAddressSearch bounds the lines searched for the first address line.
const maxAddressSearch = 15

// lineAboveAddress returns the line right above the first line of the
// header that reads as a street address with a number, -1 when none.
func (l *loc) lineAboveAddress(lines []textLine) int {
	seen := 0
	for i, ln := range lines {
		if ln.up == "" {
			continue
		}
		if seen++; seen > maxAddressSearch || l.isMoneyLine(lines, i, 1) {
			return -1
		}
		if !l.isAddress(ln.up) || !strings.ContainsAny(ln.up, "0123456789") || l.isContact(ln.up) {
			continue
		}
		p := prevNonEmpty(lines, i)
		if p < 0 || l.isAddress(lines[p].up) || l.isContact(lines[p].up) || l.isTitle(lines[p].up) || anyWord(lines[p].up, l.v.Notices) {
			return -1
		}
		return p
	}
	return -1
}

// vendorLine returns the index of the vendor's line, or -1.
func (l *loc) vendorLine(lines []textLine) int {
	first, seen := -1, 0
	for i, ln := range lines {
		if alnumCount(ln.up) < 3 {
			continue // specks and rules, not lines of print
		}
		if seen++; seen > maxVendorLines {
			break
		}
		if l.isTitle(ln.up) || anyWord(ln.up, l.v.Notices) {
			continue
		}
		if l.isTableHeader(ln.up) {
			break
		}
		if l.isMoneyLine(lines, i, 1) {
			if letterCount(ln.up) > 2 {
				break
			}
			continue // an amount alone: a note or stamp above the name, not an item
		}
		name := keyUpper(l.fixLegalForm(strings.Trim(ln.raw, nameTrim)))
		if l.isCompany(name) {
			return i
		}
		// Debris can hold an address or contact word ("ST", "ID"); a real
		// address or contact line near the top has a number in it.
		// A number alone ("3-1708032") is neither.
		if (l.isContact(ln.up) || l.isAddress(ln.up)) && strings.ContainsAny(ln.up, "0123456789") && letterCount(ln.up) > 0 {
			break
		}
		if l.isContact(ln.up) {
			continue
		}
		if first < 0 && plausibleName(regParens.ReplaceAllString(name, "")) {
			first = i
		}
	}
	return first
}

// isMoneyLine reports a line with a labelled amount or at least n
// prices: the header is over. Addresses pass n = 2, as "55,57" in one
// reads as a price.
func (l *loc) isMoneyLine(lines []textLine, i, n int) bool {
	prices := 0
	for _, a := range l.moneyAmounts(lines[i].up) {
		if a.decimals == 2 {
			prices++
		}
	}
	if prices >= n {
		return true
	}
	for _, lb := range l.labelsInLine(lines, i) {
		if lb.amt.text != "" {
			return true
		}
	}
	return false
}

// endsInPrice reports a line ending in a price, give or take a tax code:
// an item line ("MILK £1.20", "BANANEN 1,99 B"), where an address line
// ends in a house or post number.
func (l *loc) endsInPrice(up string) bool {
	a, ok := l.lastAmount(up)
	if !ok || a.decimals != 2 {
		return false
	}
	return len(strings.TrimSpace(up[a.end:])) <= 2
}

// isTableHeader reports the header of the items table.
func (l *loc) isTableHeader(up string) bool {
	n := 0
	for _, w := range l.v.TableHeader {
		if strings.Contains(up, w) {
			n++
		}
	}
	return n >= 2
}

// isTitle reports a document title line such as "TAX INVOICE".
func (l *loc) isTitle(up string) bool {
	return !strings.ContainsAny(up, "0123456789") && anyWord(up, l.v.Titles)
}

// isCompany reports a line naming a business.
func (l *loc) isCompany(up string) bool {
	if l.isContact(up) || !plausibleName(regParens.ReplaceAllString(up, "")) {
		return false
	}
	return anyWord(up, l.legalSuffixes) || anyWord(up, l.v.Business) && !l.isAddress(up)
}

// isContact reports phone, registration, document and date lines.
func (l *loc) isContact(up string) bool {
	// "LAZADA.COM SDN BHD" is a name; a bare ".COM" is a web address.
	if anyWord(up, l.contact) || email.MatchString(up) || strings.Contains(up, ".COM") && !anyWord(up, l.legalSuffixes) {
		return true
	}
	// A registration number in brackets after a name leaves it a name.
	bare := regParens.ReplaceAllString(up, "")
	return phone.MatchString(up) || clock.MatchString(up) || regNumber.MatchString(bare) || len(l.datesInLine(up, false)) > 0
}

// isAddress reports a line that reads as part of a street address.
func (l *loc) isAddress(up string) bool {
	return anyWord(up, l.v.Address) || l.postcodeIn(up) || houseNo.MatchString(up) || l.streetWithNumber(up)
}

// streetWithNumber reports a street named by a compound word and a house
// number: "Pohlweg 110", "Detmolder Straße 8", "Husener Str. 121".
func (l *loc) streetWithNumber(up string) bool {
	if len(l.v.AddressSuffixes) == 0 || !strings.ContainsAny(up, "0123456789") {
		return false
	}
	for _, w := range strings.FieldsFunc(up, notLetter) {
		for _, suf := range l.v.AddressSuffixes {
			if len(w) > len(suf) && strings.HasSuffix(w, suf) {
				return true
			}
		}
	}
	return false
}

// startsAny reports whether s starts with any of the prefixes.
func startsAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// postcodeIn reports a postcode of the receipt's country on a line, of
// any country's when it is unknown.
func (l *loc) postcodeIn(up string) bool {
	if l.p != nil {
		return l.p.PostcodeIn(up)
	}
	for _, p := range locale.All() {
		if p.PostcodeIn(up) {
			return true
		}
	}
	return false
}

// anyWord reports whether up contains any of the words as whole words.
func anyWord(up string, words []string) bool {
	for _, w := range words {
		if hasWord(up, w) {
			return true
		}
	}
	return false
}

// plausibleName reports text that reads as words rather than OCR debris:
// mostly letters, mostly in words of three letters or more or initials
// ("D.I.Y."), and no stray symbols. Punctuation that names use
// (". ( ) & ' - / ,") is neutral.
func plausibleName(s string) bool {
	letters, other, run, inWords := 0, 0, 0, 0
	endRun := func(next rune) {
		if run >= 3 || next == '.' {
			inWords += run
		}
		run = 0
	}
	for _, r := range s {
		switch {
		case r < 0x80 && isLetter(byte(r)):
			letters++
			run++
			continue
		case r < 0x80 && strings.IndexByte(" .()&'-/,", byte(r)) >= 0, r == '’':
		case r < 0x80 && strings.IndexByte(vendorJunk, byte(r)) >= 0, r == '“', r == '”':
			return false
		default:
			other++
		}
		endRun(r)
	}
	endRun(0)
	return inWords >= 3 && inWords*10 >= letters*6 && letters*10 >= (letters+other)*6
}

// alnumCount counts ASCII letters and digits.
func alnumCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) || isDigit(s[i]) {
			n++
		}
	}
	return n
}

// joinVendor joins a name Tesseract broke over two lines: "HARDWARE &" /
// "ELECTRICAL", or a next line that starts with a legal form ("SDN BHD",
// "ENTERPRISE (SETIA ..."). It returns the name and the index of its last
// line.
func (l *loc) joinVendor(lines []textLine, v int) (string, int) {
	name, last := lines[v].raw, v
	for range maxNameLines - 1 {
		up := strings.TrimRight(keyUpper(name), " ")
		open := strings.HasSuffix(up, "&") || strings.HasSuffix(up, " AND") || strings.HasSuffix(up, ",") || strings.HasSuffix(up, "-") || openBracket(up)
		next := nextNonEmpty(lines, last)
		if next < 0 || !l.continuesName(lines[next]) {
			break
		}
		if !open && !l.startsWithLegalForm(lines[next]) && !l.onlyLegalForm(lines[next].up) {
			break
		}
		name, last = name+" "+lines[next].raw, next
	}
	return name, last
}

// maxNameLines is the most lines a name is printed over: "AIK HUAT
// HARDWARE" / "ENTERPRISE (SETIA" / "ALAM) SDN BHD".
const maxNameLines = 3

// openBracket reports a bracket opened and not closed: the name goes on.
func openBracket(up string) bool {
	return strings.LastIndexAny(up, "({[") > strings.LastIndexAny(up, ")}]")
}

// startsWithLegalForm reports a line whose first word is a legal form or
// a word only names carry ("ENTERPRISE (SETIA", "SDN BHD").
func (l *loc) startsWithLegalForm(ln textLine) bool {
	first := strings.Fields(keyUpper(l.fixLegalForm(ln.raw)))
	return len(first) > 0 && anyWord(first[0], l.legalSuffixes)
}

// letterCount counts ASCII letters.
func letterCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			n++
		}
	}
	return n
}

// ownerName finds the legal name of the business under a trade name that
// has no legal form: the same name printed again with one on one of the
// next two lines ("Banh Mi Cafe" / "Dimiliki: banh mi cafe sdn bhd",
// "owned by", "a member of"). It returns the legal name from where the
// trade name starts, and its line.
func (l *loc) ownerName(lines []textLine, last int, name string) (string, int, bool) {
	trade := strings.Join(strings.Fields(keyUpper(l.cleanVendor(name))), " ")
	if len(trade) < 4 || anyWord(trade, l.legalSuffixes) {
		return "", 0, false
	}
	for j, n := last, 0; n < 2; n++ {
		if j = nextNonEmpty(lines, j); j < 0 {
			break
		}
		raw := lines[j].raw
		k := strings.Index(keyUpper(raw), trade) // keyUpper keeps byte offsets
		if k < 0 {
			continue
		}
		owner := l.cleanVendor(raw[k:])
		if up := keyUpper(owner); len(up) > len(trade) && anyWord(up[len(trade):], l.legalForms) {
			return owner, j, true
		}
	}
	return "", 0, false
}

// continuesName reports a line that can be part of a name.
func (l *loc) continuesName(ln textLine) bool {
	return plausibleName(regParens.ReplaceAllString(strings.Trim(ln.raw, nameTrim), "")) && !l.isContact(ln.up) && !l.isAddress(ln.up) && !anyWord(ln.up, l.v.Notices)
}

// onlyLegalForm reports a line that is nothing but a legal form.
func (l *loc) onlyLegalForm(up string) bool {
	up = strings.Trim(up, " .")
	for _, s := range l.legalSuffixes {
		if up == s || up == s+"." {
			return true
		}
	}
	return false
}

// nextNonEmpty returns the index of the next non-empty line after i, or -1.
func nextNonEmpty(lines []textLine, i int) int {
	for j := i + 1; j < len(lines); j++ {
		if lines[j].up != "" {
			return j
		}
	}
	return -1
}

// addressAfter collects the address lines after line v: it skips debris
// and registration lines until a line reads as an address, then takes
// lines until the contact block, a state name, or a block break followed
// by something that is not an address.
func (l *loc) addressAfter(lines []textLine, v int) (string, int) {
	var parts []string
	skipped, blank, end := 0, false, v+1
	for j := v + 1; j < len(lines) && len(parts) < maxAddressLines; j++ {
		ln := lines[j]
		if ln.up == "" {
			blank = len(parts) > 0
			continue
		}
		if l.isMoneyLine(lines, j, 2) || l.endsInPrice(ln.up) {
			break
		}
		text := strings.Trim(ln.raw, addressTrim)
		// A line that is only a registration number is not address.
		contact := l.isContact(ln.up) || strings.Trim(regParens.ReplaceAllString(text, ""), addressTrim+"()") == ""
		if len(parts) == 0 {
			if contact || !l.startsAddress(ln.up) || !plausibleAddress(text) {
				if skipped++; skipped > 3 {
					break
				}
				continue
			}
		} else if contact || !plausibleAddress(text) || blank && !l.continuesAddress(ln.up) {
			break
		}
		parts = append(parts, text)
		end, blank = j+1, false
		if l.endsAddress(lines, j) {
			break
		}
	}
	return strings.Join(parts, ", "), end
}

// startsAddress reports a line an address can start with: address words,
// a postcode or house number, or digits among words ("Basement 1").
func (l *loc) startsAddress(up string) bool {
	if l.isAddress(up) {
		return true
	}
	words := 0
	for _, w := range strings.FieldsFunc(up, notLetter) {
		if len(w) >= 3 {
			words++
		}
	}
	return words >= 2 && strings.ContainsAny(up, "0123456789")
}

// continuesAddress reports a line that continues an address after a
// block break.
func (l *loc) continuesAddress(up string) bool {
	return l.isAddress(up) || anyWord(up, l.regions) || strings.ContainsAny(up, "0123456789")
}

// endsAddress reports a line ending in a state or country name, unless
// the state's title follows on the next line ("SELANGOR" / "DARUL EHSAN").
func (l *loc) endsAddress(lines []textLine, j int) bool {
	up := strings.TrimRight(lines[j].up, " .,;")
	for _, s := range l.regions {
		if strings.HasSuffix(up, s) {
			n := nextNonEmpty(lines, j)
			return n < 0 || !startsAny(lines[n].up, l.regionTitles)
		}
	}
	return false
}

// plausibleAddress reports text that reads as an address line: letters
// and digits, few symbols.
func plausibleAddress(s string) bool {
	alnum, other := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLetter(c) || isDigit(c):
			alnum++
		case c == ' ':
		case strings.IndexByte(`\[]{}|<>=_^~*"`, c) >= 0:
			return false
		default:
			other++
		}
	}
	return alnum >= 3 && alnum*10 >= (alnum+other)*6
}

// cleanVendor tidies a vendor line: drops registration numbers and what
// follows the legal form, and undoes OCR misreadings inside words.
func (l *loc) cleanVendor(s string) string {
	// The legal form first: a registration number in the bracket of a
	// misread "(M)" ("COSWAY (vy SON BHD 0118-4)") must not take the
	// name's legal form with it.
	s = l.cutAfterLegalForm(l.fixLegalForm(strings.Trim(s, nameTrim)))
	s = regParens.ReplaceAllString(s, "")
	s = dropDebrisWords(s)
	s = fixOCRName(s)
	s = l.fixLegalForm(s)
	s = l.cutAfterLegalForm(s)
	s = l.dropBranchNumber(strings.Trim(s, nameTrim))
	return l.keepFormsPoint(strings.Trim(s, nameTrim))
}

// keepFormsPoint puts back the last point of a legal form written with
// points ("A.Ş.", "B.V."), which trimming the name's debris took.
func (l *loc) keepFormsPoint(s string) string {
	up := locale.Fold(s) + "."
	for _, f := range l.legalForms {
		if strings.HasSuffix(f, ".") && strings.HasSuffix(up, f) && (len(up) == len(f) || !isLetter(up[len(up)-len(f)-1])) {
			return s + "."
		}
	}
	return s
}

// dropBranchNumber drops a lone digit after a trade ("SANYU STATIONERY
// SHOP 3"): the branch, or a speck, not part of the name.
func (l *loc) dropBranchNumber(s string) string {
	f := strings.Fields(s)
	if n := len(f); n >= 3 && len(f[n-1]) == 1 && isDigit(f[n-1][0]) && l.tradeLexicon(keyUpper(f[n-2])) {
		return strings.Join(f[:n-1], " ")
	}
	return s
}

// dropDebrisWords drops a short lower-case token at either end of an
// upper-case name: Tesseract reads specks beside the print as "ie" or "ba".
func dropDebrisWords(s string) string {
	f := strings.Fields(s)
	debris := func(w string) bool { return len(w) <= 2 && keyUpper(w) != w }
	if len(f) < 3 || keyUpper(strings.Join(f[1:len(f)-1], " ")) != strings.Join(f[1:len(f)-1], " ") {
		return s
	}
	if debris(f[0]) {
		f = f[1:]
	}
	if debris(f[len(f)-1]) {
		f = f[:len(f)-1]
	}
	return strings.Join(f, " ")
}

// cutAfterLegalForm drops text after the last legal form ("YONG CEN
// ENTERPRISE PO ;" is "YONG CEN ENTERPRISE").
func (l *loc) cutAfterLegalForm(s string) string {
	up := keyUpper(s)
	cut := -1
	for _, f := range l.legalForms {
		for i := 0; ; {
			k := strings.Index(up[i:], f)
			if k < 0 {
				break
			}
			k += i
			end := k + len(f)
			if (k == 0 || !isLetter(up[k-1])) && (end == len(up) || !isLetter(up[end])) {
				if end < len(up) && up[end] == '.' {
					end++
				}
				cut = max(cut, end)
			}
			i = k + 1
		}
	}
	if cut < 0 {
		return s
	}
	return s[:cut]
}

// fixLegalForm repairs a misread "SDN BHD" ("SON BHO", "SIN BHD") and a
// misread "BHD" after "(M)".
func (l *loc) fixLegalForm(s string) string {
	if !slices.Contains(l.legalForms, "SDN BHD") {
		return s // a legal form of other countries: nothing to repair
	}
	f := strings.Fields(s)
	for i := 1; i < len(f); i++ {
		prev := keyUpper(strings.TrimRight(f[i-1], ".,'’"))
		w := keyUpper(strings.TrimRight(f[i], ".,'’"))
		// After SDN, a B..D of four letters is BHD too ("SDN BELD"), and
		// so is any B word of three after SDN read right ("SDN BUR");
		// before BHD read right, an S word of three other than SRI is
		// SDN ("SCH BHD").
		long := len(w) == 4 && w[0] == 'B' && w[3] == 'D' && near(prev, "SDN")
		bword := prev == "SDN" && len(w) == 3 && w[0] == 'B'
		sword := w == "BHD" && len(prev) == 3 && prev[0] == 'S' && prev != "SRI" // "MAJU SRI BHD" is a name
		if !near(w, "BHD") && !long && !bword || !near(prev, "SDN") && !sword && prev != "(M)" {
			continue
		}
		if prev != "(M)" {
			f[i-1] = "SDN" + strings.Trim(f[i-1][3:], "'’")
			// "(M) SDN BHD" with the M misread: "(vy", "(H)".
			if i >= 2 && misreadM(f[i-2]) {
				f[i-2] = "(M)"
			}
		}
		f[i] = "BHD" + f[i][len(w):]
	}
	return strings.Join(f, " ")
}

// misreadM reports a bracketed letter or two, without digits, before
// SDN BHD: Malaysia's "(M)" as Tesseract reads it.
func misreadM(tok string) bool {
	if !strings.HasPrefix(tok, "(") || tok == "(M)" {
		return false
	}
	in, closed := strings.CutSuffix(tok[1:], ")")
	if closed && keyUpper(in) == in {
		return false // "(KL)": a place in the name
	}
	return len(in) >= 1 && len(in) <= 2 && letterCount(in) >= 1 && !strings.ContainsAny(in, "0123456789")
}

// near reports a three-letter word at most one letter off w.
func near(s, w string) bool {
	return len(s) == len(w) && mismatches(s, w) <= 1
}

// fixOCRName undoes digit-for-letter misreadings inside words: "D.1.¥."
// is "D.I.Y.", "C0FFEE" is "COFFEE".
func fixOCRName(s string) string {
	b := []byte(foldLoneAccent(strings.ReplaceAll(s, "¥", "Y")))
	for i, c := range b {
		if c == '$' && (i > 0 && isLetter(b[i-1]) || i+1 < len(b) && (isLetter(b[i+1]) || b[i+1] == '/')) {
			b[i] = 'S' // "$/B", "$DN"
			continue
		}
		if c == '}' && i > 0 && isLetter(b[i-1]) && !strings.Contains(s, "{") {
			// A closing brace glued to a word is a misread "l": "BHPetro}".
			b[i] = 'l'
			if b[i-1] <= 'Z' {
				b[i] = 'L'
			}
			continue
		}
		if c != '1' && c != '0' {
			continue
		}
		left := i > 0 && isLetter(b[i-1]) || c == '1' && i > 1 && b[i-1] == '.' && isLetter(b[i-2])
		right := i+1 < len(b) && isLetter(b[i+1]) || c == '1' && i+2 < len(b) && b[i+1] == '.' && isLetter(b[i+2])
		if left && right {
			b[i] = map[byte]byte{'1': 'I', '0': 'O'}[c]
		}
	}
	return string(b)
}

// vendorSupport rates a vendor name: the engine's confidence in its
// words, scaled by what marks it as a business name.
func (l *loc) vendorSupport(lines []textLine, first, last int, name string) float64 {
	s := 0.6
	if l.isCompany(keyUpper(name)) {
		s = 0.85
	}
	if l.printedAgain(lines[last+1:], name) {
		s += 0.15
	}
	return meanConf(lines[first:last+1]) * s
}

// printedAgain reports whether a distinctive word of the name (four
// letters or more, not a legal form or trade) appears again below the
// header: in a footer ("Thank you for shopping at PREMIO") or an e-mail
// or web address ("premiostationery.com").
func (l *loc) printedAgain(lines []textLine, name string) bool {
	for _, w := range strings.FieldsFunc(keyUpper(name), notLetter) {
		if len(w) < 4 || slices.Contains(l.legalSuffixes, w) || slices.Contains(l.v.Business, w) {
			continue
		}
		for _, ln := range lines {
			if strings.Contains(ln.up, w) {
				return true
			}
		}
	}
	return false
}

// meanConf is the mean word confidence over lines, 1 when the engine gave
// none.
func meanConf(lines []textLine) float64 {
	sum, n := 0.0, 0
	for _, ln := range lines {
		for _, w := range ln.conf {
			sum += w.Conf
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return sum / float64(n)
}

// accentFree maps the accented capitals and small letters Tesseract reads
// for plain ones.
var accentFree = map[rune]rune{
	'É': 'E', 'È': 'E', 'Ê': 'E', 'Ë': 'E', 'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'Á': 'A', 'À': 'A', 'Â': 'A', 'á': 'a', 'à': 'a', 'â': 'a',
	'Í': 'I', 'Ì': 'I', 'Î': 'I', 'í': 'i', 'ì': 'i', 'î': 'i',
	'Ó': 'O', 'Ò': 'O', 'Ô': 'O', 'ó': 'o', 'ò': 'o', 'ô': 'o',
	'Ú': 'U', 'Ù': 'U', 'Û': 'U', 'ú': 'u', 'ù': 'u', 'û': 'u',
}

// foldLoneAccent drops the accent of the only accented letter in a name
// otherwise written in plain ASCII ("Ségi Cash & Carry"): one stray mark
// is a speck on the print; a name in a language with accents carries more
// than one, or other letters outside ASCII, and is left as it is.
func foldLoneAccent(s string) string {
	at, n := -1, 0
	for i, r := range s {
		if r >= 0x80 {
			n++
			if _, ok := accentFree[r]; ok {
				at = i
			}
		}
	}
	if n != 1 || at < 0 {
		return s
	}
	r, size := utf8.DecodeRuneInString(s[at:])
	return s[:at] + string(accentFree[r]) + s[at+size:]
}
