// Command failed consumes the dead-letter queue: receipts whose processing,
// or dispatching, ran out of retries are marked FAILED.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/receipts-api/receipts/internal/app/worker"
)

func main() {
	d, err := worker.DeadLetters()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(d.Handle)
}
