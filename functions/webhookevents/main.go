// Command webhookevents consumes the table's stream for webhooks: finished
// and deleted receipts become deliveries, and requested deliveries go to
// the delivery queue.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/webhookqueue"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	table, err := awsclient.RequireEnv("TABLE_NAME")
	if err != nil {
		initFailed(err)
	}
	url, err := awsclient.RequireEnv("WEBHOOK_QUEUE_URL")
	if err != nil {
		initFailed(err)
	}
	cfg, err := awsclient.Load()
	if err != nil {
		initFailed(err)
	}
	render := func(r *receipt.Receipt) any { return api.ReceiptBody(r, time.Now()) }
	e := webhookqueue.NewEvents(store.New(awsclient.DynamoDB(cfg), table), webhookqueue.NewSQS(cfg, url), render, slog.Default())
	lambda.Start(e.Handle)
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
