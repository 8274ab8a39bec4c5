// Package worker wires the functions that process receipts: the stream
// processor and the dead-letter consumer. It is apart from app so that the
// API functions do not link, and initialise, the extraction engines.
package worker

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/textract"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/processor"
)

// Extractor returns the extraction engine EXTRACTOR names: "tesseract"
// (OCR_LANGUAGES, default eng; OCR_PSM, default 6; bounded by lim) or
// "textract".
func Extractor(cfg aws.Config, lim limits.Limits) (extract.Extractor, error) {
	switch e := os.Getenv("EXTRACTOR"); e {
	case "tesseract":
		t := extract.NewTesseract(os.Getenv("OCR_LANGUAGES"))
		t.Limits = lim
		if psm := os.Getenv("OCR_PSM"); psm != "" {
			t.PageSegMode = psm
		}
		return t, nil
	case "textract", "":
		return extract.NewTextract(textract.NewFromConfig(cfg, func(o *textract.Options) {
			o.BaseEndpoint = awsclient.Endpoint("TEXTRACT")
		})), nil
	default:
		return nil, fmt.Errorf("EXTRACTOR %q: want tesseract or textract", e)
	}
}

// Processor builds the stream processor from the environment.
func Processor() (*processor.Processor, aws.Config, error) {
	d, err := app.FromEnv()
	if err != nil {
		return nil, aws.Config{}, err
	}
	ex, err := Extractor(d.AWS, d.Limits)
	if err != nil {
		return nil, aws.Config{}, err
	}
	p := processor.New(d.Receipts, d.Files, d.Bucket, ex, slog.Default())
	p.MaxPixels = d.Limits.ImagePixels
	return p, d.AWS, nil
}
