package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
)

// authorize runs the API's Lambda authorizer (REQUEST type) for a request,
// as API Gateway does before the route's function. It returns the
// authorizer context for the route's event, or writes the gateway response
// that ends the request.
func (g *Gateway) authorize(ctx context.Context, w http.ResponseWriter, e events.APIGatewayProxyRequest, requestID string) (map[string]any, bool) {
	methodArn := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", "us-east-1", e.RequestContext.AccountID,
		e.RequestContext.APIID, e.RequestContext.Stage, e.HTTPMethod, e.Resource)
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
		return nil, false
	case err != nil:
		g.log.Error("authorizer failed", "function", g.api.Authorizer, "err", err)
		g.gatewayResponse(w, "AUTHORIZER_FAILURE", http.StatusInternalServerError, "Authorizer error", requestID)
		return nil, false
	}
	var resp events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(out, &resp); err != nil || !allows(resp.PolicyDocument, methodArn) {
		if err != nil {
			g.log.Error("malformed authorizer response", "err", err)
			g.gatewayResponse(w, "AUTHORIZER_CONFIGURATION_ERROR", http.StatusInternalServerError, "Authorizer error", requestID)
			return nil, false
		}
		g.gatewayResponse(w, "ACCESS_DENIED", http.StatusForbidden, "User is not authorized to access this resource", requestID)
		return nil, false
	}
	authCtx := map[string]any{"principalId": resp.PrincipalID}
	for k, v := range resp.Context {
		authCtx[k] = v
	}
	return authCtx, true
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
