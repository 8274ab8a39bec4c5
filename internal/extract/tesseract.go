package extract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Tesseract extracts text with the tesseract CLI, and from PDFs with
// Poppler: pdftotext where the PDF has a text layer, else pdftoppm's page
// images through tesseract. Nothing leaves the machine.
type Tesseract struct {
	// Languages are tesseract's language codes, e.g. "eng" or "eng+srp".
	Languages string
	// PageSegMode is tesseract's --psm for the first pass; "" is its own
	// default, fully automatic segmentation.
	PageSegMode string
	// PagePixels is the size scanned PDF pages are rendered at, on their
	// longer side: ~300 DPI for A4, more for a narrow receipt, and bounded
	// for scans whose pages claim to be a metre long.
	PagePixels int
	// Cache, when set, keeps tesseract's output by its input (image and
	// arguments), for measurements that read the same images again and
	// again. The service leaves it nil.
	Cache Cache
}

// Cache keeps OCR output by a key that names its input.
type Cache interface {
	Get(key string) (string, bool)
	Put(key, value string)
}

var _ Extractor = (*Tesseract)(nil)

// DefaultPageSegMode reads a page as one uniform block of text. On the
// SROIE receipts, second looks included, it finds the total of 39 of 42
// against 34 for automatic segmentation, the date and the vendor as often
// (make accuracy -psm 3; OCR_PSM=3 brings automatic segmentation back).
const DefaultPageSegMode = "6"

// NewTesseract returns a Tesseract extractor for the given languages
// ("eng" when empty).
func NewTesseract(languages string) *Tesseract {
	if languages == "" {
		languages = "eng"
	}
	return &Tesseract{Languages: languages, PageSegMode: DefaultPageSegMode, PagePixels: 3500}
}

// Extract returns the document's text and the fields parsed from it.
func (t *Tesseract) Extract(ctx context.Context, doc Document) (Result, error) {
	opt := Options{Now: doc.Received}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	var (
		lines []textLine
		img   page
		err   error
	)
	switch doc.ContentType {
	case receipt.PNG, receipt.JPEG:
		img = preparePage(doc.Bytes)
		lines, err = t.image(ctx, img)
	case receipt.PDF:
		// Parsed from text: a text layer carries no confidences, and
		// pages are read one by one.
		text, err := t.pdf(ctx, doc.Bytes)
		if err != nil {
			return Result{}, err
		}
		return textResult(text, opt)
	default:
		return Result{}, fmt.Errorf("content type %q: %w", doc.ContentType, ErrUnreadable)
	}
	if err != nil {
		return Result{}, err
	}
	text := strings.TrimSpace(linesText(lines))
	if text == "" {
		return Result{}, fmt.Errorf("no text found: %w", ErrUnreadable)
	}
	if len(text) > MaxParseBytes {
		return textResult(text, opt)
	}
	fields := t.lookAgain(ctx, img.gray, lines, parse(lines, opt), opt)
	if t.PageSegMode != "" {
		fields = t.fillIn(ctx, img.bytes, fields, opt)
	}
	return Result{Text: text, Fields: fields}, nil
}

// textResult parses text that carries no word confidences.
func textResult(text string, opt Options) (Result, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Result{}, fmt.Errorf("no text found: %w", ErrUnreadable)
	}
	return Result{Text: text, Fields: ParseWith(text, opt)}, nil
}

// secondLooks are the readings tried, in order, for a date or total the
// first reading lacks: automatic segmentation, then Sauvola's adaptive
// threshold for print that is faint or unevenly lit in places. Each
// misreads different things, and a look costs only the receipts that need
// it: on the SROIE receipts, 4 of 42 take the first and 3 the second.
var secondLooks = [][]string{
	{"--psm", "3"},
	{"--psm", "6", "-c", "thresholding_method=2"},
}

// fillIn reads an image again while the date or the total is missing.
func (t *Tesseract) fillIn(ctx context.Context, img []byte, f receipt.Fields, opt Options) receipt.Fields {
	for _, args := range secondLooks {
		if f.Date != "" && f.Total != "" {
			break
		}
		if len(args) == 2 && args[1] == t.PageSegMode {
			continue // the first reading was this one
		}
		lines, err := t.read(ctx, img, args...)
		if err != nil {
			return f
		}
		more := parseLines(lines, opt)
		if f.Date == "" && more.Date != "" {
			f.Date = more.Date
			setConf(&f, "date", more.Confidence["date"])
		}
		if f.Total == "" && more.Total != "" {
			f.Total = more.Total
			setConf(&f, "total", more.Confidence["total"])
			if f.Currency == "" {
				f.Currency = more.Currency
			}
		}
	}
	return f
}

