package httpfuzz

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// expectation is what the document says of a probe's input, beyond the
// checks every answer gets.
type expectation int

const (
	// anything: only the checks every answer gets.
	anything expectation = iota
	// refuse: the document says the input is invalid; a 2xx is wrong.
	refuse
	// accept: the document says the input is valid (and all else about the
	// request is); a 4xx is wrong.
	accept
)

// probe is one request the fuzzer sends and what it expects of the answer.
type probe struct {
	op     *operation
	what   string
	req    *request
	expect expectation
	why    string
}

// generator builds the probes of one run.
type generator struct {
	spec *spec
	host string
	key  string
	rnd  *rand.Rand
	docs map[string]document
}

func (g *generator) probes() []probe {
	var out []probe
	for i := range g.spec.ops {
		op := &g.spec.ops[i]
		out = append(out, g.pathProbes(op)...)
		out = append(out, g.queryProbes(op)...)
		out = append(out, g.headerProbes(op)...)
		out = append(out, g.authProbes(op)...)
		out = append(out, g.bodyProbes(op)...)
		out = append(out, g.sizeProbes(op)...)
	}
	out = append(out, g.routeProbes()...)
	out = append(out, g.hostProbes()...)
	out = append(out, g.framingProbes()...)
	return out
}

// baseline is a valid request for op: its path parameters filled with
// samples, its required parameters set, the caller's key, and a valid
// body.
func (g *generator) baseline(op *operation) *request {
	r := &request{method: op.method, host: g.host, target: g.target(op, nil)}
	for _, p := range op.param("query") {
		if p.Required {
			r.target += sep(r.target) + url.QueryEscape(p.Name) + "=" + url.QueryEscape(fmt.Sprint(sample(schemaOf(p))))
		}
	}
	for _, p := range op.param("header") {
		if p.Required {
			r.set(p.Name, fmt.Sprint(sample(schemaOf(p))))
		}
	}
	for _, s := range op.auth {
		r.set(s.header, s.value(g.key))
	}
	if ct, mt := firstContent(op); mt != nil {
		switch {
		case strings.HasPrefix(ct, "multipart/form-data"):
			r.set("Content-Type", "multipart/form-data; boundary="+boundary)
			r.body = multipartBody(boundary, formParts(mt.Schema.Value, mt.Encoding, g.docs))
		default:
			r.set("Content-Type", ct)
			r.body, _ = json.Marshal(sample(schemaOf(mt)))
		}
	}
	return r
}

// target is op's path with its parameters filled: raw[name] as given
// (already escaped), else a sample, escaped.
func (g *generator) target(op *operation, raw map[string]string) string {
	t := op.path
	for _, p := range op.param("path") {
		v, ok := raw[p.Name]
		if !ok {
			v = url.PathEscape(fmt.Sprint(sample(schemaOf(p))))
		}
		t = strings.ReplaceAll(t, "{"+p.Name+"}", v)
	}
	return t
}

// Values that have broken path handling somewhere: escapes that decode to
// control characters, a percent sign or a slash, escapes that are not
// escapes, dot segments, lengths.
var rawSegments = []string{
	"%25", "%00", "%09", "%0D%0A", "%25zz", "%2525", "%2F", "%2e%2e", "..", ".", "%20", "%E2%80%AE",
	"%C0%AF", "%FF", "%3F", "%23", "a;b", "%7B%7D", "~", "0193C1DE-7C6B-7D61-9C4E-2B0F5C6A1E2F",
	"%7B0193c1de-7c6b-7d61-9c4e-2b0f5c6a1e2f%7D", "urn:uuid:0193c1de-7c6b-7d61-9c4e-2b0f5c6a1e2f",
}

func (g *generator) pathProbes(op *operation) []probe {
	var out []probe
	for _, p := range op.param("path") {
		values := append(slices.Clone(rawSegments), strings.Repeat("a", 4096), strings.Repeat("%25", 1000), g.randomSegment())
		for _, v := range values {
			r := g.baseline(op)
			r.target = g.target(op, map[string]string{p.Name: v})
			out = append(out, probe{op: op, what: fmt.Sprintf("path parameter %s = %s", p.Name, short(v)), req: r})
		}
	}
	return out
}

func (g *generator) randomSegment() string {
	var b strings.Builder
	for range 1 + g.rnd.IntN(40) {
		fmt.Fprintf(&b, "%%%02X", g.rnd.IntN(256))
	}
	return b.String()
}

