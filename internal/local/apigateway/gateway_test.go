//go:build !integration

package apigateway_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/local/apigateway"
	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// recorder is an Invoker that keeps the last event and answers as told.
type recorder struct {
	function string
	event    events.APIGatewayProxyRequest
	answer   []byte
	err      error
}

func (r *recorder) Invoke(_ context.Context, function string, event []byte) ([]byte, error) {
	r.function = function
	if err := json.Unmarshal(event, &r.event); err != nil {
		return nil, err
	}
	return r.answer, r.err
}

var api = samtemplate.API{
	LogicalID: "Api", StageName: "v1",
	BinaryMediaTypes: []string{"multipart/form-data", "image/*"},
	GatewayResponses: map[string]samtemplate.GatewayResponse{
		"DEFAULT_4XX":                  {Templates: map[string]string{"application/json": `{"error":$context.error.messageString}`}},
		"MISSING_AUTHENTICATION_TOKEN": {StatusCode: 404, Templates: map[string]string{"application/json": `{"error":"route not found"}`}},
	},
}

var routes = []samtemplate.Route{
	{API: "Api", Method: "POST", Path: "/receipt", Function: "Upload"},
	{API: "Api", Method: "GET", Path: "/receipt/{id}", Function: "Get"},
	{API: "Api", Method: "GET", Path: "/receipt/latest", Function: "Latest"},
	{API: "Api", Method: "ANY", Path: "/files/{proxy+}", Function: "Files"},
	{API: "Other", Method: "GET", Path: "/other", Function: "Other"},
}

func serve(t *testing.T, inv apigateway.Invoker, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	g := apigateway.New(api, routes, inv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

func TestRouting(t *testing.T) {
	ok := []byte(`{"statusCode":200,"body":"{}"}`)
	tests := []struct {
		method, path string
		wantFunction string
		wantParams   map[string]string
		wantResource string
	}{
		{"POST", "/receipt", "Upload", nil, "/receipt"},
		{"GET", "/receipt/abc", "Get", map[string]string{"id": "abc"}, "/receipt/{id}"},
		{"GET", "/receipt/latest", "Latest", nil, "/receipt/latest"},
		{"DELETE", "/files/a/b/c.png", "Files", map[string]string{"proxy": "a/b/c.png"}, "/files/{proxy+}"},
		{"GET", "/receipt/a%20b", "Get", map[string]string{"id": "a b"}, "/receipt/{id}"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := &recorder{answer: ok}
			w := serve(t, rec, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != 200 {
				t.Fatalf("status = %d; body %s", w.Code, w.Body)
			}
			if rec.function != tt.wantFunction {
				t.Errorf("function = %s, want %s", rec.function, tt.wantFunction)
			}
			if len(tt.wantParams) > 0 || len(rec.event.PathParameters) > 0 {
				if len(rec.event.PathParameters) != len(tt.wantParams) {
					t.Fatalf("pathParameters = %v, want %v", rec.event.PathParameters, tt.wantParams)
				}
				for k, v := range tt.wantParams {
					if rec.event.PathParameters[k] != v {
						t.Errorf("pathParameters[%s] = %q, want %q", k, rec.event.PathParameters[k], v)
					}
				}
			}
			if rec.event.Resource != tt.wantResource || rec.event.RequestContext.ResourcePath != tt.wantResource {
				t.Errorf("resource = %q, want %q", rec.event.Resource, tt.wantResource)
			}
		})
	}
}

func TestMissesUseGatewayResponses(t *testing.T) {
	tests := []struct{ method, path string }{
		{"GET", "/nope"},
		{"PUT", "/receipt"},
		{"GET", "/other"}, // another API's route
		{"GET", "/receipt/a/b"},
	}
	for _, tt := range tests {
		rec := &recorder{}
		w := serve(t, rec, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != 404 || w.Body.String() != `{"error":"route not found"}` {
			t.Errorf("%s %s = %d %s", tt.method, tt.path, w.Code, w.Body)
		}
		if rec.function != "" {
			t.Errorf("%s %s invoked %s", tt.method, tt.path, rec.function)
		}
	}
}

func TestEventBody(t *testing.T) {
	tests := []struct {
		contentType string
		body        string
		wantBase64  bool
	}{
		{"multipart/form-data; boundary=x", "--x\r\n\x00\xff", true},
		{"image/png", "\x89PNG", true},
		{"application/json", `{"a":1}`, false},
		{"", "plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			rec := &recorder{answer: []byte(`{"statusCode":200}`)}
			r := httptest.NewRequest("POST", "/receipt?x=1&x=2&y=3", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			serve(t, rec, r)
			e := rec.event
			if e.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("isBase64Encoded = %v, want %v", e.IsBase64Encoded, tt.wantBase64)
			}
			got := e.Body
			if e.IsBase64Encoded {
				b, _ := base64.StdEncoding.DecodeString(e.Body)
				got = string(b)
			}
			if got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
			if e.QueryStringParameters["x"] != "2" || len(e.MultiValueQueryStringParameters["x"]) != 2 || e.QueryStringParameters["y"] != "3" {
				t.Errorf("query = %v / %v", e.QueryStringParameters, e.MultiValueQueryStringParameters)
			}
			if e.RequestContext.Stage != "v1" || e.RequestContext.Path != "/v1/receipt" || e.HTTPMethod != "POST" {
				t.Errorf("requestContext = %+v", e.RequestContext)
			}
		})
	}
}

func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		answer     string
		err        error
		wantStatus int
		wantBody   string
		wantHeader [2]string
	}{
		{"plain", `{"statusCode":201,"headers":{"X-A":"1"},"body":"hi"}`, nil, 201, "hi", [2]string{"X-A", "1"}},
		{"multi-value headers", `{"statusCode":200,"multiValueHeaders":{"X-B":["1","2"]},"body":""}`, nil, 200, "", [2]string{"X-B", "1"}},
		{"base64 body", `{"statusCode":200,"body":"AAEC","isBase64Encoded":true}`, nil, 200, "\x00\x01\x02", [2]string{}},
		{"function error", ``, errors.New("boom"), 502, `{"message":"Internal server error"}`, [2]string{}},
		{"malformed response", `"just a string"`, nil, 502, `{"message":"Internal server error"}`, [2]string{}},
		{"no status code", `{"body":"x"}`, nil, 502, `{"message":"Internal server error"}`, [2]string{}},
		{"integration timeout", ``, context.DeadlineExceeded, 504, `{"message":"Endpoint request timed out"}`, [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{answer: []byte(tt.answer), err: tt.err}
			w := serve(t, rec, httptest.NewRequest("GET", "/receipt/x", nil))
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantHeader[0] != "" && w.Header().Get(tt.wantHeader[0]) != tt.wantHeader[1] {
				t.Errorf("header %s = %q, want %q", tt.wantHeader[0], w.Header().Get(tt.wantHeader[0]), tt.wantHeader[1])
			}
		})
	}
}

