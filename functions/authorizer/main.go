// Command authorizer is the API's Lambda authorizer: it maps the request's
// API key to its tenant.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/auth"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/store"
)

// It reads only the table: not going through app.FromEnv keeps the S3
// client, and its package's init, out of every first request's cold start.
func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	table, err := awsclient.RequireEnv("TABLE_NAME")
	if err != nil {
		exit(err)
	}
	cfg, err := awsclient.Load()
	if err != nil {
		exit(err)
	}
	cache, err := auth.CacheConfigFromEnv(os.Getenv)
	if err != nil {
		exit(err)
	}
	keys := store.New(awsclient.DynamoDB(cfg), table)
	lambda.Start(auth.NewAuthorizer(keys, cache, slog.Default()).Handle)
}

func exit(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
