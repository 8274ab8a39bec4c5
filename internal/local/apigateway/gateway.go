// Package gateway is a local stand-in for API Gateway (REST API, Lambda proxy
// integration): it routes requests by the template's Api events, builds the
// proxy event API Gateway would send, invokes the function, and turns its
// answer, or a failure, into the HTTP response API Gateway would give,
// including the template's GatewayResponses and AWS's payload limits.
package apigateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// AWS's limits on what reaches a function through API Gateway.
const (
	// MaxBodyBytes is API Gateway's request payload limit.
	MaxBodyBytes = 10 << 20
	// MaxEventBytes is Lambda's limit on a synchronous invocation's event.
	MaxEventBytes = 6 << 20
	// IntegrationTimeout is how long API Gateway waits for the function.
	IntegrationTimeout = 29 * time.Second
)

// How long the gateway waits for a request's body: a body that stops
// coming, or comes too slowly, is answered 408 and its connection closed,
// so it can't hold a connection forever.
const (
	// DefaultBodyIdleTimeout is the longest wait for the next byte.
	DefaultBodyIdleTimeout = 3 * time.Second
	// DefaultBodyTimeout is the longest wait for the whole body.
	DefaultBodyTimeout = 30 * time.Second
)

// Invoker runs a function with an event and returns what it returned. An
// error means the invocation failed: the function raised an error, timed
// out, crashed, or could not be started.
type Invoker interface {
	Invoke(ctx context.Context, function string, event []byte) ([]byte, error)
}

// Gateway serves one API.
type Gateway struct {
	// BodyIdleTimeout and BodyTimeout bound the wait for a request's body
	// (DefaultBodyIdleTimeout and DefaultBodyTimeout unless changed before
	// serving).
	BodyIdleTimeout, BodyTimeout time.Duration
	// Now is the clock of the authorizer cache (time.Now unless set).
	Now func() time.Time

	api       samtemplate.API
	routes    []route
	invoker   Invoker
	log       *slog.Logger
	authCache authCache
}

// New returns a Gateway for api that serves the routes that belong to it.
func New(api samtemplate.API, routes []samtemplate.Route, invoker Invoker, log *slog.Logger) *Gateway {
	g := &Gateway{api: api, invoker: invoker, log: log, Now: time.Now,
		BodyIdleTimeout: DefaultBodyIdleTimeout, BodyTimeout: DefaultBodyTimeout}
	for _, r := range routes {
		if r.API == api.LogicalID {
			g.routes = append(g.routes, newRoute(r))
		}
	}
	return g
}

// ServeHTTP handles one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := uuid.NewString()
	w.Header().Set("X-Amzn-Requestid", requestID)
	rec := &statusRecorder{ResponseWriter: w}
	g.serve(rec, r, requestID)
	g.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"ms", float64(time.Since(start).Microseconds())/1000, "requestId", requestID)
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, requestID string) {
	rt, params := g.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		g.gatewayResponse(w, "MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden, "Missing Authentication Token", requestID)
		return
	}
	if r.ContentLength > MaxBodyBytes {
		g.gatewayResponse(w, "REQUEST_TOO_LARGE", http.StatusRequestEntityTooLarge, "Request Too Long", requestID)
		return
	}
	body, err := g.readBody(w, r)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		w.Header().Set("Connection", "close")
		g.gatewayResponse(w, "DEFAULT_4XX", http.StatusRequestTimeout, "Request body not received in time", requestID)
		return
	case err != nil:
		g.gatewayResponse(w, "BAD_REQUEST_BODY", http.StatusBadRequest, "Invalid request body", requestID)
		return
	}
	if len(body) > MaxBodyBytes {
		g.gatewayResponse(w, "REQUEST_TOO_LARGE", http.StatusRequestEntityTooLarge, "Request Too Long", requestID)
		return
	}
	ev := g.event(r, rt, params, body, requestID)
	if g.api.Authorizer != "" && !rt.noAuth {
		authCtx, ok := g.authorize(r.Context(), w, ev, requestID)
		if !ok {
			return
		}
		ev.RequestContext.Authorizer = authCtx
	}
	event, err := json.Marshal(ev)
	if err != nil {
		g.gatewayResponse(w, "DEFAULT_5XX", http.StatusInternalServerError, "Internal server error", requestID)
		return
	}
	if len(event) > MaxEventBytes {
		// Lambda refuses the invocation before the function runs.
		g.gatewayResponse(w, "REQUEST_TOO_LARGE", http.StatusRequestEntityTooLarge, "Request Too Long", requestID)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), IntegrationTimeout)
	defer cancel()
	out, err := g.invoker.Invoke(ctx, rt.function, event)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		g.gatewayResponse(w, "INTEGRATION_TIMEOUT", http.StatusGatewayTimeout, "Endpoint request timed out", requestID)
		return
	case err != nil:
		g.log.Error("invocation failed", "function", rt.function, "err", err)
		g.gatewayResponse(w, "DEFAULT_5XX", http.StatusBadGateway, "Internal server error", requestID)
		return
	}
	if err := writeProxyResponse(w, out); err != nil {
		g.log.Error("malformed Lambda proxy response", "function", rt.function, "err", err)
		g.gatewayResponse(w, "DEFAULT_5XX", http.StatusBadGateway, "Internal server error", requestID)
	}
}