func (g *generator) queryProbes(op *operation) []probe {
	var out []probe
	for _, p := range op.param("query") {
		s := schemaOf(p)
		for _, v := range scalarValues(s, g.rnd) {
			r := g.baseline(op)
			r.target += sep(r.target) + url.QueryEscape(p.Name) + "=" + url.QueryEscape(v.text)
			out = append(out, g.labelled(op, fmt.Sprintf("query %s = %s", p.Name, short(v.text)), r, s, v))
		}
		for _, raw := range []string{"%", "%zz", "%00", "a&" + p.Name + "=b", strings.Repeat("%FF", 2000)} {
			r := g.baseline(op)
			r.target += sep(r.target) + url.QueryEscape(p.Name) + "=" + raw
			out = append(out, probe{op: op, what: fmt.Sprintf("query %s = %s (raw)", p.Name, short(raw)), req: r})
		}
		r := g.baseline(op)
		r.target += sep(r.target) + strings.Repeat(url.QueryEscape(p.Name)+"=1&", 2000)
		out = append(out, probe{op: op, what: fmt.Sprintf("query %s 2000 times", p.Name), req: r})
	}
	r := g.baseline(op)
	r.target += sep(r.target) + "%00=%00&" + strings.Repeat("x", 8000) + "=1"
	out = append(out, probe{op: op, what: "undeclared query parameters", req: r})
	return out
}

func (g *generator) headerProbes(op *operation) []probe {
	var out []probe
	for _, p := range op.param("header") {
		s := schemaOf(p)
		for _, v := range append(scalarValues(s, g.rnd), value{text: "ключ"}, value{text: "a\tb"}) {
			r := g.baseline(op)
			r.set(p.Name, v.text)
			// Header values are not JSON: only the checks every answer gets.
			out = append(out, probe{op: op, what: fmt.Sprintf("header %s = %s", p.Name, short(v.text)), req: r})
		}
		r := g.baseline(op)
		r.header = append(r.header, [2]string{p.Name, "a"}, [2]string{p.Name, "b"})
		out = append(out, probe{op: op, what: fmt.Sprintf("header %s twice, different values", p.Name), req: r})
	}
	return out
}

// authProbes misuse each security scheme the document names for op; every
// probe that proves no identity must be refused.
func (g *generator) authProbes(op *operation) []probe {
	if len(op.auth) == 0 {
		return nil
	}
	var out []probe
	without := g.baseline(op)
	for _, s := range op.schemes {
		without.del(s.header)
	}
	out = append(out, probe{op: op, what: "no credentials", req: without, expect: refuse, why: "no credentials"})
	for _, s := range op.schemes {
		refused := []string{"", s.prefix, s.value(g.key + "x"), s.value("rcpt_" + strings.Repeat("A", 43)),
			"Basic " + g.key, s.value(strings.Repeat("k", 8000))}
		for _, v := range refused {
			r := without.clone()
			r.set(s.header, v)
			out = append(out, probe{op: op, what: fmt.Sprintf("%s: %s", s.header, short(v)), req: r, expect: refuse, why: "not a valid key"})
		}
		r := without.clone()
		r.header = append(r.header, [2]string{s.header, s.value(g.key)}, [2]string{s.header, s.value(g.key)})
		out = append(out, probe{op: op, what: s.header + " twice, same key", req: r})
		r = without.clone()
		r.header = append(r.header, [2]string{s.header, s.value(g.key)}, [2]string{s.header, s.value("other")})
		out = append(out, probe{op: op, what: s.header + " twice, different keys", req: r})
		out = append(out, probe{op: op, what: s.header + " flood", req: g.flood(without, s)})
	}
	return out
}

// flood repeats a scheme's header with distinct values up to about 1 MB of
// headers, what the HTTP server takes before it refuses the request.
func (g *generator) flood(base *request, s scheme) *request {
	r := base.clone()
	size := len(r.wire())
	for i := 0; size < 1_000_000; i++ {
		v := s.value(strconv.FormatInt(int64(i), 36))
		r.header = append(r.header, [2]string{s.header, v})
		size += len(s.header) + len(v) + 4
	}
	return r
}

// sizeProbes send bodies that grow past AWS's limits: one of NUL bytes that
// JSON escaping makes six times larger in the Lambda event, and one over API
// Gateway's 10 MB.
func (g *generator) sizeProbes(op *operation) []probe {
	nul := g.baseline(op)
	nul.set("Content-Type", "application/json")
	nul.body = make([]byte, 1200<<10)
	huge := g.baseline(op)
	huge.set("Content-Type", "application/octet-stream")
	huge.body = make([]byte, 10<<20+1)
	for i := range huge.body {
		huge.body[i] = 'a'
	}
	return []probe{
		{op: op, what: "1.2 MB of NUL bytes as the body", req: nul},
		{op: op, what: "a body over 10 MB", req: huge},
	}
}

