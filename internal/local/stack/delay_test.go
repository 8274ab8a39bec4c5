//go:build !integration

package stack

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestMessageTimers: a message sent with DelaySeconds is not received
// before its timer (in real time) runs out, while one sent after it
// without a timer is; a timer over 900 s is refused.
func TestMessageTimers(t *testing.T) {
	qs := testQueues()
	srv, endpoint, err := qs.serveSQS(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := sqs.NewFromConfig(AWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	url := aws.String("https://sqs.us-east-1.amazonaws.com/123456789012/work")
	start := time.Now()
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("later"), DelaySeconds: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("now")}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	first := qs.receive(rctx, "Work", 10)
	if len(first) != 1 || first[0].body != "now" {
		t.Fatalf("first receive: %d messages, want only the one without a timer", len(first))
	}
	second := qs.receive(rctx, "Work", 10)
	if len(second) != 1 || second[0].body != "later" {
		t.Fatalf("second receive: %d messages, want the delayed one", len(second))
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("the delayed message came after %s, before its timer of 1s", waited)
	}
	_, err = client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x"), DelaySeconds: 901})
	if err == nil {
		t.Error("DelaySeconds 901 accepted")
	}
}