// readBody reads r's body, up to one byte over MaxBodyBytes, giving each
// read BodyIdleTimeout and the whole BodyTimeout. A ResponseWriter that
// can't set deadlines (a test's recorder) reads without them.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	end := time.Now().Add(g.BodyTimeout)
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	return io.ReadAll(&deadlineReader{r: io.LimitReader(r.Body, MaxBodyBytes+1), set: func() {
		next := time.Now().Add(g.BodyIdleTimeout)
		if next.After(end) {
			next = end
		}
		_ = rc.SetReadDeadline(next)
	}})
}

type deadlineReader struct {
	r   io.Reader
	set func()
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	d.set()
	return d.r.Read(p)
}

func (g *Gateway) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

// event builds the Lambda proxy integration event for r.
func (g *Gateway) event(r *http.Request, rt *route, params map[string]string, body []byte, requestID string) events.APIGatewayProxyRequest {
	now := time.Now()
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	host := domainName(r)
	// A REST API hands functions the path as the client escaped it.
	path := r.URL.EscapedPath()
	e := events.APIGatewayProxyRequest{
		Resource:   rt.resource,
		Path:       path,
		HTTPMethod: r.Method,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        "123456789012",
			ResourceID:       rt.resourceID,
			Stage:            g.api.StageName,
			RequestID:        requestID,
			ResourcePath:     rt.resource,
			HTTPMethod:       r.Method,
			APIID:            "local",
			Path:             "/" + g.api.StageName + path,
			Protocol:         r.Proto,
			RequestTime:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			DomainName:       host,
			DomainPrefix:     strings.Split(host, ".")[0],
			Identity:         events.APIGatewayRequestIdentity{SourceIP: sourceIP, UserAgent: r.UserAgent()},
		},
	}
	e.Headers = map[string]string{"Host": host}
	e.MultiValueHeaders = map[string][]string{"Host": {host}}
	for k, v := range r.Header {
		e.Headers[k] = v[len(v)-1]
		e.MultiValueHeaders[k] = v
	}
	if q := r.URL.Query(); len(q) > 0 {
		e.QueryStringParameters = map[string]string{}
		e.MultiValueQueryStringParameters = map[string][]string{}
		for k, v := range q {
			e.QueryStringParameters[k] = v[len(v)-1]
			e.MultiValueQueryStringParameters[k] = v
		}
	}
	if len(params) > 0 {
		e.PathParameters = params
	}
	if len(body) > 0 {
		if g.binary(r.Header.Get("Content-Type")) {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			e.Body = string(body)
		}
	}
	return e
}

// domainName is the API's domain a request names in its Host. One that is
// no host[:port] would never reach an API in AWS, whose events always name
// its own domain; locally the event names the address the request came in
// on.
func domainName(r *http.Request) string {
	if u, err := url.Parse("http://" + r.Host); err == nil && r.Host != "" && u.Host == r.Host && u.Hostname() != "" {
		return r.Host
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return "localhost"
}

// binary reports whether a request of this content type reaches the
// function base64-encoded, per the API's BinaryMediaTypes.
func (g *Gateway) binary(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	}
	for _, b := range g.api.BinaryMediaTypes {
		b = strings.ToLower(b)
		if b == mt || b == "*/*" {
			return true
		}
		if prefix, ok := strings.CutSuffix(b, "/*"); ok && strings.HasPrefix(mt, prefix+"/") {
			return true
		}
	}
	return false
}

// writeProxyResponse writes a function's proxy integration response.
func writeProxyResponse(w http.ResponseWriter, out []byte) error {
	var resp events.APIGatewayProxyResponse
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&resp); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("invalid statusCode %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("decode base64 body: %w", err)
		}
		body = b
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// gatewayResponse answers with an error of API Gateway's own, shaped by the
// API's GatewayResponses (falling back to DEFAULT_4XX/DEFAULT_5XX, then to
// AWS's {"message": ...}).
func (g *Gateway) gatewayResponse(w http.ResponseWriter, typ string, status int, message, requestID string) {
	gr, ok := g.api.GatewayResponses[typ]
	if !ok {
		def := "DEFAULT_4XX"
		if status >= 500 {
			def = "DEFAULT_5XX"
		}
		gr = g.api.GatewayResponses[def]
	}
	if gr.StatusCode != 0 {
		status = gr.StatusCode
	}
	quoted, _ := json.Marshal(message)
	body := fmt.Sprintf(`{"message":%s}`, quoted)
	if tpl, ok := gr.Templates["application/json"]; ok {
		body = strings.NewReplacer(
			"$context.error.messageString", string(quoted),
			"$context.error.message", message,
			"$context.error.responseType", typ,
			"$context.requestId", requestID,
		).Replace(tpl)
	}
	for k, v := range gr.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection, to set the
// body's read deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