// routeProbes call what the document does not have: other methods on its
// paths, its paths spelled otherwise, and paths it does not have.
func (g *generator) routeProbes() []probe {
	var out []probe
	byPath := map[string][]*operation{}
	for i := range g.spec.ops {
		byPath[g.spec.ops[i].path] = append(byPath[g.spec.ops[i].path], &g.spec.ops[i])
	}
	for _, path := range sortedKeys(byPath) {
		ops := byPath[path]
		base := g.baseline(ops[0])
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "FUZZ"} {
			if slices.ContainsFunc(ops, func(o *operation) bool { return o.method == m }) {
				continue
			}
			r := base.clone()
			r.method = m
			out = append(out, probe{what: m + " " + path + " (not in the document)", req: r})
		}
		t := base.target
		for _, v := range []string{t + "/", "/" + t, strings.Replace(t, "/", "//", 1), "/." + t, "/x/.." + t,
			strings.ToUpper(t), t + ";x", t + "/x", t + "%2F"} {
			r := base.clone()
			r.target = v
			out = append(out, probe{what: "path " + short(v), req: r})
		}
	}
	for _, v := range []string{"/", "/nope", "/" + strings.Repeat("a/", 500), "*", "http://127.0.0.1/receipts"} {
		out = append(out, probe{what: "path " + short(v), req: &request{method: "GET", target: v, host: g.host}})
	}
	return out
}

// hostProbes send Host headers that name no host.
func (g *generator) hostProbes() []probe {
	op := g.firstWithAuth()
	var out []probe
	for _, h := range []string{"127.0.0.1:abc", "%zz", "[", "[::1", "127.0.0.1:99999", "a b", "ä.example",
		strings.Repeat("h", 8000), "", "127.0.0.1:0"} {
		r := g.baseline(op)
		r.host = h
		out = append(out, probe{op: op, what: "Host " + short(h), req: r})
	}
	return out
}

// framingProbes break HTTP's own framing; what answers these is the HTTP
// server, before the gateway, as in AWS.
func (g *generator) framingProbes() []probe {
	op := g.firstWithAuth()
	var out []probe
	add := func(what string, change func(r *request)) {
		r := g.baseline(op)
		change(r)
		out = append(out, probe{op: op, what: what, req: r})
	}
	add("no Host", func(r *request) { r.host = noHost })
	add("two Hosts", func(r *request) { r.header = append(r.header, [2]string{"Host", "other"}) })
	add("two Content-Lengths", func(r *request) {
		r.length = noLength
		r.header = append(r.header, [2]string{"Content-Length", "1"}, [2]string{"Content-Length", "2"})
	})
	add("Content-Length abc", func(r *request) { r.length = noLength; r.set("Content-Length", "abc") })
	add("Content-Length -1", func(r *request) { r.length = noLength; r.set("Content-Length", "-1") })
	add("control bytes in a header", func(r *request) { r.set("X-Fuzz", "a\x01\x7fb") })
	add("a space in a header name", func(r *request) { r.set("X Fuzz", "a") })
	add("a 1.1 MB header", func(r *request) { r.set("X-Fuzz", strings.Repeat("a", 1100<<10)) })
	add("chunked with a bad chunk", func(r *request) {
		r.length = noLength
		r.set("Transfer-Encoding", "chunked")
		r.body = []byte("zz\r\nabc\r\n0\r\n\r\n")
	})
	add("chunked and Content-Length", func(r *request) {
		r.set("Transfer-Encoding", "chunked")
		r.body = []byte("3\r\nabc\r\n0\r\n\r\n")
	})
	add("HTTP/1.0 request line", func(r *request) { r.target += " HTTP/1.0\r\nX:" })
	return out
}

func (g *generator) firstWithAuth() *operation {
	for i := range g.spec.ops {
		if len(g.spec.ops[i].auth) > 0 && len(g.spec.ops[i].param("path")) == 0 && g.spec.ops[i].method == "GET" {
			return &g.spec.ops[i]
		}
	}
	return &g.spec.ops[0]
}

// labelled is a probe whose expectation follows what the schema says of v.
func (g *generator) labelled(op *operation, what string, r *request, s *openapi3.Schema, v value) probe {
	p := probe{op: op, what: what, req: r}
	switch v.valid {
	case 1:
		p.expect, p.why = accept, "valid by the document"
	case -1:
		p.expect, p.why = refuse, fmt.Sprintf("%q is not valid by the document", short(v.text))
	}
	return p
}
