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
	"github.com/receipts-api/receipts/internal/processor"
)

// Extractor returns the extraction engine EXTRACTOR names: "tesseract"
// (OCR_LANGUAGES, default eng; OCR_PSM, default 6) or "textract".
func Extractor(cfg aws.Config) (extract.Extractor, error) {
	switch e := os.Getenv("EXTRACTOR"); e {
	case "tesseract":
		t := extract.NewTesseract(os.Getenv("OCR_LANGUAGES"))
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
	ex, err := Extractor(d.AWS)
	if err != nil {
		return nil, aws.Config{}, err
	}
	return processor.New(d.Receipts, d.Files, d.Bucket, ex, slog.Default()), d.AWS, nil
}
