// Command webhookapi serves the /webhooks routes: a tenant's endpoints,
// their secrets, test events and delivery log.
package main

import (
	"log/slog"
	"net"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/lambdahttp"
	"github.com/receipts-api/receipts/internal/webhook"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	deps, err := app.FromEnv()
	if err != nil {
		initFailed(err)
	}
	settings, err := webhook.SettingsFromEnv(os.Getenv)
	if err != nil {
		initFailed(err)
	}
	guard := webhook.Guard{Resolver: net.DefaultResolver, AllowLoopback: settings.AllowLoopback}
	srv := api.New(deps.Receipts, deps.Files, deps.Receipts, api.WithWebhooks(deps.Receipts, guard))
	lambdahttp.Start(srv.WebhooksHandler())
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
