//go:build !integration

package lambdahttp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/metrics"
)

func TestEveryRequestWritesRouteLatencyAndStatusClass(t *testing.T) {
	tests := []struct {
		status    int
		wantClass string
	}{
		{http.StatusOK, "2xx"},
		{http.StatusNotFound, "4xx"},
		{http.StatusServiceUnavailable, "5xx"},
	}
	for _, tt := range tests {
		t.Run(tt.wantClass, func(t *testing.T) {
			var out bytes.Buffer
			h := HandlerWithMetrics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
			}), metrics.New(&out))
			resp, err := h(context.Background(), events.APIGatewayProxyRequest{
				HTTPMethod: "GET", Resource: "/receipt/{id}", Path: "/receipt/abc",
			})
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("got %d, %v; want %d", resp.StatusCode, err, tt.status)
			}
			var doc map[string]any
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("metrics line is not JSON: %v: %q", err, out.String())
			}
			if doc["Route"] != "GET /receipt/{id}" || doc["StatusClass"] != tt.wantClass || doc["Requests"] != 1.0 {
				t.Errorf("got %s", out.String())
			}
			if _, ok := doc["Latency"].(float64); !ok {
				t.Errorf("no Latency in %s", out.String())
			}
		})
	}
}

// TestAnyPathAndDomainReachTheHandler: whatever path and domain name an
// event carries, escaped as a REST API sends it or not, the handler gets
// the request (here, a 404 of its own for an id that is no receipt's), and
// the function never fails on it.
func TestAnyPathAndDomainReachTheHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /receipt/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(r.PathValue("id")))
	})
	h := HandlerWithMetrics(mux, metrics.New(io.Discard))
	tests := []struct{ path, domain, wantID string }{
		{"/receipt/%25", "api.example", "%"},
		{"/receipt/%25zz", "api.example", "%zz"},
		{"/receipt/%00", "api.example", "\x00"},
		{"/receipt/%0D%0A", "api.example", "\r\n"},
		{"/receipt/a%3Fb", "api.example", "a?b"},
		// The same ids unescaped, as other event sources hand them over.
		{"/receipt/%", "api.example", "%"},
		{"/receipt/%zz", "api.example", "%zz"},
		{"/receipt/\x00", "api.example", "\x00"},
		{"/receipt/\t", "api.example", "\t"},
		{"/receipt/\r\n", "api.example", "\r\n"},
		{"/receipt/a b", "api.example", "a b"},
		{"/receipt/a?b", "api.example", "a?b"},
		{"/receipt/a#b", "api.example", "a#b"},
		{"/receipt/ä", "api.example", "ä"},
		{"/receipt/abc", "127.0.0.1:abc", "abc"},
		{"/receipt/abc", "%zz", "abc"},
		{"/receipt/abc", "[", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.domain, func(t *testing.T) {
			resp, err := h(context.Background(), events.APIGatewayProxyRequest{
				HTTPMethod: "GET", Resource: "/receipt/{id}", Path: tt.path,
				PathParameters: map[string]string{"id": tt.wantID},
				RequestContext: events.APIGatewayProxyRequestContext{DomainName: tt.domain},
			})
			if err != nil {
				t.Fatalf("the function failed: %v", err)
			}
			if resp.StatusCode != http.StatusNotFound || resp.Body != tt.wantID {
				t.Errorf("got %d %q, want the handler's 404 naming %q", resp.StatusCode, resp.Body, tt.wantID)
			}
		})
	}
}
