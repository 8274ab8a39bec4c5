// Package app builds, from the environment a function runs in, the clients
// and stores the functions share. It returns errors and never exits: each
// function's main decides what a failed init does.
package app

import (
	"fmt"
	"os"

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

// FromEnv builds Deps from TABLE_NAME, BUCKET_NAME, the limits' variables
// (see limits.FromEnv) and the SDK's environment. It leaves the default
// logger alone: each main sets it first, to lambdacontext.NewLogger() (the
// format and level Lambda gives the function, each record with the
// invocation's request id), so that init errors are logged in that form too.
func FromEnv() (*Deps, error) {
	table, err := awsclient.RequireEnv("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	bucket, err := awsclient.RequireEnv("BUCKET_NAME")
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
