package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/textract"
	"github.com/aws/aws-sdk-go-v2/service/textract/types"

	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/parse"
	"github.com/receipts-api/receipts/internal/prepare"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/tool"
)

// Textract extracts with AWS Textract's AnalyzeExpense: images and one-page
// PDFs synchronously from their bytes; longer PDFs asynchronously
// (StartExpenseAnalysis, then GetExpenseAnalysis) from where they are stored
// in S3.
type Textract struct {
	client *textract.Client
	// Poll is how long to wait between GetExpenseAnalysis calls.
	Poll time.Duration
	// Limits bound the decoders of the formats Textract does not read
	// (HEIC, WebP), which are converted to PNG first.
	Limits limits.Limits
}

var _ Extractor = (*Textract)(nil)

// NewTextract returns a Textract extractor.
func NewTextract(client *textract.Client) *Textract {
	return &Textract{client: client, Poll: 2 * time.Second, Limits: limits.Default()}
}

// Extract returns the document's text and fields. Fields Textract found
// win; the shared parser fills in the ones it did not.
func (t *Textract) Extract(ctx context.Context, doc Document) (Result, error) {
	var (
		docs []types.ExpenseDocument
		err  error
	)
	switch {
	case doc.ContentType == receipt.PDF && pdfPages(doc.Bytes) > 1,
		doc.ContentType == receipt.TIFF && receipt.TIFFPageCount(doc.Bytes) > 1:
		docs, err = t.async(ctx, doc)
	case doc.ContentType == receipt.HEIC || doc.ContentType == receipt.HEIF || doc.ContentType == receipt.WebP:
		// Textract reads PNG, JPEG, PDF and TIFF only: the photo is
		// decoded by Debian's tools, where the function has them (the
		// container image, the local stack), and sent as a PNG.
		png, err := t.asPNG(ctx, doc.Bytes)
		if err != nil {
			return Result{}, err
		}
		doc.Bytes, doc.ContentType = png, receipt.PNG
		return t.Extract(ctx, doc)
	default:
		var out *textract.AnalyzeExpenseOutput
		out, err = t.client.AnalyzeExpense(ctx, &textract.AnalyzeExpenseInput{
			Document: &types.Document{Bytes: doc.Bytes},
		})
		if out != nil {
			docs = out.ExpenseDocuments
		}
	}
	if err != nil {
		return Result{}, textractErr(err)
	}
	return expenseResult(docs, doc.Country)
}

