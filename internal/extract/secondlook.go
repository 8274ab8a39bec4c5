package extract

import (
	"context"
	"fmt"
	"image"
	"strings"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/parse"
	"github.com/receipts-api/receipts/internal/prepare"
	"github.com/receipts-api/receipts/internal/receipt"
)

// lookBelow is the confidence under which the total's line is read
// again. On the tuning part of the SROIE receipts, any bound from 0.5 to
// 0.8 finds the same totals; the lower one reads fewer lines.
const lookBelow = 0.6

// lookScale is how much a line is enlarged for its second look: small
// print read at twice its size loses fewer digits.
const lookScale = 2

// lookAgain reads the line the total came from again, when its confidence
// is low: cropped to the line, enlarged, as a single line of text. The
// page is parsed again with the new reading in place of the old, and the
// total takes the new value when it is better supported; a total the
// receipt's arithmetic corrected only gains confidence from a reading
// that agrees, as another reading of its misread label is another
// misreading. It costs a fraction of a page's reading, and only for
// receipts that need it. (Dates read this way were no better: on the
// SROIE receipts' validation part, trusting them lost two dates, so only
// a missing date gets a second look, lookAtDate.)
func (t *Tesseract) lookAgain(ctx context.Context, g *image.Gray, lines []parse.Line, p parse.Result, opt parse.Options) receipt.Fields {
	f, at := p.Fields, p.TotalLine
	old := f.Confidence["total"]
	if g == nil || at < 0 || f.Total == "" || old >= lookBelow || lines[at].Box.Empty() {
		return f
	}
	again, err := t.readLine(ctx, g, lines[at].Box)
	if err != nil || again.Text == "" {
		return f
	}
	swapped := append([]parse.Line(nil), lines...)
	swapped[at] = again
	np := parse.Lines(swapped, opt)
	n := np.Fields
	switch now := n.Confidence["total"]; {
	case np.TotalLine != at:
		// The new reading lost the total: the old one stands, unless its
		// amount read again alone does better.
		return t.lookAtAmount(ctx, g, lines, at, f, p.TotalProved, opt)
	case n.Total == f.Total:
		setConf(&f, "total", min(1, max(old, now)+0.1)) // two readings agree
	case now > old && !p.TotalProved:
		f.Total = n.Total
		setConf(&f, "total", now)
	default:
		return t.lookAtAmount(ctx, g, lines, at, f, p.TotalProved, opt)
	}
	f.Warnings = replaceWarnings(f.Warnings, n.Warnings, "total:")
	return f
}

// amountLooks are the readings tried of a total's amount alone, cropped
// to its word: each misreads different digits, and the receipt's own
// evidence (the paid amount, another label, the tax) decides between them.
var amountLooks = []struct {
	scale int
	args  []string
}{
	{2, []string{"--psm", "7"}},
	{3, []string{"--psm", "8"}},
	{4, []string{"--psm", "7"}},
	{2, []string{"--psm", "7", "-c", "thresholding_method=2"}},
}

