//go:build !integration

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestThrottledRequestsAreSentAgain: an upload the API throttles (429) is
// sent again, body and all, after its Retry-After.
func TestThrottledRequestsAreSentAgain(t *testing.T) {
	var bodies []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, len(b))
		if len(bodies) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":"too many requests"}`)
			return
		}
		_, _ = io.WriteString(w, `"01a214b7-42fb-7334-b8bd-338fe35dbb92"`)
	}))
	defer srv.Close()
	start := time.Now()
	id, err := newClient(srv.URL, "k").uploadDirect(context.Background(), "r.png", []byte("\x89PNG data"), io.Discard)
	if err != nil || id != "01a214b7-42fb-7334-b8bd-338fe35dbb92" {
		t.Fatalf("upload = %q, %v", id, err)
	}
	if len(bodies) != 3 || bodies[0] == 0 || bodies[0] != bodies[2] {
		t.Errorf("bodies sent %v, want the same whole body three times", bodies)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("retried after %s, want Retry-After's second each time (0 and unreadable are a second)", took)
	}
}

func TestRetryAfter(t *testing.T) {
	for v, want := range map[string]time.Duration{"": time.Second, "x": time.Second, "0": time.Second, "3": 3 * time.Second, "3600": time.Minute} {
		if got := retryAfter(v); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}
