// Command processor extracts the receipts of the work queue's messages.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/retry"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	deps, err := app.FromEnv()
	if err != nil {
		initFailed(err)
	}
	engine, extractor, err := extract.FromEnv(deps.AWS, deps.Limits)
	if err != nil {
		initFailed(err)
	}
	tmp, err := processor.TempDir()
	if err != nil {
		initFailed(err)
	}

	p := processor.New(deps.Receipts, deps.Files, deps.Bucket, extractor, deps.Limits, slog.Default())
	p.TempDir, p.Engine, p.Metrics = tmp, engine, metrics.New(os.Stdout)
	p.Retry = retry.NewBackoff(retry.SQS(deps.AWS), slog.Default())

	lambda.Start(p.Handle)
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