// lookAtAmount reads the total's amount again, alone, when reading its
// whole line again did not settle it: the word's box with a margin (a
// leading digit Tesseract dropped sits just left of it), enlarged, in the
// ways of amountLooks. A reading replaces the amount in the line, the page
// is parsed again, and the best-supported total wins if it is better
// supported than the first.
func (t *Tesseract) lookAtAmount(ctx context.Context, g *image.Gray, lines []parse.Line, at int, f receipt.Fields, proved bool, opt parse.Options) receipt.Fields {
	l := lines[at]
	w := -1
	for k, s := range l.Words {
		if strings.ContainsAny(l.Text[s.Start:s.End], "0123456789") {
			w = k
		}
	}
	if w < 0 || l.Words[w].Box.Empty() {
		return f
	}
	span := l.Words[w]
	_, wasDecimals, ok := parse.Amount(l.Text[span.Start:span.End], opt)
	if !ok {
		return f
	}
	h := span.Box.Dy()
	r := image.Rect(span.Box.Min.X-2*h, span.Box.Min.Y-h/2, span.Box.Max.X+h, span.Box.Max.Y+h/2).Intersect(g.Rect)
	if r.Empty() {
		return f
	}
	best, bestConf := receipt.Fields{}, f.Confidence["total"]
	for _, look := range amountLooks {
		crop, ok := prepare.EnlargeCrop(g, r, look.scale)
		if !ok {
			break
		}
		read, err := t.read(ctx, prepare.PGM(crop), look.args...)
		if err != nil {
			break // out of time or memory: keep what the earlier looks found
		}
		word := strings.TrimSpace(linesText(read))
		// A reading that changes how the amount is written ("36.55" read
		// as "3655") lost its decimal point, not a digit.
		if _, decimals, ok := parse.Amount(word, opt); !ok || decimals != wasDecimals || strings.ContainsAny(word, "\n") {
			continue
		}
		conf := meanConf(read)
		swapped := append([]parse.Line(nil), lines...)
		swapped[at] = replaceWord(l, w, word, conf)
		np := parse.Lines(swapped, opt)
		if proved && np.Fields.Total != f.Total {
			continue // another misreading of what the arithmetic corrected
		}
		if now := np.Fields.Confidence["total"]; np.TotalLine == at && np.Fields.Total != "" && now > bestConf {
			best, bestConf = np.Fields, now
		}
	}
	if best.Total == "" {
		return f
	}
	if best.Total != f.Total {
		f.Warnings = append(replaceWarnings(f.Warnings, best.Warnings, "total:"), fmt.Sprintf("total: read as %s, %s when its amount was read again alone", f.Total, best.Total))
		f.Total = best.Total
	}
	setConf(&f, "total", bestConf)
	return f
}

// replaceWord returns line l with its k-th word replaced by word, read
// with confidence conf.
func replaceWord(l parse.Line, k int, word string, conf float64) parse.Line {
	s := l.Words[k]
	word = truncateUTF8(word, max(0, parse.MaxLineBytes-(len(l.Text)-(s.End-s.Start))))
	out := parse.Line{Box: l.Box, Text: l.Text[:s.Start] + word + l.Text[s.End:]}
	shift := len(word) - (s.End - s.Start)
	for j, c := range l.Words {
		switch {
		case j < k:
			out.Words = append(out.Words, c)
		case j == k:
			out.Words = append(out.Words, parse.Word{Start: c.Start, End: c.Start + len(word), Conf: conf, Box: c.Box})
		default:
			c.Start += shift
			c.End += shift
			out.Words = append(out.Words, c)
		}
	}
	return out
}

// readLine reads one line of the page again: the full width of the page
// (a label and its amount may sit far apart), the line's height with a
// margin, enlarged.
func (t *Tesseract) readLine(ctx context.Context, g *image.Gray, box image.Rectangle) (parse.Line, error) {
	return t.readLineAs(ctx, g, box, lookScale, "--psm", "7")
}

// readLineAs reads one line of the page again, enlarged by scale, with
// tesseract's args.
func (t *Tesseract) readLineAs(ctx context.Context, g *image.Gray, box image.Rectangle, scale int, args ...string) (parse.Line, error) {
	pad := max(box.Dy()/3, 2)
	r := image.Rect(g.Rect.Min.X, box.Min.Y-pad, g.Rect.Max.X, box.Max.Y+pad).Intersect(g.Rect)
	if r.Empty() {
		return parse.Line{}, nil
	}
	crop, ok := prepare.EnlargeCrop(g, r, scale)
	if !ok {
		return parse.Line{}, nil
	}
	lines, err := t.read(ctx, prepare.PGM(crop), args...)
	if err != nil {
		return parse.Line{}, err
	}
	var out parse.Line
	for _, l := range lines {
		if l.Text == "" {
			continue
		}
		if out.Text != "" {
			out.Text += " "
		}
		for _, w := range l.Words {
			w.Start += len(out.Text)
			w.End += len(out.Text)
			out.Words = append(out.Words, w)
		}
		out.Text += l.Text
	}
	out.Text = truncateUTF8(out.Text, parse.MaxLineBytes)
	out.Box = box
	return out, nil
}

