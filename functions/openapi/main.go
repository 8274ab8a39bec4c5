// Command openapi serves GET /openapi.json, the API's OpenAPI document.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/docs"
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/lambdahttp"
)

func main() {
	// Lambda's logger, as app.SetLogger sets it, without linking the SDK.
	slog.SetDefault(lambdacontext.NewLogger())
	doc, err := docs.OpenAPIJSON()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambdahttp.Start(api.OpenAPIHandler(doc))
}
