// Package app builds, from the environment a function runs in, the clients
// and stores the functions share. It returns errors and never exits: each
// function's main decides what a failed init does.
package app

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/files"
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
		Files:    files.New(files.Client(cfg), bucket),
		Limits:   lim,
	}, nil
}
