package localstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/localstack"
	"github.com/receipts-api/receipts/internal/testenv"
)

// waitDone polls GET /receipt/{id} until the receipt leaves PROCESSING. The
// bound only keeps a broken pipeline from hanging the suite.
func waitDone(t *testing.T, base, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", base+"/receipt/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", id, resp.StatusCode, err)
		}
		if s := body["status"]; s != "PROCESSING" && s != "UPLOADING" {
			return body
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("receipt %s still processing", id)
	return nil
}

func uploadID(t *testing.T, base, name string, data []byte) string {
	t.Helper()
	status, body := upload(t, base, "file", name, data)
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
// waits for the stream-driven processor to finish each: completed with text,
// or, for a corrupt file, failed with the original service's message.
func TestProcessing(t *testing.T) {
	st := testenv.Stack(t)
	apiKey = newKey(t, st, "tenant-a")
	shared := filepath.Join(testenv.Root(t), "..", "shared", "receipts")
	docs, _ := filepath.Glob(filepath.Join(shared, "sroie", "img", "*.jpg"))
	pdfs, _ := filepath.Glob(filepath.Join(shared, "other", "*.pdf"))
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
		ids[filepath.Base(d)] = uploadID(t, st.APIURL, filepath.Base(d), data)
	}
	// A JPEG whose header is sound but which holds no image data.
	corrupt := uploadID(t, st.APIURL, "corrupt.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"))

	var mu sync.Mutex
	completed := 0
	for name, id := range ids {
		t.Run(name, func(t *testing.T) {
			body := waitDone(t, st.APIURL, id)
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
		body := waitDone(t, st.APIURL, corrupt)
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
// every attempt fails in a way that could pass: the stream source retries,
// gives up, sends the batch to the dead-letter queue, and its consumer marks
// the receipt FAILED. Nothing stays processing.
func TestRetriesEndInDeadLetterQueue(t *testing.T) {
	st, err := localstack.Start(context.Background(), localstack.Config{
		Root: testenv.Root(t), APIAddr: "127.0.0.1:0", Logs: testLog{t}, BuildDir: t.TempDir(),
		Env: map[string]map[string]string{"ProcessorFunction": {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	apiKey = newKey(t, st, "tenant-a")
	id := uploadID(t, st.APIURL, "r.png", pngBytes)
	body := waitDone(t, st.APIURL, id)
	if body["status"] != "FAILED" || body["error"] != "Error extracting details from receipt." {
		t.Errorf("body = %v", body)
	}
}

// TestReplayedRecordChangesNothing delivers a finished receipt's INSERT
// record to the processor again, as a retried batch would.
func TestReplayedRecordChangesNothing(t *testing.T) {
	st := testenv.Stack(t)
	apiKey = newKey(t, st, "tenant-a")
	id := uploadID(t, st.APIURL, "r.png", pngBytes)
	before := waitDone(t, st.APIURL, id)
	event := fmt.Sprintf(`{"Records":[{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{
		"Keys":{"PK":{"S":"TENANT#tenant-a"},"SK":{"S":"RECEIPT#%[1]s"}},
		"NewImage":{"PK":{"S":"TENANT#tenant-a"},"SK":{"S":"RECEIPT#%[1]s"},"status":{"S":"PROCESSING"},
			"fileKey":{"S":"tenant-a/%[1]s"},"contentType":{"S":"image/png"}},
		"SequenceNumber":"100","StreamViewType":"NEW_IMAGE"}}]}`, id)
	for range 2 {
		out, err := st.Invoke(context.Background(), "ProcessorFunction", []byte(event))
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != `{"batchItemFailures":null}` && string(out) != `{"batchItemFailures":[]}` {
			t.Errorf("replay reported failures: %s", out)
		}
	}
	after := waitDone(t, st.APIURL, id)
	if after["updatedAt"] != before["updatedAt"] || after["status"] != before["status"] {
		t.Errorf("replay changed the receipt: %v, was %v", after, before)
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Logf("%s", b)
	return len(b), nil
}
