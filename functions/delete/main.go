// Command delete is the DELETE /receipt/{id} function.
package main

import (
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
)

func main() {
	app.ServeAPI((*api.Server).DeleteHandler)
}
