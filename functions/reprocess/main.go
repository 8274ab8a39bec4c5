// Command reprocess is the POST /receipt/{id}/reprocess function.
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
		initFailed(err)
	}
	limit, err := api.ReprocessLimitFromEnv(os.Getenv)
	if err != nil {
		initFailed(err)
	}
	srv := api.New(deps.Receipts, deps.Files, deps.Receipts, api.WithReprocessLimit(limit))
	lambdahttp.Start(srv.ReprocessHandler())
}

func initFailed(err error) {
	slog.Error("init", "err", err)
	os.Exit(1)
}