// replaceWarnings swaps the warnings about one field (those starting with
// prefix) for those of a better reading.
func replaceWarnings(old, better []string, prefix string) []string {
	var out []string
	for _, w := range old {
		if !strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	for _, w := range better {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

// vendorBelow is the vendor confidence under which the vendor's lines are
// read again.
const vendorBelow = 0.5

// lookAtVendor reads the vendor's lines again when the name's confidence
// is low, each cropped, enlarged and read as one line, and takes the new
// name when the page parsed with it rates the name higher (a name the
// lexicon or the receipt's footer confirms, in words the engine is surer
// of).
func (t *Tesseract) lookAtVendor(ctx context.Context, g *image.Gray, lines []parse.Line, p parse.Result, f receipt.Fields, opt parse.Options) receipt.Fields {
	old := f.Confidence["vendor"]
	if g == nil || p.VendorFrom < 0 || f.Vendor == "" || old >= vendorBelow {
		return f
	}
	swapped := append([]parse.Line(nil), lines...)
	for i := p.VendorFrom; i <= p.VendorTo; i++ {
		if lines[i].Box.Empty() {
			return f
		}
		again, err := t.readLine(ctx, g, lines[i].Box)
		if err != nil || again.Text == "" {
			return f
		}
		swapped[i] = again
	}
	n := parse.Lines(swapped, opt).Fields
	switch now := n.Confidence["vendor"]; {
	case n.Vendor == f.Vendor:
		setConf(&f, "vendor", min(1, old+0.1)) // two readings agree
	case now > old:
		f.Vendor = n.Vendor
		setConf(&f, "vendor", now)
	}
	return f
}

// dateLooks are the readings tried of the lines that should hold a date
// the page's reading lacks: each misreads different digits.
var dateLooks = []struct {
	scale int
	args  []string
}{
	{2, []string{"--psm", "7"}},
	{3, []string{"--psm", "7"}},
	{2, []string{"--psm", "7", "-c", "thresholding_method=2"}},
}

// maxDateLookLines bounds the lines read again for a missing date.
const maxDateLookLines = 4

// lookAtDate reads again, when the page gave no date, the lines that
// vouch for one (a date label, a time of day) and the line above each,
// where a date sits beside its time, in the ways of dateLooks; the date
// most of the readings give wins, the earlier reading on a tie. A missing
// date cannot get worse; a date the page did give is not read again,
// since a line read again is not better read (on the SROIE receipts'
// validation part, trusting it lost two dates).
func (t *Tesseract) lookAtDate(ctx context.Context, g *image.Gray, lines []parse.Line, f receipt.Fields, opt parse.Options) receipt.Fields {
	if g == nil || f.Date != "" {
		return f
	}
	var at []int
	for i, l := range lines {
		if len(at)+2 > maxDateLookLines {
			break
		}
		if l.Box.Empty() || !parse.VouchesForDate(l.Text, opt) {
			continue
		}
		if i > 0 && !lines[i-1].Box.Empty() && (len(at) == 0 || at[len(at)-1] < i-1) {
			at = append(at, i-1)
		}
		at = append(at, i)
	}
	if len(at) == 0 {
		return f
	}
	votes := map[string]int{}
	best := ""
	for _, look := range dateLooks {
		swapped := append([]parse.Line(nil), lines...)
		for _, i := range at {
			again, err := t.readLineAs(ctx, g, lines[i].Box, look.scale, look.args...)
			if err != nil {
				return f // out of time or memory
			}
			if again.Text != "" {
				swapped[i] = again
			}
		}
		d := parse.Date(swapped, parse.Options{Now: opt.Now, Country: opt.Country, Currency: f.Currency})
		if d == "" {
			continue
		}
		if votes[d]++; votes[d] > votes[best] {
			best = d
		}
	}
	if best != "" {
		f.Date = best
		setConf(&f, "date", 0.2*float64(votes[best]))
		f.Warnings = append(f.Warnings, fmt.Sprintf("date: %s read only when the lines around its label or time were read again", best))
	}
	return f
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
