// Command dispatch consumes the table's stream: each receipt to process
// becomes one message on the work queue.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/receipts-api/receipts/internal/app/worker"
)

func main() {
	d, err := worker.Dispatcher()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(d.Handle)
}
