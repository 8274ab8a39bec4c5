package apigateway

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// route is one API Gateway method: a resource path such as /receipt/{id}
// and the function that serves it.
type route struct {
	method     string
	resource   string
	resourceID string
	segments   []string
	function   string
	noAuth     bool
}

func newRoute(r samtemplate.Route) route {
	sum := sha256.Sum256([]byte(r.Path))
	return route{
		method: r.Method, resource: r.Path, function: r.Function, noAuth: r.NoAuth,
		resourceID: hex.EncodeToString(sum[:3]),
		segments:   split(r.Path),
	}
}

func split(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// match finds the route for method and path. Like API Gateway, a literal
// segment beats a parameter, and a method beats ANY.
func (g *Gateway) match(method, path string) (*route, map[string]string) {
	segs := split(path)
	var (
		best       *route
		bestParams map[string]string
		bestScore  = -1
	)
	for i := range g.routes {
		rt := &g.routes[i]
		if rt.method != method && rt.method != "ANY" {
			continue
		}
		params, score, ok := rt.bind(segs)
		if !ok {
			continue
		}
		score *= 2
		if rt.method == method {
			score++
		}
		if score > bestScore {
			best, bestParams, bestScore = rt, params, score
		}
	}
	return best, bestParams
}

// bind matches path segments against the route's resource, returning the
// path parameters and how many segments matched literally.
func (rt *route) bind(segs []string) (map[string]string, int, bool) {
	params := map[string]string{}
	literal := 0
	for i, s := range rt.segments {
		if name, ok := strings.CutPrefix(s, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			if greedy, ok := strings.CutSuffix(name, "+"); ok {
				if i >= len(segs) {
					return nil, 0, false
				}
				params[greedy] = unescape(strings.Join(segs[i:], "/"))
				return params, literal, true
			}
			if i >= len(segs) || segs[i] == "" {
				return nil, 0, false
			}
			params[name] = unescape(segs[i])
			continue
		}
		if i >= len(segs) || segs[i] != s {
			return nil, 0, false
		}
		literal++
	}
	if len(segs) != len(rt.segments) {
		return nil, 0, false
	}
	return params, literal, true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
