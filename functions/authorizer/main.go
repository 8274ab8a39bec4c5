// Command authorizer is the API's Lambda authorizer: it maps the request's
// API key to its tenant.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/auth"
)

func main() {
	deps, err := app.FromEnv()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	cache, err := auth.CacheConfigFromEnv(os.Getenv)
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(auth.NewAuthorizer(deps.Receipts, cache, slog.Default()).Handle)
}
