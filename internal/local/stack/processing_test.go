//go:build integration

package stack_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// waitDone polls GET /receipt/{id} until the receipt leaves UPLOADING or
// PROCESSING. The bound is a liveness limit: generous for a document that
// takes its whole time budget on a loaded machine, so only a pipeline that
// lost the receipt reaches it.
func (c *client) waitDone(t *testing.T, id string) map[string]any {
	t.Helper()
	return c.waitDoneEvery(t, id, 100*time.Millisecond)
}

// waitDoneEvery is waitDone polling at the given interval.
func (c *client) waitDoneEvery(t *testing.T, id string, every time.Duration) map[string]any {
	t.Helper()
	const limit = 3 * time.Minute
	start := time.Now()
	var last map[string]any
	for time.Since(start) < limit {
		status, body := c.send(t, "GET", "/receipt/"+id, "", nil)
		last = nil
		if err := json.Unmarshal([]byte(body), &last); err != nil || status != 200 {
			t.Fatalf("GET %s: %d %s", id, status, body)
		}
		if s := last["status"]; s != "PROCESSING" && s != "UPLOADING" {
			return last
		}
		time.Sleep(every)
	}
	t.Fatalf("receipt %s still %v after %s: the stream, dispatcher, work queue and processor never finished it", id, last["status"], limit)
	return nil
}

func (c *client) uploadID(t *testing.T, name string, data []byte) string {
	t.Helper()
	status, body := c.upload(t, "file", name, data)
	if status != 200 {
		t.Fatalf("upload %s: %d %s", name, status, body)
	}
	var id string
	if err := json.Unmarshal([]byte(body), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestProcessing uploads every shared receipt through the local API and
// waits for the processor (stream, dispatcher, work queue) to finish each: completed with text,
// or, for a corrupt file, failed with the original service's message.
func TestProcessing(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "processing")
	receipts := filepath.Join(testenv.Root(t), "..", "shared", "receipts")
	docs, _ := filepath.Glob(filepath.Join(receipts, "sroie", "img", "*.jpg"))
	pdfs, _ := filepath.Glob(filepath.Join(receipts, "other", "*.pdf"))
	docs = append(docs, pdfs...)
	if len(docs) < 40 {
		t.Fatalf("found %d shared receipts, want the 43 of ../shared/receipts", len(docs))
	}
	ids := map[string]string{}
	for _, d := range docs {
		data, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		ids[filepath.Base(d)] = c.uploadID(t, filepath.Base(d), data)
	}
	// A JPEG whose header is sound but which holds no image data.
	corrupt := c.uploadID(t, "corrupt.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"))

	var mu sync.Mutex
	completed := 0
	// In the order they were uploaded, which is the order the work queue
	// hands one tenant's receipts out, one per core at a time: each wait
	// is for about one receipt's processing, not for the backlog before it.
	for _, d := range docs {
		name := filepath.Base(d)
		id := ids[name]
		t.Run(name, func(t *testing.T) {
			body := c.waitDone(t, id)
			if body["status"] != "COMPLETED" || body["hasError"] != false || body["isProcessing"] != false {
				t.Fatalf("status %v hasError %v error %v", body["status"], body["hasError"], body["error"])
			}
			if details, _ := body["details"].(string); len(details) < 20 {
				t.Errorf("details = %q, want the receipt's text", details)
			}
			mu.Lock()
			completed++
			mu.Unlock()
		})
	}
	t.Run("corrupt file", func(t *testing.T) {
		body := c.waitDone(t, corrupt)
		if body["status"] != "FAILED" || body["hasError"] != true || body["error"] != "Error extracting details from receipt." {
			t.Errorf("body = %v", body)
		}
		if body["isProcessing"] != false {
			t.Errorf("isProcessing = %v", body["isProcessing"])
		}
	})
	t.Logf("%d of %d receipts completed", completed, len(ids))
}

