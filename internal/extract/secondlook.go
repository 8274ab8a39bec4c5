package extract

import (
	"context"
	"fmt"
	"image"
	"strings"

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
func (t *Tesseract) lookAgain(ctx context.Context, g *image.Gray, lines []textLine, p parsed, opt Options) receipt.Fields {
	f, at := p.fields, p.totalLine
	old := f.Confidence["total"]
	if g == nil || at < 0 || f.Total == "" || old >= lookBelow || lines[at].box.Empty() {
		return f
	}
	again, err := t.readLine(ctx, g, lines[at].box)
	if err != nil || again.raw == "" {
		return f
	}
	swapped := append([]textLine(nil), lines...)
	swapped[at] = again
	np := parse(swapped, opt)
	n := np.fields
	switch now := n.Confidence["total"]; {
	case np.totalLine != at:
		// The new reading lost the total: the old one stands, unless its
		// amount read again alone does better.
		return t.lookAtAmount(ctx, g, lines, at, f, p.totalProved, opt)
	case n.Total == f.Total:
		setConf(&f, "total", min(1, max(old, now)+0.1)) // two readings agree
	case now > old && !p.totalProved:
		f.Total = n.Total
		setConf(&f, "total", now)
	default:
		return t.lookAtAmount(ctx, g, lines, at, f, p.totalProved, opt)
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
func (t *Tesseract) lookAtAmount(ctx context.Context, g *image.Gray, lines []textLine, at int, f receipt.Fields, proved bool, opt Options) receipt.Fields {
	l := lines[at]
	w := -1
	for k, s := range l.conf {
		if strings.ContainsAny(l.raw[s.start:s.end], "0123456789") {
			w = k
		}
	}
	if w < 0 || l.conf[w].box.Empty() {
		return f
	}
	span := l.conf[w]
	was, ok := lastAmount(l.up[span.start:span.end])
	if !ok {
		return f
	}
	h := span.box.Dy()
	r := image.Rect(span.box.Min.X-2*h, span.box.Min.Y-h/2, span.box.Max.X+h, span.box.Max.Y+h/2).Intersect(g.Rect)
	if r.Empty() {
		return f
	}
	best, bestConf := receipt.Fields{}, f.Confidence["total"]
	for _, look := range amountLooks {
		crop, ok := enlargeCrop(g, r, look.scale)
		if !ok {
			break
		}
		read, err := t.read(ctx, pgm(crop), look.args...)
		if err != nil {
			break // out of time or memory: keep what the earlier looks found
		}
		word := strings.TrimSpace(linesText(read))
		// A reading that changes how the amount is written ("36.55" read
		// as "3655") lost its decimal point, not a digit.
		if a, ok := lastAmount(keyUpper(word)); !ok || a.decimals != was.decimals || strings.ContainsAny(word, "\n") {
			continue
		}
		conf := meanConf(read)
		swapped := append([]textLine(nil), lines...)
		swapped[at] = replaceWord(l, w, word, conf)
		np := parse(swapped, opt)
		if proved && np.fields.Total != f.Total {
			continue // another misreading of what the arithmetic corrected
		}
		if now := np.fields.Confidence["total"]; np.totalLine == at && np.fields.Total != "" && now > bestConf {
			best, bestConf = np.fields, now
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
func replaceWord(l textLine, k int, word string, conf float64) textLine {
	s := l.conf[k]
	word = truncateUTF8(word, max(0, maxLineBytes-(len(l.raw)-(s.end-s.start))))
	out := textLine{box: l.box, raw: l.raw[:s.start] + word + l.raw[s.end:]}
	shift := len(word) - (s.end - s.start)
	for j, c := range l.conf {
		switch {
		case j < k:
			out.conf = append(out.conf, c)
		case j == k:
			out.conf = append(out.conf, wordSpan{start: c.start, end: c.start + len(word), conf: conf, box: c.box})
		default:
			c.start += shift
			c.end += shift
			out.conf = append(out.conf, c)
		}
	}
	out.up = keyUpper(out.raw)
	return out
}

// readLine reads one line of the page again: the full width of the page
// (a label and its amount may sit far apart), the line's height with a
// margin, enlarged.
func (t *Tesseract) readLine(ctx context.Context, g *image.Gray, box image.Rectangle) (textLine, error) {
	return t.readLineAs(ctx, g, box, lookScale, "--psm", "7")
}

// readLineAs reads one line of the page again, enlarged by scale, with
// tesseract's args.
func (t *Tesseract) readLineAs(ctx context.Context, g *image.Gray, box image.Rectangle, scale int, args ...string) (textLine, error) {
	pad := max(box.Dy()/3, 2)
	r := image.Rect(g.Rect.Min.X, box.Min.Y-pad, g.Rect.Max.X, box.Max.Y+pad).Intersect(g.Rect)
	if r.Empty() {
		return textLine{}, nil
	}
	crop, ok := enlargeCrop(g, r, scale)
	if !ok {
		return textLine{}, nil
	}
	lines, err := t.read(ctx, pgm(crop), args...)
	if err != nil {
		return textLine{}, err
	}
	var out textLine
	for _, l := range lines {
		if l.raw == "" {
			continue
		}
		if out.raw != "" {
			out.raw += " "
		}
		for _, w := range l.conf {
			w.start += len(out.raw)
			w.end += len(out.raw)
			out.conf = append(out.conf, w)
		}
		out.raw += l.raw
	}
	out.raw = truncateUTF8(out.raw, maxLineBytes)
	out.up = keyUpper(out.raw)
	out.box = box
	return out, nil
}

// maxLookPixels bounds the image of a second look: a line or a word is a
// few hundred thousand pixels enlarged, but a "line" that OCR debris
// stretched over a whole 4000-pixel page would be hundreds of megabytes.
const maxLookPixels = 8 << 20

// enlargeCrop crops r out of g and enlarges it by f, or less when f would
// make it larger than maxLookPixels; false when even the crop is.
func enlargeCrop(g *image.Gray, r image.Rectangle, f int) (*image.Gray, bool) {
	area := r.Dx() * r.Dy()
	if area == 0 || area > maxLookPixels {
		return nil, false
	}
	for f > 1 && area*f*f > maxLookPixels {
		f--
	}
	return enlarge(g.SubImage(r).(*image.Gray), f), true
}

// enlarge scales grey levels up by an integer factor.
func enlarge(g *image.Gray, f int) *image.Gray { return enlargeBy(g, f, 1) }

// enlargeBy scales grey levels up by num/den (at least 1), interpolating
// linearly so the edges of print stay smooth.
func enlargeBy(g *image.Gray, num, den int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w*num/den, h*num/den))
	at := func(x, y int) int {
		x, y = min(max(x, 0), w-1), min(max(y, 0), h-1)
		return int(g.Pix[y*g.Stride+x])
	}
	for y := range out.Rect.Dy() {
		sy := y * 256 * den / num
		y0, fy := sy>>8, sy&255
		for x := range out.Rect.Dx() {
			sx := x * 256 * den / num
			x0, fx := sx>>8, sx&255
			top := at(x0, y0)*(256-fx) + at(x0+1, y0)*fx
			bot := at(x0, y0+1)*(256-fx) + at(x0+1, y0+1)*fx
			out.Pix[y*out.Stride+x] = uint8((top*(256-fy) + bot*fy) >> 16)
		}
	}
	return out
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
func (t *Tesseract) lookAtVendor(ctx context.Context, g *image.Gray, lines []textLine, p parsed, f receipt.Fields, opt Options) receipt.Fields {
	old := f.Confidence["vendor"]
	if g == nil || p.vendorFrom < 0 || f.Vendor == "" || old >= vendorBelow {
		return f
	}
	swapped := append([]textLine(nil), lines...)
	for i := p.vendorFrom; i <= p.vendorTo; i++ {
		if lines[i].box.Empty() {
			return f
		}
		again, err := t.readLine(ctx, g, lines[i].box)
		if err != nil || again.raw == "" {
			return f
		}
		swapped[i] = again
	}
	n := parse(swapped, opt).fields
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
func (t *Tesseract) lookAtDate(ctx context.Context, g *image.Gray, lines []textLine, f receipt.Fields, opt Options) receipt.Fields {
	if g == nil || f.Date != "" {
		return f
	}
	var at []int
	for i, l := range lines {
		if len(at)+2 > maxDateLookLines {
			break
		}
		if l.box.Empty() || !vouchesForDate(truncateUTF8(l.up, maxRepairLine)) {
			continue
		}
		if i > 0 && !lines[i-1].box.Empty() && (len(at) == 0 || at[len(at)-1] < i-1) {
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
		swapped := append([]textLine(nil), lines...)
		for _, i := range at {
			again, err := t.readLineAs(ctx, g, lines[i].box, look.scale, look.args...)
			if err != nil {
				return f // out of time or memory
			}
			if again.raw != "" {
				swapped[i] = again
			}
		}
		d := parseDate(swapped, f.Currency, opt.Now)
		if d.iso == "" {
			continue
		}
		if votes[d.iso]++; votes[d.iso] > votes[best] {
			best = d.iso
		}
	}
	if best != "" {
		f.Date = best
		setConf(&f, "date", 0.2*float64(votes[best]))
		f.Warnings = append(f.Warnings, fmt.Sprintf("date: %s read only when the lines around its label or time were read again", best))
	}
	return f
}
