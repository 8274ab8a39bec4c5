//go:build !integration

package apigateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/local/apigateway"
	"github.com/receipts-api/receipts/internal/local/lambdalocal"
	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// keyed is an Invoker with an authorizer: a key is good when it starts
// with "good", and its policy allows what policy says ("*" every route of
// the stage, else the method ARN it was called for). It counts the
// authorizer's invocations and keeps the context functions were given.
type keyed struct {
	mu        sync.Mutex
	policy    string
	authCalls int
	contexts  []map[string]any
}

func (k *keyed) Invoke(_ context.Context, function string, event []byte) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if function == "Auth" {
		k.authCalls++
		var req events.APIGatewayCustomAuthorizerRequestTypeRequest
		_ = json.Unmarshal(event, &req)
		key := strings.TrimPrefix(req.Headers["Authorization"], "Bearer ")
		if !strings.HasPrefix(key, "good") {
			return nil, &lambdalocal.FunctionError{Payload: []byte(`{"errorMessage":"Unauthorized"}`)}
		}
		resource := req.MethodArn
		if k.policy == "*" {
			parts := strings.SplitN(req.MethodArn, "/", 3)
			resource = parts[0] + "/" + parts[1] + "/*"
		}
		return json.Marshal(events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: key,
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource}}}},
			Context: map[string]any{"tenant": key},
		})
	}
	var e events.APIGatewayProxyRequest
	_ = json.Unmarshal(event, &e)
	k.contexts = append(k.contexts, e.RequestContext.Authorizer)
	return []byte(`{"statusCode":200,"body":"{}"}`), nil
}

func withAuthorizer(ttl time.Duration) samtemplate.API {
	a := api
	a.Authorizer, a.AuthorizerHeaders, a.AuthorizerTTL = "Auth", []string{"Authorization"}, ttl
	a.GatewayResponses = map[string]samtemplate.GatewayResponse{
		"DEFAULT_4XX":   {Templates: map[string]string{"application/json": `{"error":$context.error.messageString}`}},
		"UNAUTHORIZED":  {StatusCode: 401, Templates: map[string]string{"application/json": `{"error":"unauthorized"}`}},
		"ACCESS_DENIED": {StatusCode: 403, Templates: map[string]string{"application/json": `{"error":"forbidden"}`}},
	}
	return a
}

type call struct {
	method, path, authorization string
	wantStatus                  int
}

func (c call) do(t *testing.T, g http.Handler) {
	t.Helper()
	r := httptest.NewRequest(c.method, c.path, nil)
	if c.authorization != "-" {
		r.Header.Set("Authorization", c.authorization)
	}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != c.wantStatus {
		t.Fatalf("%s %s with %q: %d %s, want %d", c.method, c.path, c.authorization, w.Code, w.Body, c.wantStatus)
	}
}

// TestAuthorizerCache: the gateway caches the authorizer's answer per value
// of its identity header for the API's TTL, and judges the cached policy
// anew for each route, as API Gateway does. So a key revoked while its
// answer is cached keeps working until the TTL runs out.
func TestAuthorizerCache(t *testing.T) {
	tests := []struct {
		name      string
		ttl       time.Duration
		policy    string
		step      time.Duration // the clock moves this much after each call
		calls     []call
		wantCalls int // of the authorizer
	}{
		{"no identity header: 401 without a call", time.Minute, "*", 0, []call{
			{"GET", "/receipt/a", "-", 401}, {"GET", "/receipt/a", "", 401}, {"GET", "/receipt/a", "   ", 401}}, 0},
		{"one call per key, every route", time.Minute, "*", time.Second, []call{
			{"GET", "/receipt/a", "Bearer good1", 200}, {"POST", "/receipt", "Bearer good1", 200},
			{"GET", "/receipt/b", "Bearer good1", 200}, {"GET", "/receipt/a", "Bearer good2", 200}}, 2},
		{"again once the TTL has passed", time.Minute, "*", 31 * time.Second, []call{
			{"GET", "/receipt/a", "Bearer good1", 200}, {"GET", "/receipt/a", "Bearer good1", 200},
			{"GET", "/receipt/a", "Bearer good1", 200}}, 2},
		{"TTL 0: a call every request", 0, "*", 0, []call{
			{"GET", "/receipt/a", "Bearer good1", 200}, {"GET", "/receipt/a", "Bearer good1", 200}}, 2},
		{"a refusal is not cached", time.Minute, "*", 0, []call{
			{"GET", "/receipt/a", "Bearer bad", 401}, {"GET", "/receipt/a", "Bearer bad", 401}}, 2},
		{"a policy for one route, cached, denies the others", time.Minute, "", 0, []call{
			{"GET", "/receipt/a", "Bearer good1", 200}, {"GET", "/receipt/a", "Bearer good1", 200},
			{"POST", "/receipt", "Bearer good1", 403}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &keyed{policy: tt.policy}
			g := apigateway.New(withAuthorizer(tt.ttl), routes, inv, slog.New(slog.DiscardHandler))
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			g.Now = func() time.Time { return now }
			for _, c := range tt.calls {
				c.do(t, g)
				now = now.Add(tt.step)
			}
			if inv.authCalls != tt.wantCalls {
				t.Errorf("authorizer called %d times, want %d", inv.authCalls, tt.wantCalls)
			}
			for _, ctx := range inv.contexts {
				if ctx["tenant"] == nil || ctx["principalId"] != ctx["tenant"] {
					t.Errorf("a function was given the authorizer context %v", ctx)
				}
			}
		})
	}
}

// TestAuthorizerCacheIsBounded: a caller sending a new key on every
// request grows the cache only to its size.
func TestAuthorizerCacheIsBounded(t *testing.T) {
	inv := &keyed{policy: "*"}
	g := apigateway.New(withAuthorizer(time.Hour), routes, inv, slog.New(slog.DiscardHandler))
	for i := range apigateway.AuthorizerCacheSize + 500 {
		call{"GET", "/receipt/a", fmt.Sprintf("Bearer good%d", i), 200}.do(t, g)
	}
	if n := g.CachedAuthorizations(); n > apigateway.AuthorizerCacheSize {
		t.Errorf("%d answers cached, want at most %d", n, apigateway.AuthorizerCacheSize)
	}
}
