package lambdahttp

import (
	"bytes"
	"context"
	"encoding/json"
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
