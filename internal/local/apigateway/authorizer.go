package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
)

// AuthorizerCacheSize bounds how many authorizer answers the gateway keeps:
// a caller sending a new key on every request can't grow it further.
const AuthorizerCacheSize = 10000

// authorized is an authorizer's answer as API Gateway caches it: the policy
// to judge each route by, and what functions are told of the caller.
type authorized struct {
	policy  events.APIGatewayCustomAuthorizerPolicy
	context map[string]any
	expires time.Time
}

// authCache holds authorizer answers by identity, each for the API's TTL
// from when it was given, never refreshed by use.
type authCache struct {
	mu      sync.Mutex
	entries map[string]authorized
}

func (c *authCache) get(identity string, now time.Time) (authorized, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.entries[identity]
	if ok && !now.Before(a.expires) {
		delete(c.entries, identity)
		return authorized{}, false
	}
	return a, ok
}

func (c *authCache) put(identity string, a authorized, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]authorized{}
	}
	if len(c.entries) >= AuthorizerCacheSize {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < AuthorizerCacheSize {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[identity] = a
}

// CachedAuthorizations is how many authorizer answers the gateway holds.
func (g *Gateway) CachedAuthorizations() int {
	g.authCache.mu.Lock()
	defer g.authCache.mu.Unlock()
	return len(g.authCache.entries)
}

// authorize runs the API's Lambda authorizer (REQUEST type) for a request,
// as API Gateway does before the route's function: a request missing one
// of its identity headers is refused without calling it, and an answer is
// reused for the same identity, on any route, for the API's TTL. The
// cached policy is judged anew for each route. It returns the authorizer
// context for the route's event, or writes the gateway response that ends
// the request.
func (g *Gateway) authorize(ctx context.Context, w http.ResponseWriter, e events.APIGatewayProxyRequest, requestID string) (map[string]any, bool) {
	methodArn := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", "us-east-1", e.RequestContext.AccountID,
		e.RequestContext.APIID, e.RequestContext.Stage, e.HTTPMethod, e.Resource)
	identity, ok := g.identity(e)
	if !ok {
		g.gatewayResponse(w, "UNAUTHORIZED", http.StatusUnauthorized, "Unauthorized", requestID)
		return nil, false
	}
	now := g.now()
	a, cached := authorized{}, false
	if g.api.AuthorizerTTL > 0 {
		a, cached = g.authCache.get(identity, now)
	}
	if !cached {
		if a, ok = g.callAuthorizer(ctx, w, e, methodArn, requestID); !ok {
			return nil, false
		}
		if g.api.AuthorizerTTL > 0 {
			a.expires = now.Add(g.api.AuthorizerTTL)
			g.authCache.put(identity, a, now)
		}
	}
	if !allows(a.policy, methodArn) {
		g.gatewayResponse(w, "ACCESS_DENIED", http.StatusForbidden, "User is not authorized to access this resource", requestID)
		return nil, false
	}
	return a.context, true
}

// identity is the values of the authorizer's identity headers, the key of
// its cache; ok is false when one is missing or blank.
func (g *Gateway) identity(e events.APIGatewayProxyRequest) (string, bool) {
	var b strings.Builder
	for _, h := range g.api.AuthorizerHeaders {
		values := e.MultiValueHeaders[http.CanonicalHeaderKey(h)]
		if len(values) == 0 || strings.TrimSpace(strings.Join(values, "")) == "" {
			return "", false
		}
		for _, v := range values {
			b.WriteString(v)
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String(), true
}

// callAuthorizer invokes the authorizer function and reads its answer.
func (g *Gateway) callAuthorizer(ctx context.Context, w http.ResponseWriter, e events.APIGatewayProxyRequest, methodArn, requestID string) (authorized, bool) {
	req := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: methodArn, Resource: e.Resource, Path: e.Path, HTTPMethod: e.HTTPMethod,
		Headers: e.Headers, MultiValueHeaders: e.MultiValueHeaders,
		QueryStringParameters: e.QueryStringParameters, MultiValueQueryStringParameters: e.MultiValueQueryStringParameters,
		PathParameters: e.PathParameters, StageVariables: e.StageVariables,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path: e.RequestContext.Path, AccountID: e.RequestContext.AccountID, ResourceID: e.RequestContext.ResourceID,
			Stage: e.RequestContext.Stage, RequestID: requestID, ResourcePath: e.RequestContext.ResourcePath,
			HTTPMethod: e.HTTPMethod, APIID: e.RequestContext.APIID,
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: e.RequestContext.Identity.SourceIP},
		},
	}
	payload, _ := json.Marshal(req)
	out, err := g.invoker.Invoke(ctx, g.api.Authorizer, payload)
	var fe *lambdalocal.FunctionError
	switch {
	case errors.As(err, &fe) && errorMessage(fe.Payload) == "Unauthorized":
		g.gatewayResponse(w, "UNAUTHORIZED", http.StatusUnauthorized, "Unauthorized", requestID)
		return authorized{}, false
	case err != nil:
		g.log.Error("authorizer failed", "function", g.api.Authorizer, "err", err)
		g.gatewayResponse(w, "AUTHORIZER_FAILURE", http.StatusInternalServerError, "Authorizer error", requestID)
		return authorized{}, false
	}
	var resp events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		g.log.Error("malformed authorizer response", "err", err)
		g.gatewayResponse(w, "AUTHORIZER_CONFIGURATION_ERROR", http.StatusInternalServerError, "Authorizer error", requestID)
		return authorized{}, false
	}
	authCtx := map[string]any{"principalId": resp.PrincipalID}
	for k, v := range resp.Context {
		authCtx[k] = v
	}
	return authorized{policy: resp.PolicyDocument, context: authCtx}, true
}

func errorMessage(payload []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(payload, &e)
	return e.ErrorMessage
}

// allows evaluates an authorizer's policy for one method: an explicit Deny
// wins, then any Allow whose resource matches.
func allows(p events.APIGatewayCustomAuthorizerPolicy, methodArn string) bool {
	allowed := false
	for _, s := range p.Statement {
		for _, r := range s.Resource {
			if !arnMatch(r, methodArn) {
				continue
			}
			switch s.Effect {
			case "Deny":
				return false
			case "Allow":
				allowed = true
			}
		}
	}
	return allowed
}

// arnMatch matches an ARN against a pattern whose "*" spans any characters.
func arnMatch(pattern, arn string) bool {
	if pattern == "" {
		return arn == ""
	}
	if pattern[0] == '*' {
		for i := 0; i <= len(arn); i++ {
			if arnMatch(pattern[1:], arn[i:]) {
				return true
			}
		}
		return false
	}
	return arn != "" && pattern[0] == arn[0] && arnMatch(pattern[1:], arn[1:])
}
