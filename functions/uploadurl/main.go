// Command uploadurl is the POST /receipt/uploads function: presigned uploads.
package main

import (
	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/app"
)

func main() {
	app.ServeAPI((*api.Server).UploadURLHandler)
}
