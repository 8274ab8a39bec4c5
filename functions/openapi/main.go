// Command openapi serves GET /openapi.json, the API's OpenAPI document.
package main

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/receipts-api/receipts/docs"
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/lambdahttp"
)

func main() {
	// Lambda's logger, as every function sets it first, without linking the SDK.
	slog.SetDefault(lambdacontext.NewLogger())
	lambdahttp.Start(api.OpenAPIHandler(docs.OpenAPIJSON))
}
