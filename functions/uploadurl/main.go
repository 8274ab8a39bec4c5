// Command uploadurl is the POST /receipt/uploads function: presigned uploads.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/lambdahttp"
)

func main() {
	deps, err := app.FromEnv(context.Background())
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambdahttp.Start(deps.API().UploadURLHandler())
}
