// Package retry brings back soon, but not all at once, the SQS messages that
// failed for a reason that may pass: each is hidden for a growing, jittered
// delay by its receive count (ChangeMessageVisibility), rather than for its
// queue's visibility timeout.
package retry

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/receipts-api/receipts/internal/awsclient"
)

// SQS returns an SQS client for cfg (or the endpoint AWS_ENDPOINT_URL_SQS
// names).
func SQS(cfg aws.Config) *sqs.Client {
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = awsclient.Endpoint("SQS")
	})
}

// Steps is how long a message that failed for a reason that may pass
// stays hidden, by its receive count: after its first receive about 5 s,
// after its second 30 s, after its third 2 minutes, after any later one 10
// minutes. The likeliest such failure is a burst over a service's quota
// (Textract's default TPS is small): a message must come back soon, but not
// in step with the others that failed with it, nor every few seconds while
// a dependency stays down.
var Steps = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}

// jitter spreads each step over ±25% at random, so messages that failed
// together do not come back together.
const jitter = 0.25

// Delay is how long a message received receives times stays hidden after
// failing: its step of Steps, jittered by r, a number in [0, 1).
func Delay(receives int, r float64) time.Duration {
	step := Steps[min(max(receives, 1), len(Steps))-1]
	return time.Duration(float64(step) * (1 - jitter + 2*jitter*r))
}

// visibilityChanger is the SQS call Backoff makes.
type visibilityChanger interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Backoff hides messages that failed for a passing reason for their retry
// delay (Delay), with ChangeMessageVisibility, so they come back then
// rather than after the queue's visibility timeout. A consumer calls Retry
// before reporting the message as a batch item failure.
type Backoff struct {
	client visibilityChanger
	log    *slog.Logger
	rand   func() float64
}

// NewBackoff returns a Backoff that changes visibilities through client.
func NewBackoff(client visibilityChanger, log *slog.Logger) *Backoff {
	return &Backoff{client: client, log: log, rand: rand.Float64}
}

// Retry hides msg for its retry delay and returns that delay. When the
// change fails, the message comes back after the queue's visibility
// timeout, later than it should but no less surely; that is logged.
func (b *Backoff) Retry(ctx context.Context, msg events.SQSMessage) time.Duration {
	receives, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	delay := Delay(receives, b.rand())
	url, err := QueueURL(msg.EventSourceARN)
	if err == nil {
		_, err = b.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(url), ReceiptHandle: aws.String(msg.ReceiptHandle),
			VisibilityTimeout: int32(delay.Round(time.Second) / time.Second),
		})
	}
	if err != nil {
		b.log.WarnContext(ctx, "retry after the queue's visibility timeout", "messageId", msg.MessageId, "receives", receives, "err", err)
		return 0
	}
	b.log.InfoContext(ctx, "message will be tried again", "messageId", msg.MessageId, "receives", receives, "retryIn", delay.Round(time.Second).String())
	return delay
}

// QueueURL is the URL of the queue with the ARN arn:<partition>:sqs:<region>:<account>:<name>.
func QueueURL(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return "", fmt.Errorf("not an SQS queue's ARN: %q", arn)
	}
	domain := "amazonaws.com"
	if parts[1] == "aws-cn" {
		domain = "amazonaws.com.cn"
	}
	return fmt.Sprintf("https://sqs.%s.%s/%s/%s", parts[3], domain, parts[4], parts[5]), nil
}
