// Package webhookqueue moves webhook events from the table to receivers.
// Events is the table stream's second consumer: a receipt that finished or
// was deleted becomes one delivery item per endpoint that wants it, and a
// delivery item that is requested becomes a message on the delivery queue.
// Deliverer consumes that queue: it makes each attempt, records it, and
// schedules the next one with an SQS message timer. The stream is the only
// way in, so no event is lost between the table and the queue, and none of
// it is on the processing path: a receipt is finished before its event
// exists.
package webhookqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/webhook"
)

// Message asks for one attempt of a delivery: the body of a delivery queue
// message.
type Message struct {
	Tenant     string `json:"tenant"`
	EndpointID string `json:"endpointId"`
	DeliveryID string `json:"deliveryId"`
	Round      int    `json:"round"`
	Attempt    int    `json:"attempt"`
	// Wait is how many seconds the attempt must still wait: a delay
	// longer than an SQS message timer allows is made of several.
	Wait int `json:"wait,omitempty"`
}

// MaxTimer is the longest SQS message timer (DelaySeconds).
const MaxTimer = 15 * time.Minute

// ParseMessage reads a delivery queue message body.
func ParseMessage(body string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return Message{}, fmt.Errorf("parse delivery message: %w", err)
	}
	if m.Tenant == "" || !webhook.ValidID(m.EndpointID) || !webhook.ValidID(m.DeliveryID) ||
		m.Attempt < 1 || m.Round < 0 || m.Wait < 0 || m.Wait > 86400 {
		return Message{}, fmt.Errorf("delivery message names no attempt: %.200s", body)
	}
	return m, nil
}

// Body is the message as a queue message body.
func (m Message) Body() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// Queue is the delivery queue.
type Queue interface {
	// Send puts m on the queue, to be received after delay (at most
	// MaxTimer).
	Send(ctx context.Context, m Message, delay time.Duration) error
}

// sendAfter sends m to be received after delay, however long: the first
// MaxTimer of it as the message's timer, the rest in its Wait.
func sendAfter(ctx context.Context, q Queue, m Message, delay time.Duration) error {
	step := min(delay, MaxTimer)
	m.Wait = int((delay - step).Round(time.Second) / time.Second)
	return q.Send(ctx, m, step)
}

// SQS is the delivery queue in Amazon SQS.
type SQS struct {
	Client *sqs.Client
	URL    string
}

var _ Queue = SQS{}

// NewSQS returns the queue at url, reached with cfg (or the endpoint
// AWS_ENDPOINT_URL_SQS names).
func NewSQS(cfg aws.Config, url string) SQS {
	return SQS{URL: url, Client: sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = awsclient.Endpoint("SQS")
	})}
}

// Send sends m with delay as its message timer. The tenant is the message
// group: SQS fair queues then keep one tenant's backlog from delaying
// another's deliveries.
func (q SQS) Send(ctx context.Context, m Message, delay time.Duration) error {
	in := &sqs.SendMessageInput{
		QueueUrl:       aws.String(q.URL),
		MessageBody:    aws.String(m.Body()),
		MessageGroupId: aws.String(m.Tenant),
	}
	if s := int32(delay.Round(time.Second) / time.Second); s > 0 {
		in.DelaySeconds = min(s, int32(MaxTimer/time.Second))
	}
	if _, err := q.Client.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("send attempt %s of delivery %s: %w", strconv.Itoa(m.Attempt), m.DeliveryID, err)
	}
	return nil
}
