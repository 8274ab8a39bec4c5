// Command uploaded receives the bucket's notifications for presigned
// uploads: it checks each file and starts its processing, or fails it.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/uploads"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	deps, err := app.FromEnv()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	h := uploads.New(deps.Receipts, deps.Files, slog.Default())
	h.MaxPixels = deps.Limits.ImagePixels
	lambda.Start(h.Handle)
}
