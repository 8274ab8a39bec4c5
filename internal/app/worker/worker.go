// Package worker wires the functions that process receipts: the stream's
// dispatcher, the work queue's processor and the dead-letter consumer. It is
// apart from app so that the API functions do not link, and initialise, the
// extraction engines.
package worker

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/textract"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/processor"
)

// Extractor returns the extraction engine EXTRACTOR names: "tesseract"
// (OCR_LANGUAGES, default eng; OCR_PSM, default 6; bounded by lim) or
// "textract".
func Extractor(cfg aws.Config, lim limits.Limits) (extract.Extractor, error) {
	switch e := os.Getenv("EXTRACTOR"); e {
	case "tesseract":
		t := extract.NewTesseract(os.Getenv("OCR_LANGUAGES"))
		t.Limits = lim
		if psm := os.Getenv("OCR_PSM"); psm != "" {
			t.PageSegMode = psm
		}
		return t, nil
	case "textract", "":
		return extract.NewTextract(textract.NewFromConfig(cfg, func(o *textract.Options) {
			o.BaseEndpoint = awsclient.Endpoint("TEXTRACT")
		})), nil
	default:
		return nil, fmt.Errorf("EXTRACTOR %q: want tesseract or textract", e)
	}
}

// Defaults of the processing limits, for a processor with a 120 s timeout.
const (
	// DefaultDocTime leaves 20 s of the timeout to read the file and write
	// the result.
	DefaultDocTime = 100 * time.Second
	// DefaultInlineDetails keeps the item far below DynamoDB's 400 KB with
	// room for the fields.
	DefaultInlineDetails = 100 << 10
	// DefaultDetails keeps GET's answer well within Lambda's 6 MB
	// response.
	DefaultDetails = 1 << 20
)

// Limits reads the processing limits: DOC_TIME_LIMIT (a Go duration, e.g.
// 100s), DETAILS_INLINE_LIMIT and DETAILS_LIMIT (bytes).
func Limits() (processor.Limits, error) {
	l := processor.Limits{DocTime: DefaultDocTime, InlineDetails: DefaultInlineDetails, Details: DefaultDetails}
	if v := os.Getenv("DOC_TIME_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return l, fmt.Errorf("DOC_TIME_LIMIT %q: want a positive duration such as 100s", v)
		}
		l.DocTime = d
	}
	if v := os.Getenv("DETAILS_INLINE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 300<<10 {
			return l, fmt.Errorf("DETAILS_INLINE_LIMIT %q: want a number of bytes from 1 to 307200", v)
		}
		l.InlineDetails = n
	}
	if v := os.Getenv("DETAILS_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < l.InlineDetails || n > 4<<20 {
			return l, fmt.Errorf("DETAILS_LIMIT %q: want a number of bytes from DETAILS_INLINE_LIMIT (%d) to 4194304", v, l.InlineDetails)
		}
		l.Details = n
	}
	return l, nil
}

// Processor builds the work queue's processor from the environment.
func Processor() (*processor.Processor, error) {
	d, err := app.FromEnv()
	if err != nil {
		return nil, err
	}
	budget, err := Limits()
	if err != nil {
		return nil, err
	}
	ex, err := Extractor(d.AWS, d.Limits)
	if err != nil {
		return nil, err
	}
	tmp, err := processor.TempDir()
	if err != nil {
		return nil, err
	}
	p := processor.New(d.Receipts, d.Files, d.Bucket, ex, budget, slog.Default())
	p.TempDir = tmp
	p.MaxPixels = d.Limits.ImagePixels
	p.Engine = cmp.Or(os.Getenv("EXTRACTOR"), "textract")
	p.Metrics = metrics.New(os.Stdout)
	return p, nil
}

// Dispatcher builds the stream's dispatcher onto the queue WORK_QUEUE_URL
// names.
func Dispatcher() (*processor.Dispatcher, error) {
	app.SetLogger()
	url, err := awsclient.MustEnv("WORK_QUEUE_URL")
	if err != nil {
		return nil, err
	}
	cfg, err := awsclient.Load()
	if err != nil {
		return nil, err
	}
	q := processor.SQS{Client: sqsClient(cfg), URL: url}
	return processor.NewDispatcher(q, slog.Default()), nil
}

// DeadLetters builds the dead-letter queue's consumer.
func DeadLetters() (*processor.DeadLetters, error) {
	d, err := app.FromEnv()
	if err != nil {
		return nil, err
	}
	stream := processor.Stream{Client: streamsClient(d.AWS)}
	return processor.NewDeadLetters(d.Receipts, stream, slog.Default()), nil
}

// The stream and queue clients are built here, not in awsclient, so that
// the API functions neither link nor initialise those SDK packages: their
// package init is part of every cold start.

func streamsClient(cfg aws.Config) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = awsclient.Endpoint("DYNAMODB_STREAMS")
	})
}

func sqsClient(cfg aws.Config) *sqs.Client {
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = awsclient.Endpoint("SQS")
	})
}