func TestPayloadLimits(t *testing.T) {
	tests := []struct {
		name        string
		size        int
		contentType string
		wantInvoked bool
	}{
		{"under both", 1 << 20, "image/png", true},
		{"text under the event limit", 5 << 20, "text/plain", true},
		{"binary over the event limit once base64-encoded", 5 << 20, "image/png", false},
		{"over API Gateway's limit", apigateway.MaxBodyBytes + 1, "text/plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{answer: []byte(`{"statusCode":200}`)}
			r := httptest.NewRequest("POST", "/receipt", strings.NewReader(strings.Repeat("a", tt.size)))
			r.Header.Set("Content-Type", tt.contentType)
			w := serve(t, rec, r)
			if invoked := rec.function != ""; invoked != tt.wantInvoked {
				t.Fatalf("invoked = %v, want %v", invoked, tt.wantInvoked)
			}
			if !tt.wantInvoked && (w.Code != 413 || w.Body.String() != `{"error":"Request Too Long"}`) {
				t.Errorf("got %d %s, want 413 from DEFAULT_4XX", w.Code, w.Body)
			}
		})
	}
}

// TestPathAsSent: API Gateway hands a REST API's function the path as the
// client escaped it, and the path parameters unescaped; an escape that
// decodes to a percent sign or a control character stays escaped in path.
func TestPathAsSent(t *testing.T) {
	tests := []struct{ target, wantPath, wantID string }{
		{"/receipt/%25", "/receipt/%25", "%"},
		{"/receipt/%25zz", "/receipt/%25zz", "%zz"},
		{"/receipt/%00", "/receipt/%00", "\x00"},
		{"/receipt/%0D%0A", "/receipt/%0D%0A", "\r\n"},
		{"/receipt/a%20b", "/receipt/a%20b", "a b"},
		{"/receipt/abc", "/receipt/abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := &recorder{answer: []byte(`{"statusCode":200}`)}
			serve(t, rec, httptest.NewRequest("GET", tt.target, nil))
			if rec.event.Path != tt.wantPath || rec.event.RequestContext.Path != "/v1"+tt.wantPath {
				t.Errorf("path = %q, requestContext.path = %q; want %q", rec.event.Path, rec.event.RequestContext.Path, tt.wantPath)
			}
			if rec.event.PathParameters["id"] != tt.wantID {
				t.Errorf("id = %q, want %q", rec.event.PathParameters["id"], tt.wantID)
			}
		})
	}
}

// TestHostThatNamesNoHost: a request's Host that is no host[:port] never
// reaches a function (in AWS it never reaches the API): the event names the
// address the request came in on instead.
func TestHostThatNamesNoHost(t *testing.T) {
	for _, host := range []string{"127.0.0.1:abc", "%zz", "[", "[::1", "a b", ""} {
		t.Run(host, func(t *testing.T) {
			rec := &recorder{answer: []byte(`{"statusCode":200}`)}
			r := httptest.NewRequest("GET", "/receipt/x", nil)
			r.Host = host
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}))
			serve(t, rec, r)
			if d := rec.event.RequestContext.DomainName; d != "127.0.0.1:3000" || rec.event.Headers["Host"] != d {
				t.Errorf("domainName = %q, Host = %q; want the local address", d, rec.event.Headers["Host"])
			}
		})
	}
	rec := &recorder{answer: []byte(`{"statusCode":200}`)}
	r := httptest.NewRequest("GET", "/receipt/x", nil)
	r.Host = "api.example:8080"
	serve(t, rec, r)
	if rec.event.RequestContext.DomainName != "api.example:8080" {
		t.Errorf("a good Host: domainName = %q", rec.event.RequestContext.DomainName)
	}
}

// TestStalledBody: a request whose body stops coming is answered 408 once
// no byte has come for BodyIdleTimeout, and the connection closed, rather
// than held open forever.
func TestStalledBody(t *testing.T) {
	rec := &recorder{answer: []byte(`{"statusCode":200}`)}
	g := apigateway.New(api, routes, rec, slog.New(slog.DiscardHandler))
	g.BodyIdleTimeout = 200 * time.Millisecond
	srv := httptest.NewServer(g)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, _ = io.WriteString(conn, "POST /receipt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"filename\"")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || string(body) != `{"error":"Request body not received in time"}` {
		t.Errorf("got %d %s, want 408 in the API's error shape", resp.StatusCode, body)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("answered after %s, want about the idle timeout", took)
	}
	if rec.function != "" {
		t.Errorf("%s was invoked with a body that never came", rec.function)
	}
}
