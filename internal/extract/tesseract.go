package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/parse"
	"github.com/receipts-api/receipts/internal/prepare"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/tool"
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
	// Limits bound the pixels decoded, the pages read and the memory of
	// every subprocess.
	Limits limits.Limits
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
	return &Tesseract{Languages: languages, PageSegMode: DefaultPageSegMode, PagePixels: 3500, Limits: limits.Default()}
}

// Extract returns the document's text and the fields parsed from it.
func (t *Tesseract) Extract(ctx context.Context, doc Document) (Result, error) {
	opt := parse.Options{Now: doc.Received, Country: doc.Country}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	var (
		lines    []parse.Line
		img      prepare.Page
		warnings []string
		err      error
	)
	switch doc.ContentType {
	case receipt.PNG, receipt.JPEG, receipt.WebP, receipt.HEIC, receipt.HEIF:
		if err := receipt.CheckPixels(doc.Bytes, doc.ContentType, t.Limits.ImagePixels); err != nil {
			return Result{}, fmt.Errorf("%w: %w", err, ErrOverLimit)
		}
		if img, err = prepare.Image(ctx, doc.Bytes, t.prepareOptions()); err != nil {
			return Result{}, t.imageErr(err)
		}
		if img.Damage != nil {
			warnings = append(warnings, fmt.Sprintf("image: damaged (%v), read as far as it decodes", img.Damage))
		}
		lines, img, err = t.image(ctx, img)
	case receipt.PDF, receipt.TIFF:
		// Parsed from text: a text layer carries no confidences, and
		// pages are read one by one. A TIFF is read as the PDF libtiff
		// makes of it, page by page, within the page limit.
		pdf := doc.Bytes
		if doc.ContentType == receipt.TIFF {
			if pdf, err = t.tiffPDF(ctx, doc.Bytes); err != nil {
				return Result{}, err
			}
		}
		text, warnings, err := t.pdf(ctx, pdf)
		if err != nil {
			return Result{}, err
		}
		return textResult(text, opt, warnings)
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
	if len(text) > parse.MaxBytes {
		return textResult(text, opt, warnings)
	}
	start := time.Now()
	first := parse.Lines(lines, opt)
	parseTime := time.Since(start)
	// Every later reading of the page is read by the rules of the country
	// the first found, so that their fields compare.
	opt.Country = first.Fields.Country
	fields := t.lookAgain(ctx, img.Gray, lines, first, opt)
	fields = t.lookAtVendor(ctx, img.Gray, lines, first, fields, opt)
	if t.PageSegMode != "" {
		fields = t.fillIn(ctx, img.Bytes, fields, opt)
	}
	fields = t.lookAtDate(ctx, img.Gray, lines, fields, opt)
	fields = t.readInLanguage(ctx, img, fields, opt)
	fields.Warnings = append(fields.Warnings, warnings...)
	return Result{Text: text, Fields: fields, ParseTime: parseTime}, nil
}

// textResult parses text that carries no word confidences; warnings are
// what reading it left out.
func textResult(text string, opt parse.Options, warnings []string) (Result, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Result{}, fmt.Errorf("no text found: %w", ErrUnreadable)
	}
	start := time.Now()
	fields := parse.Text(text, opt)
	parseTime := time.Since(start)
	fields.Warnings = append(fields.Warnings, warnings...)
	return Result{Text: text, Fields: fields, ParseTime: parseTime}, nil
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
func (t *Tesseract) fillIn(ctx context.Context, img []byte, f receipt.Fields, opt parse.Options) receipt.Fields {
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
		more := parse.Lines(lines, opt).Fields
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
// nothing more; turned when it reads weakly and a turn reads far better
// (readTurned); enlarged when its print is small (sharpen); binarized,
// with tesseract told to expect a column of text, when it still finds
// next to nothing. It returns the page its reading is of.
func (t *Tesseract) image(ctx context.Context, img prepare.Page) ([]parse.Line, prepare.Page, error) {
	first := t.firstArgs()
	lines, err := t.read(ctx, img.Bytes, first...)
	if err != nil || img.Gray == nil {
		return lines, img, err
	}
	img, lines = t.readTurned(ctx, img, lines, first)
	lines = t.sharpen(ctx, img.Gray, lines, first)
	if len(strings.TrimSpace(linesText(lines))) >= minText {
		return lines, img, nil
	}
	clean, err := prepare.Binarize(img.Gray)
	if err != nil {
		return nil, img, err
	}
	lines, err = t.read(ctx, clean, "--psm", "4")
	return lines, img, err
}

// firstArgs are tesseract's arguments for a page's first reading.
func (t *Tesseract) firstArgs() []string {
	if t.PageSegMode == "" {
		return nil
	}
	return []string{"--psm", t.PageSegMode}
}

// readPage reads a page as prepared, then sharpens the reading.
func (t *Tesseract) readPage(ctx context.Context, img prepare.Page, args []string) ([]parse.Line, error) {
	lines, err := t.read(ctx, img.Bytes, args...)
	if err != nil || img.Gray == nil {
		return lines, err
	}
	return t.sharpen(ctx, img.Gray, lines, args), nil
}

// sharpen reads g again enlarged when the reading of it shows its print
// is small or, on a small image, reads weakly, and returns the better
// reading.
func (t *Tesseract) sharpen(ctx context.Context, g *image.Gray, lines []parse.Line, args []string) []parse.Line {
	if big, ok := t.readSmallPrint(ctx, g, capHeight(lines), args); ok {
		return big
	}
	return t.readWeakSmallImage(ctx, g, lines, args)
}

// read runs tesseract on one image and returns its words, line by line.
func (t *Tesseract) read(ctx context.Context, image []byte, args ...string) ([]parse.Line, error) {
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
	b, err := t.run(ctx, image, "tesseract", args...)
	out := string(b)
	if err == nil && t.Cache != nil {
		t.Cache.Put(key, out)
	}
	return out, err
}

// run runs a tool under the document's limits and returns its output. A
// tool that rejects its input makes the document unreadable, and so does
// one that runs out of its memory limit; a tool that is missing or was
// stopped is not the document's fault.
func (t *Tesseract) run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	out, err := t.runner().Output(ctx, stdin, name, args...)
	return out, documentErr(err)
}

// prepareOptions bound image preparation by the document's limits.
func (t *Tesseract) prepareOptions() prepare.Options {
	r := t.runner()
	return prepare.Options{MaxPixels: t.Limits.ImagePixels, Tools: &r}
}

// imageErr says whose fault a failure to prepare an image is.
func (t *Tesseract) imageErr(err error) error {
	if errors.Is(err, prepare.ErrUnreadable) {
		return fmt.Errorf("%w: %w", err, ErrUnreadable)
	}
	return documentErr(err)
}

// runner runs tools under the memory limit, with tesseract's OpenMP
// threads limited: they cost more than they give on one page and fight
// the other invocations for the cores.
func (t *Tesseract) runner() tool.Runner {
	return tool.Runner{MemoryMB: t.Limits.ToolMemoryMB, Env: []string{"OMP_THREAD_LIMIT=1"}}
}

// documentErr says whose fault a tool's failure is.
func documentErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tool.ErrOverLimit):
		return fmt.Errorf("%w: %w", err, ErrOverLimit)
	case errors.Is(err, tool.ErrRejected):
		return fmt.Errorf("%w: %w", err, ErrUnreadable)
	}
	return err
}
