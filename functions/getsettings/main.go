// Command getsettings is the GET /settings function.
package main

import (
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/serve"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	serve.API(func(deps *app.Deps) (http.Handler, error) {
		return api.New(deps.Receipts, deps.Files, deps.Receipts).GetSettingsHandler(), nil
	})
}
