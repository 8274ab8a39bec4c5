// Package lambdahttp runs a plain http.Handler as an API Gateway (REST, proxy
// integration) Lambda function.
package lambdahttp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
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
		resp, err := proxy(ctx, convertible(req))
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

// convertible returns req with what the adapter builds a URL from made
// safe to parse: the path escaped where it is not already (the adapter
// parses it as an escaped path, and a REST API sends it escaped, but a
// "%zz" or a control character in it would fail the whole invocation), and
// a domain name that is no host left out (API Gateway's is always one; the
// handlers do not read it).
func convertible(req events.APIGatewayProxyRequest) events.APIGatewayProxyRequest {
	req.Path = escapePath(req.Path)
	if u, err := url.Parse("https://" + req.RequestContext.DomainName); err != nil || u.Host != req.RequestContext.DomainName {
		req.RequestContext.DomainName = ""
	}
	return req
}

// escapePath percent-encodes each byte of p that can't stand in an escaped
// path as it is, including a "%" that starts no escape, and keeps the
// escapes already there: an escaped path comes out as it went in.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte(c)
		case c < 0x80 && c > 0x20 && c != 0x7f && !strings.ContainsRune("%?#\"<>[]^`{|}", rune(c)):
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
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
