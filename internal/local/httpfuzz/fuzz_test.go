//go:build !integration

package httpfuzz

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	pathpkg "path"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/docs"
)

// A small API in the shape of ours: a keyed JSON route, a keyed multipart
// route, a public one.
const testDoc = `
openapi: 3.0.3
info: {title: t, version: "1"}
security: [{bearer: []}]
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, size]
              properties:
                name: {type: string, minLength: 1, maxLength: 8}
                size: {type: integer, minimum: 1, maximum: 10}
      responses:
        "201": {description: made}
        "400": {$ref: "#/components/responses/Error"}
        "401": {$ref: "#/components/responses/Error"}
        "408": {$ref: "#/components/responses/Error"}
        "413": {$ref: "#/components/responses/Error"}
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "404": {$ref: "#/components/responses/Error"}
        "401": {$ref: "#/components/responses/Error"}
        "413": {$ref: "#/components/responses/Error"}
  /files:
    post:
      operationId: upload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
            encoding:
              file: {contentType: "image/png, application/pdf"}
      responses:
        "200": {description: stored}
        "400": {$ref: "#/components/responses/Error"}
        "408": {$ref: "#/components/responses/Error"}
        "401": {$ref: "#/components/responses/Error"}
        "413": {$ref: "#/components/responses/Error"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  responses:
    Error:
      description: an error
      content:
        application/json:
          schema: {type: object, required: [error], properties: {error: {type: string}}}
    RouteNotFound:
      description: no such route
      content:
        application/json:
          schema: {type: object, required: [error], properties: {error: {type: string, enum: [route not found]}}}
`

// defects are what the test server can get wrong, one at a time.
type defects struct {
	escapes502   bool // a percent sign in an id fails the request
	trailingOK   bool // JSON followed by more is accepted
	cutPNGOK     bool // a PNG cut short is accepted
	stallForever bool // a body that never finishes is waited for
	plainMiss    bool // an unknown route answers text/plain
	leak         bool // a 400 shows the Go error
}

// server is a careful implementation of testDoc, with the defects asked for.
func server(d defects) http.Handler {
	fail := func(w http.ResponseWriter, status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	createThing := func(w http.ResponseWriter, body []byte) {
		dec := json.NewDecoder(bytes.NewReader(body))
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			msg := "bad body"
			if d.leak {
				msg = err.Error() + " at main.go:12"
			}
			fail(w, 400, msg)
			return
		}
		if _, err := dec.Token(); err != io.EOF && !d.trailingOK {
			fail(w, 400, "bad body")
			return
		}
		name, _ := v["name"].(string)
		size, _ := v["size"].(float64)
		if name == "" || len([]rune(name)) > 8 || size != float64(int(size)) || size < 1 || size > 10 {
			fail(w, 400, "bad body")
			return
		}
		w.WriteHeader(201)
	}
	upload := func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			fail(w, 400, "no file")
			return
		}
		b, _ := io.ReadAll(f)
		png := bytes.HasPrefix(b, []byte("\x89PNG")) && (bytes.HasSuffix(b, []byte("IEND\xaeB`\x82")) || d.cutPNGOK && bytes.Contains(b, []byte("IEND")))
		pdf := bytes.HasPrefix(b, []byte("%PDF-")) && bytes.Contains(b[max(0, len(b)-16):], []byte("%%EOF"))
		if !png && !pdf {
			fail(w, 400, "not a document")
			return
		}
		w.WriteHeader(200)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Requestid", "test")
		path := r.URL.EscapedPath()
		route := r.Method + " " + path
		if id, ok := strings.CutPrefix(path, "/things/"); ok && r.Method == "GET" && id != "" && !strings.Contains(id, "/") {
			route = "GET /things/{id}"
		}
		if pathpkg.Clean(path) != path {
			route = "unclean"
		}
		switch route {
		case "POST /things", "GET /things/{id}", "POST /files":
		default:
			if d.plainMiss {
				http.NotFound(w, r)
				return
			}
			fail(w, 404, "route not found")
			return
		}
		if r.ContentLength > 1<<20 {
			fail(w, 413, "too large")
			return
		}
		if auth := r.Header.Values("Authorization"); len(auth) != 1 || auth[0] != "Bearer good" {
			fail(w, 401, "unauthorized")
			return
		}
		if !d.stallForever {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Second))
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			fail(w, 408, "the body did not come")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch route {
		case "POST /things":
			createThing(w, body)
		case "GET /things/{id}":
			if d.escapes502 && strings.Contains(r.URL.EscapedPath(), "%") {
				fail(w, 502, "internal error")
				return
			}
			fail(w, 404, "thing not found")
		case "POST /files":
			upload(w, r)
		}
	})
}

