// Package lambdahttp runs a plain http.Handler as an API Gateway (REST, proxy
// integration) Lambda function.
package lambdahttp

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/receipts-api/receipts/internal/api"
)

// DefaultTenant owns every receipt while the API has no authorizer in front
// of it.
const DefaultTenant = "default"

// Handler returns the Lambda handler that serves h.
func Handler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return httpadapter.New(withTenant(h)).ProxyWithContext
}

// Start serves h as the function's handler; it never returns.
func Start(h http.Handler) {
	lambda.Start(Handler(h))
}

// withTenant puts the tenant that API Gateway's authorizer vouched for into
// the request's context.
func withTenant(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := DefaultTenant
		if gw, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok {
			if t, ok := gw.Authorizer["tenant"].(string); ok && t != "" {
				tenant = t
			}
		}
		h.ServeHTTP(w, r.WithContext(api.WithTenant(r.Context(), tenant)))
	})
}