// asPNG decodes an image Textract does not read into a grey PNG.
func (t *Textract) asPNG(ctx context.Context, src []byte) ([]byte, error) {
	r := tool.Runner{MemoryMB: t.Limits.ToolMemoryMB}
	p, err := prepare.Image(ctx, src, prepare.Options{MaxPixels: t.Limits.ImagePixels, Tools: &r})
	switch {
	case errors.Is(err, exec.ErrNotFound):
		// A deployment without the decoders (Textract's zip function)
		// will never read the photo: no use retrying.
		return nil, fmt.Errorf("this deployment has no decoder for the image (%v): %w", err, ErrUnreadable)
	case errors.Is(err, prepare.ErrUnreadable):
		return nil, fmt.Errorf("%w: %w", err, ErrUnreadable)
	case err != nil:
		return nil, documentErr(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, p.Gray); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return b.Bytes(), nil
}

func (t *Textract) async(ctx context.Context, doc Document) ([]types.ExpenseDocument, error) {
	start, err := t.client.StartExpenseAnalysis(ctx, &textract.StartExpenseAnalysisInput{
		DocumentLocation: &types.DocumentLocation{S3Object: &types.S3Object{
			Bucket: aws.String(doc.Bucket), Name: aws.String(doc.Key),
		}},
	})
	if err != nil {
		return nil, err
	}
	var (
		docs  []types.ExpenseDocument
		token *string
	)
	for {
		out, err := t.client.GetExpenseAnalysis(ctx, &textract.GetExpenseAnalysisInput{JobId: start.JobId, NextToken: token})
		if err != nil {
			return nil, err
		}
		switch out.JobStatus {
		case types.JobStatusInProgress:
			select {
			case <-time.After(t.Poll):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		case types.JobStatusFailed:
			return nil, fmt.Errorf("expense analysis %s: %s: %w", aws.ToString(start.JobId), aws.ToString(out.StatusMessage), ErrUnreadable)
		}
		docs = append(docs, out.ExpenseDocuments...)
		if out.NextToken == nil {
			return docs, nil
		}
		token = out.NextToken
	}
}

// textractErr marks the errors that say the document is at fault.
func textractErr(err error) error {
	var (
		bad     *types.BadDocumentException
		format  *types.UnsupportedDocumentException
		tooBig  *types.DocumentTooLargeException
		invalid *types.InvalidParameterException
	)
	if errors.As(err, &bad) || errors.As(err, &format) || errors.As(err, &tooBig) || errors.As(err, &invalid) {
		return fmt.Errorf("textract: %v: %w", err, ErrUnreadable)
	}
	return fmt.Errorf("textract: %w", err)
}

// expenseResult maps AnalyzeExpense's documents to our result: the LINE
// blocks as text, SummaryFields and LineItemGroups as fields.
func expenseResult(docs []types.ExpenseDocument, country string) (Result, error) {
	var lines []string
	for _, d := range docs {
		for _, b := range d.Blocks {
			if b.BlockType == types.BlockTypeLine && b.Text != nil {
				lines = append(lines, *b.Text)
			}
		}
	}
	text := strings.Join(lines, "\n")
	if strings.TrimSpace(text) == "" && !hasSummary(docs) {
		return Result{}, fmt.Errorf("no text found: %w", ErrUnreadable)
	}
	start := time.Now()
	f := parse.Text(text, parse.Options{Country: country})
	parseTime := time.Since(start)
	found := receipt.Fields{Confidence: map[string]float64{}}
	for _, d := range docs {
		for _, sf := range d.SummaryFields {
			summaryField(&found, sf, f)
		}
		for _, g := range d.LineItemGroups {
			for _, li := range g.LineItems {
				if item, ok := lineItem(li, f.Country); ok {
					found.LineItems = append(found.LineItems, item)
				}
			}
		}
	}
	return Result{Text: text, Fields: merge(found, f), ParseTime: parseTime}, nil
}

func hasSummary(docs []types.ExpenseDocument) bool {
	for _, d := range docs {
		if len(d.SummaryFields) > 0 {
			return true
		}
	}
	return false
}

// summaryField takes the first value Textract gives for each of our fields.
func summaryField(f *receipt.Fields, sf types.ExpenseField, parsed receipt.Fields) {
	if sf.Type == nil || sf.ValueDetection == nil || sf.ValueDetection.Text == nil {
		return
	}
	value := strings.TrimSpace(*sf.ValueDetection.Text)
	conf := float64(aws.ToFloat32(sf.ValueDetection.Confidence)) / 100
	set := func(name string, dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
			f.Confidence[name] = conf
		}
	}
	switch aws.ToString(sf.Type.Text) {
	case "VENDOR_NAME", "NAME":
		set("vendor", &f.Vendor, strings.Join(strings.Fields(value), " "))
	case "VENDOR_ADDRESS", "ADDRESS":
		set("address", &f.Address, joinLines(value))
	case "INVOICE_RECEIPT_DATE":
		set("date", &f.Date, parse.Date(plainLines(value), parse.Options{Country: parsed.Country, Currency: pick(f.Currency, parsed.Currency)}))
	case "TOTAL", "AMOUNT_PAID":
		set("total", &f.Total, textractAmount(value, parsed.Country))
	case "SUBTOTAL":
		set("subtotal", &f.Subtotal, textractAmount(value, parsed.Country))
	case "TAX":
		set("tax", &f.Tax, textractAmount(value, parsed.Country))
	}
	if sf.Currency != nil && sf.Currency.Code != nil && f.Currency == "" {
		f.Currency = strings.ToUpper(*sf.Currency.Code)
		f.Confidence["currency"] = float64(aws.ToFloat32(sf.Currency.Confidence)) / 100
	}
}

func lineItem(li types.LineItemFields, country string) (receipt.LineItem, bool) {
	var item receipt.LineItem
	for _, f := range li.LineItemExpenseFields {
		if f.Type == nil || f.ValueDetection == nil || f.ValueDetection.Text == nil {
			continue
		}
		v := strings.TrimSpace(*f.ValueDetection.Text)
		switch aws.ToString(f.Type.Text) {
		case "ITEM":
			item.Description = strings.Join(strings.Fields(v), " ")
		case "QUANTITY":
			item.Quantity = textractAmount(v, country)
		case "UNIT_PRICE":
			item.UnitPrice = textractAmount(v, country)
		case "PRICE":
			item.Amount = textractAmount(v, country)
		}
	}
	return item, item.Description != "" || item.Amount != ""
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// merge fills what Textract did not find from what the parser read.
func merge(found, parsed receipt.Fields) receipt.Fields {
	found.Vendor = pick(found.Vendor, parsed.Vendor)
	found.Address = pick(found.Address, parsed.Address)
	found.Date = pick(found.Date, parsed.Date)
	found.Total = pick(found.Total, parsed.Total)
	found.Subtotal = pick(found.Subtotal, parsed.Subtotal)
	found.Tax = pick(found.Tax, parsed.Tax)
	found.Currency = pick(found.Currency, parsed.Currency)
	found.Country = pick(found.Country, parsed.Country)
	found.Identifiers = parsed.Identifiers
	if len(found.LineItems) == 0 {
		found.LineItems = parsed.LineItems
	}
	if len(found.Confidence) == 0 {
		found.Confidence = nil
	}
	return found
}

// pdfPages counts a PDF's pages by their page objects: enough to choose
// between the synchronous and the asynchronous API.
func pdfPages(pdf []byte) int {
	return bytes.Count(pdf, []byte("/Type /Page")) - bytes.Count(pdf, []byte("/Type /Pages")) +
		bytes.Count(pdf, []byte("/Type/Page")) - bytes.Count(pdf, []byte("/Type/Pages"))
}

// textractAmount normalises an amount Textract read ("RM9.00", "1,234.50",
// a German "1.195,39") with the parser's rules for the receipt's country.
func textractAmount(v, country string) string {
	a, _, ok := parse.Amount(v, parse.Options{Country: country})
	if !ok {
		return ""
	}
	return a
}

// joinLines puts a multi-line value on one line, its lines separated by
// commas, as an address is written inline.
func joinLines(v string) string {
	var parts []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.Trim(strings.Join(strings.Fields(l), " "), ", "); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ", ")
}

// plainLines splits text without word confidences into lines.
func plainLines(text string) []parse.Line {
	var out []parse.Line
	for _, l := range strings.Split(text, "\n") {
		out = append(out, parse.Line{Text: strings.TrimSpace(l)})
	}
	return out
}
