// Command openapi serves GET /openapi.json, the API's OpenAPI document.
package main

import (
	"log/slog"
	"os"

	"github.com/receipts-api/receipts/docs"
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/lambdahttp"
)

func main() {
	doc, err := docs.OpenAPIJSON()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambdahttp.Start(api.OpenAPIHandler(doc))
}
