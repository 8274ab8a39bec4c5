//go:build !integration

package retry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		receives int
		want     time.Duration
	}{{0, 5 * time.Second}, {1, 5 * time.Second}, {2, 30 * time.Second}, {3, 2 * time.Minute}, {4, 10 * time.Minute}, {9, 10 * time.Minute}} {
		lo, mid, hi := Delay(tc.receives, 0), Delay(tc.receives, 0.5), Delay(tc.receives, 0.999999)
		if mid != tc.want {
			t.Errorf("receive %d: middle delay %s, want %s", tc.receives, mid, tc.want)
		}
		if lo != tc.want*3/4 || hi < tc.want*5/4-time.Millisecond || hi > tc.want*5/4 {
			t.Errorf("receive %d: delays from %s to %s, want ±25%% of %s", tc.receives, lo, hi, tc.want)
		}
	}
}

// changes records the visibility changes asked for, failing them with err.
type changes struct {
	got []*sqs.ChangeMessageVisibilityInput
	err error
}

func (c *changes) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.got = append(c.got, in)
	return &sqs.ChangeMessageVisibilityOutput{}, c.err
}

func TestBackoffHidesTheMessage(t *testing.T) {
	c := &changes{}
	b := NewBackoff(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.rand = func() float64 { return 0.5 }
	msg := events.SQSMessage{MessageId: "m1", ReceiptHandle: "h1", EventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:work",
		Attributes: map[string]string{"ApproximateReceiveCount": "2"}}
	if d := b.Retry(context.Background(), msg); d != 30*time.Second {
		t.Errorf("delay %s, want 30s for a second receive", d)
	}
	if len(c.got) != 1 {
		t.Fatalf("%d visibility changes, want 1", len(c.got))
	}
	in := c.got[0]
	if aws.ToString(in.QueueUrl) != "https://sqs.eu-west-1.amazonaws.com/111122223333/work" || aws.ToString(in.ReceiptHandle) != "h1" || in.VisibilityTimeout != 30 {
		t.Errorf("changed %s %s to %d s", aws.ToString(in.QueueUrl), aws.ToString(in.ReceiptHandle), in.VisibilityTimeout)
	}

	c.err = errors.New("throttled")
	if d := b.Retry(context.Background(), msg); d != 0 {
		t.Errorf("a failed change reports %s, want 0 (the queue's own timeout applies)", d)
	}
	if d := b.Retry(context.Background(), events.SQSMessage{EventSourceARN: "arn:aws:lambda:x"}); d != 0 {
		t.Errorf("a message of no queue reports %s, want 0", d)
	}
}

func TestQueueURL(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:sqs:us-east-1:123456789012:work":       "https://sqs.us-east-1.amazonaws.com/123456789012/work",
		"arn:aws-cn:sqs:cn-north-1:123456789012:work":   "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/work",
		"arn:aws:sns:us-east-1:123456789012:topic":      "",
		"arn:aws:sqs:us-east-1:123456789012":            "",
		"not an arn":                                    "",
		"arn:aws:sqs:us-east-1:123456789012:work:extra": "",
	} {
		got, err := QueueURL(arn)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("QueueURL(%q) = %q, %v; want %q", arn, got, err, want)
		}
	}
}
