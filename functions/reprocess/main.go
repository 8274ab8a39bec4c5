// Command reprocess is the POST /receipt/{id}/reprocess function.
package main

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/serve"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	serve.API(func(deps *app.Deps) (http.Handler, error) {
		limit, err := api.ReprocessLimitFromEnv(os.Getenv)
		if err != nil {
			return nil, err
		}
		return api.New(deps.Receipts, deps.Files, deps.Receipts, api.WithReprocessLimit(limit)).ReprocessHandler(), nil
	})
}
