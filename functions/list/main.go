// Command list is the GET /receipts function.
package main

import (
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
)

func main() {
	app.ServeAPI((*api.Server).ListHandler)
}
