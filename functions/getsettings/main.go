// Command getsettings is the GET /settings function.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/lambdahttp"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	deps, err := app.FromEnv()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	srv := api.New(deps.Receipts, deps.Files, deps.Receipts)
	lambdahttp.Start(srv.GetSettingsHandler())
}