// setConf records a field's confidence.
func setConf(f *receipt.Fields, name string, c float64) {
	if f.Confidence == nil {
		f.Confidence = map[string]float64{}
	}
	f.Confidence[name] = c
}

// minText is how much text a first pass must find before we trust it.
const minText = 20

// image reads one image: as prepared first, since most receipts need
// nothing more; binarized, with tesseract told to expect a column of text,
// when that finds next to nothing.
func (t *Tesseract) image(ctx context.Context, img page) ([]textLine, error) {
	var first []string
	if t.PageSegMode != "" {
		first = []string{"--psm", t.PageSegMode}
	}
	lines, err := t.read(ctx, img.bytes, first...)
	if err != nil || len(strings.TrimSpace(linesText(lines))) >= minText || img.gray == nil {
		return lines, err
	}
	clean, err := binarize(img.gray)
	if err != nil {
		return nil, err
	}
	return t.read(ctx, clean, "--psm", "4")
}

// read runs tesseract on one image and returns its words, line by line.
func (t *Tesseract) read(ctx context.Context, image []byte, args ...string) ([]textLine, error) {
	out, err := t.ocr(ctx, image, append(args, "tsv")...)
	if err != nil {
		return nil, err
	}
	return readTSV(out), nil
}

// ocr runs tesseract on one image given on stdin.
func (t *Tesseract) ocr(ctx context.Context, image []byte, args ...string) (string, error) {
	// A fixed resolution: scans often carry none, or a wrong one, and
	// tesseract's own estimate can make a whole page "empty".
	args = append([]string{"stdin", "stdout", "-l", t.Languages, "--dpi", "300"}, args...)
	var key string
	if t.Cache != nil {
		h := sha256.New()
		h.Write(image)
		h.Write([]byte(strings.Join(args, "\x00")))
		key = hex.EncodeToString(h.Sum(nil))
		if out, ok := t.Cache.Get(key); ok {
			return out, nil
		}
	}
	cmd := exec.CommandContext(ctx, "tesseract", args...)
	cmd.Stdin = bytes.NewReader(image)
	// Tesseract's OpenMP threads cost more than they give on one page and
	// fight the other invocations for the cores.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	out, err := run(ctx, cmd, "tesseract")
	if err == nil && t.Cache != nil {
		t.Cache.Put(key, out)
	}
	return out, err
}

func (t *Tesseract) pdf(ctx context.Context, doc []byte) (string, error) {
	dir, err := os.MkdirTemp("", "receipt-pdf")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		return "", fmt.Errorf("write pdf: %w", err)
	}
	text, err := run(ctx, exec.CommandContext(ctx, "pdftotext", "-layout", "-enc", "UTF-8", in, "-"), "pdftotext")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) != "" {
		return text, nil
	}
	// No text layer: a scan. Render every page and read it.
	prefix := filepath.Join(dir, "page")
	if _, err := run(ctx, exec.CommandContext(ctx, "pdftoppm", "-scale-to", fmt.Sprint(t.PagePixels), "-gray", "-png", in, prefix), "pdftoppm"); err != nil {
		return "", err
	}
	pages, _ := filepath.Glob(prefix + "*.png")
	sort.Strings(pages)
	if len(pages) == 0 {
		return "", fmt.Errorf("pdf has no pages: %w", ErrUnreadable)
	}
	var out strings.Builder
	for i, p := range pages {
		img, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read page %d: %w", i+1, err)
		}
		lines, err := t.image(ctx, preparePage(img))
		if err != nil {
			return "", fmt.Errorf("page %d: %w", i+1, err)
		}
		if i > 0 {
			out.WriteString("\n\f\n")
		}
		out.WriteString(linesText(lines))
	}
	return out.String(), nil
}

// run runs cmd and returns its stdout. A tool that rejects its input makes
// the document unreadable; a tool that is missing or was stopped is not the
// document's fault.
func run(ctx context.Context, cmd *exec.Cmd, name string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.String(), nil
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("%s: %w", name, ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() > 0 {
		return "", fmt.Errorf("%s: %s: %w", name, firstLine(stderr.String()), ErrUnreadable)
	}
	return "", fmt.Errorf("%s: %w", name, err)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
