//go:build integration

package stack_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/testenv"
)

// fakeTextract answers AnalyzeExpense as Textract does, throttling the
// first calls as Textract's small default quota does under a burst.
type fakeTextract struct {
	mu        sync.Mutex
	throttle  int // calls still to throttle
	calls     int
	throttled int
	answer    []byte
}

func (f *fakeTextract) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	f.calls++
	throttle := f.throttle > 0
	if throttle {
		f.throttle--
		f.throttled++
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".AnalyzeExpense") {
		w.Header().Set("X-Amzn-ErrorType", "InvalidParameterException")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"InvalidParameterException","message":"only AnalyzeExpense here"}`)
		return
	}
	if throttle {
		w.Header().Set("X-Amzn-ErrorType", "ProvisionedThroughputExceededException")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"ProvisionedThroughputExceededException","message":"Provisioned rate exceeded"}`)
		return
	}
	_, _ = w.Write(f.answer)
}

// TestThrottledTextractRetriesSoon: a fake Textract throttles the first 24
// calls (the SDK itself tries each call three times). The receipts' work
// messages fail on their first receives and come back after their back-off
// (about 5 s, then 30 s, ...), which this stack runs 9 times faster: every
// receipt completes well within the work queue's visibility timeout, 720 s,
// here 80 s, after which a failed message would come back without it.
func TestThrottledTextractRetriesSoon(t *testing.T) {
	t.Parallel() // its own stack
	answer, err := os.ReadFile(filepath.Join(testenv.Root(t), "internal", "extract", "testdata", "textract", "analyze-expense-receipt.json"))
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeTextract{throttle: 24, answer: answer}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	const timeScale = 9
	visibility := 720 * time.Second / timeScale
	logs := &logBuffer{}
	st := ownStackWith(t, logs, timeScale, map[string]map[string]string{
		"ProcessorFunction": {"EXTRACTOR": "textract", "AWS_ENDPOINT_URL_TEXTRACT": srv.URL},
	})
	c := newClient(t, st, "throttled")
	jpeg := sroie(t, "000.jpg")[0]
	start := time.Now()
	var ids []string
	for range 5 {
		ids = append(ids, c.uploadID(t, "r.jpg", jpeg))
	}
	for _, id := range ids {
		body := c.waitDone(t, id)
		if body["status"] != "COMPLETED" || body["engine"] != "textract" {
			t.Errorf("receipt %s: %v by %v, want COMPLETED by textract", id, body["status"], body["engine"])
		}
	}
	took := time.Since(start)
	retries := logs.count("message will be tried again")
	t.Logf("5 receipts completed in %s; Textract throttled %d of %d calls; %d messages hidden for their back-off", took.Round(time.Millisecond), fake.throttled, fake.calls, retries)
	if fake.throttled != 24 {
		t.Errorf("Textract throttled %d calls, want 24", fake.throttled)
	}
	if retries == 0 {
		t.Error("no work message was hidden for its back-off")
	}
	if took >= visibility {
		t.Errorf("the receipts took %s, want well under the visibility timeout (%s here): the back-off, not the visibility timeout, decides when a throttled receipt is tried again", took, visibility)
	}
}