// TestRetriesEndInDeadLetterQueue breaks the processor's access to S3, so
// every attempt fails in a way that could pass: the work message comes back
// after each visibility timeout, and after maxReceiveCount receives moves to
// the dead-letter queue, whose consumer marks the receipt FAILED. Nothing
// stays processing.
func TestRetriesEndInDeadLetterQueue(t *testing.T) {
	logs := &logBuffer{t: t}
	st := ownStack(t, logs, map[string]map[string]string{"ProcessorFunction": {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"}})
	c := newClient(t, st, "tenant-a")
	id := c.uploadID(t, "r.png", pngBytes)
	body := c.waitDone(t, id)
	if body["status"] != "FAILED" || body["error"] != "Error extracting details from receipt." {
		t.Errorf("body = %v", body)
	}
	if got, want := storedError(t, st, "tenant-a", id), "processing failed on every receive of its work message"; got != want {
		t.Errorf("stored reason = %q, want %q", got, want)
	}
	if n := logs.count("process receipt, will retry", id); n != 4 {
		t.Errorf("%d receives failed, want the ProcessingQueue's maxReceiveCount, 4", n)
	}
}

// storedError reads the reason a receipt failed for, which clients never see.
func storedError(t *testing.T, st *stack.Stack, tenant, id string) string {
	t.Helper()
	out, err := st.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("ReceiptsTable"),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "TENANT#" + tenant},
			"SK": &types.AttributeValueMemberS{Value: "RECEIPT#" + id},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := out.Item["error"].(*types.AttributeValueMemberS)
	if v == nil {
		return ""
	}
	return v.Value
}

// TestReplayedMessageIsNotExtracted delivers a finished receipt's work
// message to the processor again, as a redelivery would: it answers without
// failures, changes nothing, and does not extract the document again.
func TestReplayedMessageIsNotExtracted(t *testing.T) {
	st, logs := sharedStack(t)
	const tenant = "replay"
	c := newClient(t, st, tenant)
	jpeg, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	id := c.uploadID(t, "000.jpg", jpeg)
	before := c.waitDone(t, id)
	if before["status"] != "COMPLETED" {
		t.Fatalf("receipt %v, want COMPLETED", before["status"])
	}
	sum := sha256.Sum256(jpeg)
	job := fmt.Sprintf(`{"tenant":%q,"id":%q,"fileKey":"%s/%s","contentType":"image/jpeg","size":%d,"sha256":"%x"}`,
		tenant, id, tenant, id, len(jpeg), sum)
	event := fixture(t, "work-message.json", func(ev *events.SQSEvent) { ev.Records[0].Body = job })
	for range 2 {
		out, err := st.Invoke(context.Background(), "ProcessorFunction", event)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != `{"batchItemFailures":[]}` {
			t.Errorf("replay reported failures: %s", out)
		}
	}
	after := c.waitDone(t, id)
	if after["updatedAt"] != before["updatedAt"] || after["status"] != before["status"] {
		t.Errorf("replay changed the receipt: %v, was %v", after, before)
	}
	if n := logs.count("receipt completed", id); n != 1 {
		t.Errorf("receipt extracted %d times, want once", n)
	}
	if n := logs.count("receipt already finished; not extracted", id); n != 2 {
		t.Errorf("%d replays skipped, want 2", n)
	}
}

// TestDispatchFixture sends the stream fixture through the dispatcher, its
// SQS client and the local SQS endpoint.
func TestDispatchFixture(t *testing.T) {
	st, _ := sharedStack(t)
	out, err := st.Invoke(context.Background(), "DispatchFunction", fixture(t, "stream-insert.json", nil))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"batchItemFailures":null}` {
		t.Errorf("dispatch answered %s, want no failures", out)
	}
}

// fixture reads an SQS or stream event of events/, changed by edit.
func fixture(t *testing.T, name string, edit func(*events.SQSEvent)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return b
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	edit(&ev)
	b, _ = json.Marshal(ev)
	return b
}

// logBuffer keeps a stack's output for the test to search, and logs it to
// t when one is set.
type logBuffer struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(b))
	l.mu.Unlock()
	if l.t != nil {
		l.t.Logf("%s", b)
	}
	return len(b), nil
}

// len is how many lines were written so far.
func (l *logBuffer) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// since returns the lines written after the first n.
func (l *logBuffer) since(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[n:], "")
}

// count is how many lines hold every one of parts.
func (l *logBuffer) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Logf("%s", b)
	return len(b), nil
}
