//go:build integration

package stack_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// loadRecorder gathers what a load test's clients saw.
type loadRecorder struct {
	mu       sync.Mutex
	latency  map[string][]time.Duration // of answers other than 429, by request kind
	statuses map[int]int
	problems []string
}

func (l *loadRecorder) record(kind string, d time.Duration, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[status]++
	if status != http.StatusTooManyRequests {
		l.latency[kind] = append(l.latency[kind], d)
	}
}

func (l *loadRecorder) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// call makes one request, sent again after Retry-After while it is
// throttled; every answer is recorded, and a 429 must be the API's JSON with
// a Retry-After.
func (l *loadRecorder) call(kind, method, url, key, contentType string, body []byte) (int, []byte) {
	for {
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			l.problem("%s %s: %v", method, url, err)
			return 0, nil
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		l.record(kind, time.Since(start), resp.StatusCode)
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode, b
		}
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || string(b) != `{"error":"too many requests"}` {
			l.problem("429 with Retry-After %q and body %s, want seconds and the API's JSON", resp.Header.Get("Retry-After"), b)
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[int(p*float64(len(s)-1))]
}

// TestLoad: 20 clients at once, each uploading 4 receipts and polling each
// until it is done, over the template's stage throttling. No answer is a
// 5xx, no receipt is lost (each ends COMPLETED or FAILED), and a client
// over the limit gets 429 in the API's JSON with Retry-After, then is
// served. The latencies are logged; make bench measures them with real
// receipts. Last, a burst of 200 requests at once, twice the template's
// burst, is throttled whatever the machine's speed.
func TestLoad(t *testing.T) {
	st, _ := sharedStack(t)
	const clients, each = 20, 4
	rec := &loadRecorder{latency: map[string][]time.Duration{}, statuses: map[int]int{}}
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, _ := mw.CreateFormFile("file", "r.png")
	_, _ = w.Write(pngBytes)
	_ = mw.Close()
	start := time.Now()
	var wg sync.WaitGroup
	done := make([]int, clients)
	for i := range clients {
		c := newClient(t, st, fmt.Sprintf("load-%02d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ids []string
			for range each {
				status, b := rec.call("upload", "POST", c.base+"/receipt", c.key, mw.FormDataContentType(), body.Bytes())
				var id string
				if status != 200 || json.Unmarshal(b, &id) != nil {
					rec.problem("upload: %d %s", status, b)
					continue
				}
				ids = append(ids, id)
			}
			deadline := time.Now().Add(3 * time.Minute)
			for _, id := range ids {
				for {
					status, b := rec.call("get", "GET", c.base+"/receipt/"+id, c.key, "", nil)
					var r struct{ Status string }
					if status != 200 || json.Unmarshal(b, &r) != nil {
						rec.problem("GET %s: %d %s", id, status, b)
						break
					}
					if r.Status == "COMPLETED" || r.Status == "FAILED" {
						done[i]++
						break
					}
					if time.Now().After(deadline) {
						rec.problem("receipt %s still %s after 3 minutes", id, r.Status)
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range done {
		total += n
	}
	up, get := rec.latency["upload"], rec.latency["get"]
	t.Logf("%d clients, %d receipts done of %d in %s; answers by status %v", clients, total, clients*each, time.Since(start).Round(time.Millisecond), rec.statuses)
	t.Logf("upload p50 %s p99 %s (%d); GET p50 %s p99 %s (%d)", pct(up, 0.5), pct(up, 0.99), len(up), pct(get, 0.5), pct(get, 0.99), len(get))
	for _, p := range rec.problems {
		t.Error(p)
	}
	for status, n := range rec.statuses {
		if status >= 500 {
			t.Errorf("%d answers were %d", n, status)
		}
	}
	if total != clients*each {
		t.Errorf("%d receipts done, want %d", total, clients*each)
	}
	burst := &loadRecorder{latency: map[string][]time.Duration{}, statuses: map[int]int{}}
	var bw sync.WaitGroup
	for range 200 {
		bw.Add(1)
		go func() {
			defer bw.Done()
			burst.call("openapi", "GET", st.APIURL+"/openapi.json", "", "", nil)
		}()
	}
	bw.Wait()
	t.Logf("a burst of 200: answers by status %v", burst.statuses)
	for _, p := range burst.problems {
		t.Error(p)
	}
	if burst.statuses[http.StatusTooManyRequests] == 0 || burst.statuses[http.StatusOK] != 200 {
		t.Errorf("a burst of 200 at once: %v, want some throttled (429), then all served", burst.statuses)
	}
}
