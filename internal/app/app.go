// Package app wires the service's parts from the environment a function runs
// in, so every function's main stays a few lines.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/textract"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/lambdahttp"
	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/store"
)

// Deps are the clients a function builds once at init.
type Deps struct {
	AWS      aws.Config
	Bucket   string
	Receipts *store.Store
	Files    *files.Store
}

// FromEnv builds Deps from TABLE_NAME, BUCKET_NAME and the SDK's environment.
func FromEnv(ctx context.Context) (*Deps, error) {
	table, err := awsclient.MustEnv("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	bucket, err := awsclient.MustEnv("BUCKET_NAME")
	if err != nil {
		return nil, err
	}
	cfg, err := awsclient.Load()
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	return &Deps{
		AWS:      cfg,
		Bucket:   bucket,
		Receipts: store.New(awsclient.DynamoDB(cfg), table),
		Files:    files.New(awsclient.S3(cfg), bucket),
	}, nil
}

// API returns the HTTP API over d.
func (d *Deps) API() *api.Server {
	return api.New(d.Receipts, d.Files, d.Receipts)
}

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
func Processor(ctx context.Context) (*processor.Processor, aws.Config, error) {
	d, err := FromEnv(ctx)
	if err != nil {
		return nil, aws.Config{}, err
	}
	ex, err := Extractor(d.AWS)
	if err != nil {
		return nil, aws.Config{}, err
	}
	return processor.New(d.Receipts, d.Files, d.Bucket, ex, slog.Default()), d.AWS, nil
}

// ServeAPI builds the API from the environment and serves, as this
// function, the handler pick chooses; it never returns.
func ServeAPI(pick func(*api.Server) http.Handler) {
	deps, err := FromEnv(context.Background())
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambdahttp.Start(pick(deps.API()))
}
