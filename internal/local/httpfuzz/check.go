package httpfuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// internalText is what no answer may show: stack traces, Go source
// positions, the SDK's and AWS's error names, paths on the machine, and the
// gateway's or the adapter's own words about a failure.
var internalText = regexp.MustCompile(`goroutine \d|panic[:(]|runtime error|\.go:\d|/home/|/root/|/tmp/|` +
	`[A-Za-z]+Exception|operation error|api error|ResourceNotFound|ValidationError|arn:aws:|errorMessage|errorType|` +
	`Could not convert|invalid URL escape|invalid control character|Internal server error`)

// check returns what is wrong with a's answer to p: the checks every
// answer gets, then what the document says of the answer and of p's input.
func (f *fuzzer) check(p probe, a answer) []string {
	var problems []string
	if a.err != nil && a.status == 0 {
		return []string{a.err.Error()}
	}
	if a.err != nil {
		problems = append(problems, a.err.Error())
	}
	if a.elapsed > f.cfg.Limit {
		problems = append(problems, fmt.Sprintf("answered after %s, over the %s limit", a.elapsed.Round(time.Millisecond), f.cfg.Limit))
	}
	if a.status >= 500 {
		problems = append(problems, fmt.Sprintf("a %d", a.status))
	}
	if m := internalText.Find(a.body); m != nil {
		problems = append(problems, fmt.Sprintf("internal text %q in the body", m))
	}
	if !fromGateway(a) {
		// The HTTP server refused the request before the gateway saw it,
		// in its own words, as a server in front of API Gateway does.
		return problems
	}
	if a.status >= 400 && p.req.method != http.MethodHead {
		if msg := errorShape(a); msg != "" {
			problems = append(problems, msg)
		}
	}
	problems = append(problems, f.documented(p, a)...)
	switch {
	case p.expect == refuse && a.status < 300:
		problems = append(problems, fmt.Sprintf("accepted with a %d, but %s", a.status, p.why))
	case p.expect == accept && a.status == http.StatusNotFound && p.op != nil && len(p.op.param("path")) > 0:
		// Valid input about a resource that is not there (the fuzzer's
		// sample id): the documented 404 is the right answer.
	case p.expect == accept && a.status >= 400 && a.status < 500:
		problems = append(problems, fmt.Sprintf("refused with a %d, but the input is %s", a.status, p.why))
	}
	return problems
}

// fromGateway: every answer of the API's gateway carries a request id; the
// HTTP server's own refusals of broken requests carry none.
func fromGateway(a answer) bool { return a.header.Get("X-Amzn-Requestid") != "" }

// errorShape checks an error answer is JSON {"error": "..."}.
func errorShape(a answer) string {
	mt, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
	if mt != "application/json" {
		return fmt.Sprintf("a %d with Content-Type %q, not application/json", a.status, a.header.Get("Content-Type"))
	}
	var e map[string]any
	if err := json.Unmarshal(a.body, &e); err != nil {
		return fmt.Sprintf("a %d whose body is not a JSON object", a.status)
	}
	if s, ok := e["error"].(string); !ok || s == "" {
		return fmt.Sprintf(`a %d without an "error" message`, a.status)
	}
	return ""
}

// documented checks the answer against the document: its status listed for
// the operation, its headers and body as described. An answer to a route
// the document does not have must be a 404 as components.responses
// .RouteNotFound describes it.
func (f *fuzzer) documented(p probe, a answer) []string {
	req, ok := routable(p.req)
	if !ok {
		return nil
	}
	route, params, err := f.spec.router.FindRoute(req)
	if err != nil {
		return f.unknownRoute(p, a)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 a.status,
		Header:                 a.header,
		Body:                   io.NopCloser(bytes.NewReader(a.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: false},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return []string{fmt.Sprintf("not as documented for %s %s: %s", route.Method, route.Path, firstLine(err.Error()))}
	}
	return nil
}

func (f *fuzzer) unknownRoute(p probe, a answer) []string {
	if f.spec.routeNotFound == nil {
		return []string{fmt.Sprintf("a %d for a route the document does not have, and the document says nothing of such "+
			"answers (components.responses.RouteNotFound)", a.status)}
	}
	if a.status != http.StatusNotFound {
		return []string{fmt.Sprintf("a %d for a route the document does not have, want 404", a.status)}
	}
	mt := f.spec.routeNotFound.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || p.req.method == http.MethodHead {
		return nil
	}
	var v any
	if err := json.Unmarshal(a.body, &v); err != nil {
		return []string{"the 404 for a route the document does not have is not JSON"}
	}
	if err := mt.Schema.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		return []string{"the 404 for a route the document does not have is not as RouteNotFound describes: " + firstLine(err.Error())}
	}
	return nil
}

// routable returns r as the router matches it: its path kept escaped, so
// an escaped slash stays within its segment as the gateway keeps it. A path
// with empty or dot segments, or a trailing slash, names no documented
// route, though the router would forgive it.
func routable(r *request) (*http.Request, bool) {
	u, err := url.ParseRequestURI(r.target)
	if err != nil || u.Host != "" || !strings.HasPrefix(r.target, "/") {
		return nil, false
	}
	if p := u.EscapedPath(); path.Clean(p) != p {
		u.Path, u.RawPath = "/\x00unclean", ""
	}
	u.Path, u.RawPath = u.EscapedPath(), ""
	req, err := http.NewRequest(r.method, "http://api"+u.String(), nil)
	if err != nil {
		return nil, false
	}
	for _, h := range r.header {
		req.Header.Add(h[0], h[1])
	}
	return req, true
}
