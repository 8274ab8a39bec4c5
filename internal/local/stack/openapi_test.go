//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/receipts-api/receipts/docs"
)

var openAPIRouter routers.Router

func init() {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPI)
	if err != nil {
		panic(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		panic("docs/openapi.yaml is not valid OpenAPI: " + err.Error())
	}
	// Match requests whatever host the test stack listens on.
	doc.Servers = nil
	if openAPIRouter, err = legacy.NewRouter(doc); err != nil {
		panic(err)
	}
}

// checkOpenAPI fails the test when a response does not match what
// docs/openapi.yaml says of its route and status.
func checkOpenAPI(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	r := req.Clone(context.Background())
	r.URL.Host, r.URL.Scheme = "", ""
	route, params, err := openAPIRouter.FindRoute(r)
	if err != nil {
		if resp.StatusCode == 404 {
			return // routes the API does not have
		}
		t.Errorf("%s %s: not in docs/openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match docs/openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}
