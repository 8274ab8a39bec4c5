// Package lambdahttp runs a plain http.Handler as an API Gateway (REST, proxy
// integration) Lambda function.
package lambdahttp

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/metrics"
)

// Handler returns the Lambda handler that serves h.
func Handler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return HandlerWithMetrics(h, metrics.New(os.Stdout))
}

// HandlerWithMetrics is Handler writing each request's latency and status
// class, per route, to m.
func HandlerWithMetrics(h http.Handler, m *metrics.Writer) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	proxy := httpadapter.New(withTenant(h)).ProxyWithContext
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		start := time.Now()
		resp, err := proxy(ctx, req)
		status := resp.StatusCode
		if err != nil {
			status = http.StatusInternalServerError
		}
		_ = m.Write(metrics.Record{
			Dimensions: map[string]string{
				"Route":       req.HTTPMethod + " " + req.Resource,
				"StatusClass": fmt.Sprintf("%dxx", status/100),
			},
			Values: []metrics.Value{
				{Name: "Latency", Unit: metrics.Milliseconds, Value: float64(time.Since(start).Microseconds()) / 1000},
				{Name: "Requests", Unit: metrics.Count, Value: 1},
			},
		})
		return resp, err
	}
}

// Start serves h as the function's handler; it never returns.
func Start(h http.Handler) {
	lambda.Start(Handler(h))
}

// withTenant puts the tenant that API Gateway's authorizer vouched for into
// the request's context. Without one, handlers answer 401: no header or body
// the caller sends can name a tenant.
func withTenant(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gw, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok {
			if t, ok := gw.Authorizer["tenant"].(string); ok && t != "" {
				r = r.WithContext(api.WithTenant(r.Context(), t))
			}
			if p, ok := gw.Authorizer["keyPrefix"].(string); ok {
				r = r.WithContext(api.WithKeyPrefix(r.Context(), p))
			}
		}
		h.ServeHTTP(w, r)
	})
}
