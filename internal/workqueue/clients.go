package workqueue

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/receipts-api/receipts/internal/awsclient"
)

// The queue and stream clients are built here, not in awsclient, so that
// the API functions neither link nor initialise those SDK packages: their
// package init is part of every cold start.

// NewSQS returns the work queue at url, reached with cfg (or the endpoint
// AWS_ENDPOINT_URL_SQS names).
func NewSQS(cfg aws.Config, url string) SQS {
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = awsclient.Endpoint("SQS")
	})
	return SQS{Client: client, URL: url}
}

// NewStream returns a reader of the table's stream, reached with cfg (or the
// endpoint AWS_ENDPOINT_URL_DYNAMODB_STREAMS names).
func NewStream(cfg aws.Config) Stream {
	client := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = awsclient.Endpoint("DYNAMODB_STREAMS")
	})
	return Stream{Client: client}
}
