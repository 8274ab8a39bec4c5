// Command failed consumes the processor's dead-letter queue: receipts whose
// processing ran out of retries are marked FAILED.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/receipts-api/receipts/internal/app/worker"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/processor"
)

func main() {
	p, cfg, err := worker.Processor()
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	stream := processor.Stream{Client: awsclient.DynamoDBStreams(cfg)}
	lambda.Start(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return p.HandleDeadLetters(ctx, stream, ev)
	})
}
