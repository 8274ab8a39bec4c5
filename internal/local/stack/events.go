package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// The local stack sends the S3 events that a bucket with EventBridge
// notifications turned on (NotificationConfiguration.EventBridgeConfiguration)
// sends to EventBridge, "Object Created" ones, to the targets of the
// template's rules (AWS::Events::Rule) whose pattern matches them. Only
// queue targets are supported: a rule with any other target is refused at
// start, so nothing is silently not delivered.

// eventRule is one of the template's EventBridge rules.
type eventRule struct {
	id      string
	pattern pattern
	queues  []string // logical ids of its target queues
}

func eventRules(t *samtemplate.Template) ([]eventRule, error) {
	res, err := t.Resources("AWS::Events::Rule")
	if err != nil {
		return nil, err
	}
	var out []eventRule
	for _, r := range res {
		if state, ok := r.Properties["State"].(string); ok && state != "ENABLED" {
			continue
		}
		src, err := json.Marshal(r.Properties["EventPattern"])
		if err != nil {
			return nil, fmt.Errorf("rule %s: EventPattern: %w", r.LogicalID, err)
		}
		p, err := parsePattern(string(src))
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.LogicalID, err)
		}
		rule := eventRule{id: r.LogicalID, pattern: p}
		targets, _ := r.Properties["Targets"].([]any)
		for _, tg := range targets {
			m, _ := tg.(map[string]any)
			q := queueID(t, str(m["Arn"]))
			if q == "" {
				return nil, fmt.Errorf("rule %s: target %v is not a queue of the template; the local stack delivers rules to queues only", r.LogicalID, m["Arn"])
			}
			rule.queues = append(rule.queues, q)
		}
		out = append(out, rule)
	}
	return out, nil
}

// eventBridgeBuckets are the names of the template's buckets that send
// their events to EventBridge.
func eventBridgeBuckets(t *samtemplate.Template) (map[string]bool, error) {
	res, err := t.Resources("AWS::S3::Bucket")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range res {
		nc, _ := r.Properties["NotificationConfiguration"].(map[string]any)
		eb, _ := nc["EventBridgeConfiguration"].(map[string]any)
		if eb["EventBridgeEnabled"] == true {
			out[r.Name] = true
		}
	}
	return out, nil
}

// objectEvent is the event S3 sends EventBridge for an object created.
func objectEvent(region, account, bucket, key string, size int64, at time.Time) map[string]any {
	ev := map[string]any{
		"version": "0", "id": uuid.NewString(), "detail-type": "Object Created", "source": "aws.s3",
		"account": account, "time": at.UTC().Format(time.RFC3339), "region": region,
		"resources": []any{"arn:aws:s3:::" + bucket},
		"detail": map[string]any{
			"version": "0", "bucket": map[string]any{"name": bucket},
			"object":     map[string]any{"key": key, "size": size, "sequencer": fmt.Sprintf("%016X", at.UnixNano())},
			"request-id": uuid.NewString(), "requester": account, "reason": "PutObject",
		},
	}
	// Matched as EventBridge matches what it receives: decoded JSON.
	b, _ := json.Marshal(ev)
	var decoded map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&decoded)
	return decoded
}

// objectCreated tells whoever watches the bucket of an object created at
// a time: the functions of its S3 events, and the queues of the rules that
// match its EventBridge event.
func (s *Stack) objectCreated(ctx context.Context, bucket, key string, size int64, at time.Time) {
	s.notifyS3(ctx, s.s3srcs, bucket, key, size)
	if !s.eventBuckets[bucket] {
		return
	}
	ev := objectEvent(Region, s.Template.AccountID(), bucket, key, size, at)
	var body []byte
	for _, r := range s.rules {
		if !r.pattern.matches(ev) {
			continue
		}
		if body == nil {
			body, _ = json.Marshal(ev)
		}
		for _, q := range r.queues {
			s.queues.send(q, string(body))
		}
	}
}
