// Command webhook consumes the delivery queue: it sends each event to its
// endpoint, signed, records the attempt and schedules the next.
package main

import (
	"log/slog"
	"net"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/webhook"
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
	settings, err := webhook.SettingsFromEnv(os.Getenv)
	if err != nil {
		initFailed(err)
	}
	cfg, err := awsclient.Load()
	if err != nil {
		initFailed(err)
	}
	sender := webhook.NewSender(webhook.Guard{Resolver: net.DefaultResolver, AllowLoopback: settings.AllowLoopback}, settings.Timeout)
	d := webhookqueue.NewDeliverer(store.New(awsclient.DynamoDB(cfg), table), webhookqueue.NewSQS(cfg, url), sender, settings, slog.Default())
	d.Metrics = metrics.New(os.Stdout)
	lambda.Start(d.Handle)
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
