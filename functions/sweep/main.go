// Command sweep deletes stored files that no receipt records, each looked
// at a while after it was written (see package sweep).
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/retry"
	"github.com/receipts-api/receipts/internal/sweep"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	deps, err := app.FromEnv()
	if err != nil {
		initFailed(err)
	}
	after, err := time.ParseDuration(os.Getenv("SWEEP_AFTER"))
	if err != nil || after <= 0 {
		initFailed(err)
	}

	s := sweep.New(deps.Receipts, deps.Files, deps.Bucket, after, slog.Default())
	s.Retry = retry.NewBackoff(retry.SQS(deps.AWS), slog.Default())

	lambda.Start(s.Handle)
}

func initFailed(err error) {
	slog.Error("init", "err", err, "want", "SWEEP_AFTER: a positive duration")
	os.Exit(1)
}