func run(t *testing.T, d defects) Report {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: server(d), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	rep, err := Run(Config{OpenAPI: []byte(testDoc), Addr: ln.Addr().String(), Key: "good", Seed: 1,
		Budget: 8 * time.Second, Limit: 2 * time.Second, Workers: 8, Mutants: 300})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFindsPlantedDefects: a careful server gives the fuzzer nothing to
// report; the same server with defects planted has each reported, naming
// what went wrong.
func TestFindsPlantedDefects(t *testing.T) {
	if rep := run(t, defects{}); len(rep.Findings) > 0 || rep.Skipped > 0 {
		t.Fatalf("a careful server: %s", rep)
	}
	rep := run(t, defects{escapes502: true, trailingOK: true, cutPNGOK: true, stallForever: true, plainMiss: true, leak: true})
	tests := []struct {
		name  string
		probe string // in the probe's description
		wrong string // in what is wrong
	}{
		{"a 5xx for an escape in an id", `path parameter id = "%25"`, "a 502"},
		{"JSON followed by more accepted", "JSON body: trailing garbage", "not one JSON value"},
		{"a cut PNG accepted", "a image/png cut short", "accepted with a 200"},
		{"a body that never finishes", "of the 100 announced", "no answer in time"},
		{"an unknown route in plain text", "(not in the document)", "not application/json"},
		{"internal text", "JSON body", "internal text"},
	}
	for _, tt := range tests {
		found := false
		for _, f := range rep.Findings {
			if strings.Contains(f.Probe, tt.probe) && strings.Contains(strings.Join(f.Problems, ";"), tt.wrong) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no finding of %q wrong by %q", tt.name, tt.probe, tt.wrong)
		}
	}
	if t.Failed() {
		t.Logf("what was found: %s", rep)
	}
}

func TestRefusesAddressesOffLoopback(t *testing.T) {
	for _, addr := range []string{"10.0.0.1:80", "example.com:80", "localhost:80", "0.0.0.0:80"} {
		if _, err := Run(Config{OpenAPI: []byte(testDoc), Addr: addr}); err == nil {
			t.Errorf("Run(%s) did not refuse", addr)
		}
	}
}

// TestGeneratesFromTheAPIDocument: the API's own document is valid, names
// what the fuzzer needs, and gives every operation probes of each kind it
// takes.
func TestGeneratesFromTheAPIDocument(t *testing.T) {
	s, err := loadSpec(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if s.routeNotFound == nil {
		t.Error("the document describes no answer to unknown routes (components.responses.RouteNotFound)")
	}
	g := &generator{spec: s, host: "127.0.0.1:1", key: "k", rnd: rand.New(rand.NewPCG(1, 2)), docs: documents()}
	counts := map[string]int{}
	for _, p := range g.probes() {
		if p.op != nil {
			counts[p.op.id]++
		}
	}
	for _, op := range s.ops {
		want := 2 // bodies past AWS's limits
		switch {
		case len(op.params) > 0 || op.body != nil:
			want = 20
		case len(op.auth) > 0:
			want = 10 // the credentials' variants alone
		}
		if counts[op.id] < want {
			t.Errorf("%s: %d probes, want at least %d", op.id, counts[op.id], want)
		}
	}
}
