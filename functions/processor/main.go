// Command processor extracts the receipts of the work queue's messages.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/receipts-api/receipts/internal/app/worker"
)

func main() {
	p, err := worker.Processor()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(p.Handle)
}
