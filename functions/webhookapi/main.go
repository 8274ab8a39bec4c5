// Command webhookapi serves the /webhooks routes: a tenant's endpoints,
// their secrets, test events and delivery log.
package main

import (
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/serve"
	"github.com/receipts-api/receipts/internal/webhook"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	serve.API(func(deps *app.Deps) (http.Handler, error) {
		settings, err := webhook.SettingsFromEnv(os.Getenv)
		if err != nil {
			return nil, err
		}
		guard := webhook.Guard{Resolver: net.DefaultResolver, AllowLoopback: settings.AllowLoopback}
		return api.New(deps.Receipts, deps.Files, deps.Receipts, api.WithWebhooks(deps.Receipts, guard)).WebhooksHandler(), nil
	})
}
