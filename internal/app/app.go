// Package app wires the service's parts from the environment a function runs
// in, so every function's main stays a few lines.
package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/lambdahttp"
	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/store"
)

// Deps are the clients a function builds once at init.
type Deps struct {
	AWS      aws.Config
	Bucket   string
	Receipts *store.Store
	Files    *files.Store
	Limits   limits.Limits
}

// SetLogger makes Lambda's logger the default: the format and level Lambda
// gives the function (AWS_LAMBDA_LOG_FORMAT, _LOG_LEVEL, from its
// LoggingConfig), each record with the invocation's request id. Every
// function calls it first, through FromEnv or directly.
func SetLogger() { slog.SetDefault(lambdacontext.NewLogger()) }

// FromEnv builds Deps from TABLE_NAME, BUCKET_NAME, the limits' variables
// (see limits.FromEnv) and the SDK's environment, after setting the logger.
func FromEnv() (*Deps, error) {
	SetLogger()
	table, err := awsclient.MustEnv("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	bucket, err := awsclient.MustEnv("BUCKET_NAME")
	if err != nil {
		return nil, err
	}
	listReadLimit, err := store.ListReadLimitFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	lim, err := limits.FromEnv()
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
		Receipts: store.New(awsclient.DynamoDB(cfg), table, store.WithListReadLimit(listReadLimit)),
		Files:    files.New(awsclient.S3(cfg), bucket),
		Limits:   lim,
	}, nil
}

// API returns the HTTP API over d.
func (d *Deps) API() *api.Server {
	return api.New(d.Receipts, d.Files, d.Receipts, api.WithMaxPixels(d.Limits.ImagePixels))
}

// ServeAPI builds the API from the environment and serves, as this
// function, the handler pick chooses; it never returns.
func ServeAPI(pick func(*api.Server) http.Handler) {
	deps, err := FromEnv()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambdahttp.Start(pick(deps.API()))
}
