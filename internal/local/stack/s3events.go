package stack

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// s3Source is one of the template's S3 event sources.
type s3Source struct {
	function       string
	bucket         string
	prefix, suffix string
}

func s3Sources(fn samtemplate.Function) []s3Source {
	var out []s3Source
	for _, e := range fn.Events {
		if e.Type != "S3" || !createEvents(e.Properties["Events"]) {
			continue
		}
		src := s3Source{function: fn.LogicalID, bucket: str(e.Properties["Bucket"])}
		filter, _ := e.Properties["Filter"].(map[string]any)
		key, _ := filter["S3Key"].(map[string]any)
		rules, _ := key["Rules"].([]any)
		for _, r := range rules {
			rm, _ := r.(map[string]any)
			switch strings.ToLower(str(rm["Name"])) {
			case "prefix":
				src.prefix = str(rm["Value"])
			case "suffix":
				src.suffix = str(rm["Value"])
			}
		}
		out = append(out, src)
	}
	return out
}

func createEvents(v any) bool {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, e := range list {
		if strings.HasPrefix(str(e), "s3:ObjectCreated:") {
			return true
		}
	}
	return false
}

// notifyS3 sends an object-created event to each function whose source
// matches, asynchronously as S3 does, retrying a failed invocation twice.
func (s *Stack) notifyS3(ctx context.Context, sources []s3Source, bucket, key string, size int64) {
	for _, src := range sources {
		if src.bucket != bucket || !strings.HasPrefix(key, src.prefix) || !strings.HasSuffix(key, src.suffix) {
			continue
		}
		ev := events.S3Event{Records: []events.S3EventRecord{{
			EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: Region,
			EventTime: time.Now().UTC(), EventName: "ObjectCreated:Put",
			S3: events.S3Entity{
				SchemaVersion: "1.0", ConfigurationID: src.function,
				Bucket: events.S3Bucket{Name: bucket, Arn: "arn:aws:s3:::" + bucket},
				// Notifications carry the key URL-encoded.
				Object: events.S3Object{Key: url.QueryEscape(key), Size: size},
			},
		}}}
		payload, _ := json.Marshal(ev)
		s.loops.Add(1)
		go func() {
			defer s.loops.Done()
			for attempt := 0; attempt < 3 && ctx.Err() == nil; attempt++ {
				if _, err := s.Invoke(ctx, src.function, payload); err == nil {
					return
				} else {
					s.log.Warn("s3 notification failed", "function", src.function, "key", key, "attempt", attempt+1, "err", err)
				}
				sleep(ctx, time.Second)
			}
		}()
	}
}
