// Command processor extracts new receipts from the table's stream.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/receipts-api/receipts/internal/app/worker"
)

func main() {
	p, _, err := worker.Processor()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(p.Handle)
}
