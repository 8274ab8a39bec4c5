// Command dispatch consumes the table's stream: each receipt to process
// becomes one message on the work queue. It links no extraction engine.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/workqueue"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	url, err := awsclient.RequireEnv("WORK_QUEUE_URL")
	if err != nil {
		initFailed(err)
	}
	cfg, err := awsclient.Load()
	if err != nil {
		initFailed(err)
	}

	d := workqueue.NewDispatcher(workqueue.NewSQS(cfg, url), slog.Default())

	lambda.Start(d.Handle)
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
