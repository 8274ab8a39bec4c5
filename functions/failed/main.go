// Command failed consumes the dead-letter queue: receipts whose processing,
// or dispatching, ran out of retries are marked FAILED. It links no
// extraction engine.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/retry"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/workqueue"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	table, err := awsclient.RequireEnv("TABLE_NAME")
	if err != nil {
		initFailed(err)
	}
	cfg, err := awsclient.Load()
	if err != nil {
		initFailed(err)
	}
	receipts := store.New(awsclient.DynamoDB(cfg), table)

	d := workqueue.NewDeadLetters(receipts, workqueue.NewStream(cfg), slog.Default())
	d.Retry = retry.NewBackoff(retry.SQS(cfg), slog.Default())

	lambda.Start(d.Handle)
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
