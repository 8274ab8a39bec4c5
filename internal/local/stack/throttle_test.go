//go:build !integration

package stack

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

const throttledTemplate = `
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      MethodSettings:
        - ResourcePath: "/*"
          HttpMethod: "*"
          ThrottlingBurstLimit: 3
          ThrottlingRateLimit: 2
      GatewayResponses:
        THROTTLED:
          StatusCode: 429
          ResponseParameters:
            Headers:
              Retry-After: "'1'"
          ResponseTemplates:
            application/json: '{"error":"too many requests"}'
  Get:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: get/
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /receipt/{id}
            Method: get
        Delete:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /receipt/{id}
            Method: delete
`

func TestThrottle(t *testing.T) {
	tpl, err := samtemplate.Parse([]byte(throttledTemplate), samtemplate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	api, err := tpl.API("Api")
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	h, err := newThrottle(tpl, api, routes, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++ }))
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	for i := range 3 {
		if w := do("GET", "/receipt/"+string(rune('a'+i))); w.Code != 200 {
			t.Fatalf("request %d of the burst: %d", i+1, w.Code)
		}
	}
	w := do("GET", "/receipt/x")
	if w.Code != 429 || w.Body.String() != `{"error":"too many requests"}` || w.Header().Get("Retry-After") != "1" {
		t.Errorf("over the burst: %d %s Retry-After %q; want 429, the API's JSON and Retry-After 1", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	if served != 3 {
		t.Errorf("%d requests reached the function, want 3", served)
	}
	if w := do("DELETE", "/receipt/x"); w.Code != 200 {
		t.Errorf("another method has its own bucket: %d", w.Code)
	}
	if w := do("GET", "/nowhere"); w.Code != 200 {
		t.Errorf("a request of no route is the gateway's to answer: %d", w.Code)
	}

	th := h.(*throttle)
	rt, key := th.route(httptest.NewRequest("GET", "/receipt/y", nil))
	later := time.Now().Add(time.Second) // 2 tokens back at 2 a second
	through := 0
	for range 3 {
		if th.take(key, rt, later) {
			through++
		}
	}
	if through != 2 {
		t.Errorf("a second later, %d of 3 requests let through, want 2", through)
	}
}
