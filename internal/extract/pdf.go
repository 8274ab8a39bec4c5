package extract

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/prepare"
)

// maxPDFText caps the text taken from a PDF's text layer: pdftotext reads
// every page, and a long document's text is no receipt.
const maxPDFText = 4 << 20

// pdf reads a PDF: its text layer when it has one, else its first pages
// rendered and read by tesseract. The warnings say what was left out.
// Poppler reads the document on stdin and renders to stdout, so nothing is
// written to disk and nothing is left behind when a process is killed.
func (t *Tesseract) pdf(ctx context.Context, doc []byte) (string, []string, error) {
	b, err := t.run(ctx, doc, "pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	if err != nil {
		return "", nil, err
	}
	text := string(b)
	if strings.TrimSpace(text) != "" {
		if len(text) <= maxPDFText {
			return text, nil, nil
		}
		cut := maxPDFText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		return text[:cut], []string{fmt.Sprintf("text: over %d bytes in document, first %d read", maxPDFText, cut)}, nil
	}
	// No text layer: a scan. Read its first pages.
	total, err := t.pageCount(ctx, doc)
	if err != nil {
		return "", nil, err
	}
	n := min(total, max(1, t.Limits.Pages))
	var out strings.Builder
	for i := 1; i <= n; i++ {
		// -scale-to bounds the page's longer side, whatever size the page
		// claims, so a page never holds more than PagePixels² pixels.
		img, err := t.run(ctx, doc, "pdftoppm", "-f", strconv.Itoa(i), "-l", strconv.Itoa(i),
			"-singlefile", "-scale-to", strconv.Itoa(t.PagePixels), "-gray", "-png", "-")
		if err != nil {
			return "", nil, fmt.Errorf("page %d: %w", i, err)
		}
		page, err := prepare.Image(ctx, img, t.prepareOptions())
		if err != nil {
			return "", nil, fmt.Errorf("page %d: %w", i, t.imageErr(err))
		}
		lines, _, err := t.image(ctx, page)
		if err != nil {
			return "", nil, fmt.Errorf("page %d: %w", i, err)
		}
		if i > 1 {
			out.WriteString("\n\f\n")
		}
		out.WriteString(linesText(lines))
	}
	var warnings []string
	if total > n {
		warnings = append(warnings, fmt.Sprintf("pages: %d in document, first %d read", total, n))
	}
	return out.String(), warnings, nil
}

var pagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// pageCount asks pdfinfo how many pages a PDF has.
func (t *Tesseract) pageCount(ctx context.Context, doc []byte) (int, error) {
	info, err := t.run(ctx, doc, "pdfinfo", "-")
	if err != nil {
		return 0, err
	}
	m := pagesLine.FindStringSubmatch(string(info))
	if m == nil {
		return 0, fmt.Errorf("pdfinfo: no page count: %w", ErrUnreadable)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n == 0 {
		return 0, fmt.Errorf("pdf has no pages: %w", ErrUnreadable)
	}
	return n, nil
}
