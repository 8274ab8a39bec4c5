package httpfuzz

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// spec is what the fuzzer reads from an OpenAPI document: the operations to
// call, how to authenticate, and a router to find which documented answers a
// response must match.
type spec struct {
	doc    *openapi3.T
	ops    []operation
	router routers.Router
	// routeNotFound is the documented answer to a path or method the API
	// does not have (components.responses.RouteNotFound), if any.
	routeNotFound *openapi3.Response
}

// operation is one documented method on one path.
type operation struct {
	method string
	path   string // template, e.g. /receipt/{id}
	id     string
	params []*openapi3.Parameter
	body   *openapi3.RequestBody
	// auth is how a caller proves who it is: a header per scheme of the
	// operation's first security requirement; empty for a public one.
	auth []scheme
	// schemes are every scheme the document names for this operation, so
	// each one's header can be flooded and misused.
	schemes []scheme
}

// scheme is a security scheme carried in a header.
type scheme struct {
	name   string
	header string
	// prefix goes before the key ("Bearer " for HTTP bearer auth).
	prefix string
}

func (s scheme) value(key string) string { return s.prefix + key }

func loadSpec(data []byte) (*spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("read the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	// Requests go to whatever address the API under test listens on.
	doc.Servers = nil
	s := &spec{doc: doc}
	if s.router, err = legacy.NewRouter(doc); err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	if doc.Components != nil {
		if r := doc.Components.Responses["RouteNotFound"]; r != nil {
			s.routeNotFound = r.Value
		}
	}
	paths := doc.Paths.Map()
	for _, p := range sortedKeys(paths) {
		item := paths[p]
		ops := item.Operations()
		for _, m := range sortedKeys(ops) {
			op := ops[m]
			o := operation{method: m, path: p, id: op.OperationID}
			if o.id == "" {
				o.id = m + " " + p
			}
			for _, ref := range append(slices.Clone(item.Parameters), op.Parameters...) {
				o.params = append(o.params, ref.Value)
			}
			if op.RequestBody != nil {
				o.body = op.RequestBody.Value
			}
			reqs := doc.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			for i, req := range reqs {
				for _, name := range sortedKeys(req) {
					sc, err := s.scheme(name)
					if err != nil {
						return nil, fmt.Errorf("%s %s: %w", m, p, err)
					}
					if i == 0 {
						o.auth = append(o.auth, sc)
					}
					if !slices.ContainsFunc(o.schemes, func(x scheme) bool { return x.header == sc.header }) {
						o.schemes = append(o.schemes, sc)
					}
				}
			}
			s.ops = append(s.ops, o)
		}
	}
	if len(s.ops) == 0 {
		return nil, fmt.Errorf("the OpenAPI document has no operations")
	}
	return s, nil
}

// scheme reads a security scheme the fuzzer can send: HTTP bearer, or an
// API key in a header.
func (s *spec) scheme(name string) (scheme, error) {
	ref := s.doc.Components.SecuritySchemes[name]
	if ref == nil || ref.Value == nil {
		return scheme{}, fmt.Errorf("no security scheme %q", name)
	}
	v := ref.Value
	switch {
	case v.Type == "http" && strings.EqualFold(v.Scheme, "bearer"):
		return scheme{name: name, header: "Authorization", prefix: "Bearer "}, nil
	case v.Type == "apiKey" && v.In == "header":
		return scheme{name: name, header: http.CanonicalHeaderKey(v.Name)}, nil
	}
	return scheme{}, fmt.Errorf("security scheme %q (%s) is not one the fuzzer can send", name, v.Type)
}

func (o operation) param(in string) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, p := range o.params {
		if p.In == in {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
