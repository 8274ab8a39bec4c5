package stack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// throttle is API Gateway's stage throttling, from the API's MethodSettings
// (ThrottlingRateLimit, ThrottlingBurstLimit): a token bucket per method of
// each route, refilled at the rate up to the burst. A request that finds
// its bucket empty gets the THROTTLED gateway response (429) before any
// function runs, as API Gateway answers it.
type throttle struct {
	next     http.Handler
	routes   []throttled
	response samtemplate.GatewayResponse

	mu      sync.Mutex
	buckets map[string]*bucket // by route
}

// throttled is a route and its limits.
type throttled struct {
	method   string
	segments []string
	rate     float64 // requests per second
	burst    float64
}

type bucket struct {
	tokens float64
	at     time.Time
}

// methodSetting is one of a stage's MethodSettings.
type methodSetting struct {
	resourcePath, httpMethod string
	rate, burst              float64
}

// newThrottle wraps next in the API's throttling; with no throttling set,
// it returns next.
func newThrottle(t *samtemplate.Template, api samtemplate.API, routes []samtemplate.Route, next http.Handler) (http.Handler, error) {
	settings, err := methodSettings(t, api.LogicalID)
	if err != nil || len(settings) == 0 {
		return next, err
	}
	th := &throttle{next: next, response: api.GatewayResponses["THROTTLED"], buckets: map[string]*bucket{}}
	for _, r := range routes {
		if r.API != api.LogicalID {
			continue
		}
		for _, s := range settings {
			if s.applies(r) {
				th.routes = append(th.routes, throttled{method: r.Method, segments: strings.Split(strings.Trim(r.Path, "/"), "/"), rate: s.rate, burst: s.burst})
				break
			}
		}
	}
	return th, nil
}

// methodSettings reads the throttling of the API's MethodSettings.
func methodSettings(t *samtemplate.Template, apiID string) ([]methodSetting, error) {
	apis, err := t.Resources("AWS::Serverless::Api")
	if err != nil {
		return nil, err
	}
	var out []methodSetting
	for _, a := range apis {
		if a.LogicalID != apiID {
			continue
		}
		list, _ := a.Properties["MethodSettings"].([]any)
		for _, v := range list {
			m, _ := v.(map[string]any)
			s := methodSetting{resourcePath: str(m["ResourcePath"]), httpMethod: str(m["HttpMethod"])}
			_, rateErr := fmt.Sscan(str(m["ThrottlingRateLimit"]), &s.rate)
			_, burstErr := fmt.Sscan(str(m["ThrottlingBurstLimit"]), &s.burst)
			if rateErr != nil || burstErr != nil {
				continue // no throttling in this setting
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// applies says whether a method setting covers a route: "/*" and "*" cover
// all; otherwise the path (its "/" written "~1") and the method must match.
func (s methodSetting) applies(r samtemplate.Route) bool {
	path := strings.ReplaceAll(strings.TrimPrefix(s.resourcePath, "/"), "~1", "/")
	pathOK := s.resourcePath == "/*" || path == r.Path
	return pathOK && (s.httpMethod == "*" || strings.EqualFold(s.httpMethod, r.Method))
}

func (th *throttle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rt, key := th.route(r); rt != nil && !th.take(key, rt, time.Now()) {
		th.reject(w)
		return
	}
	th.next.ServeHTTP(w, r)
}

// route finds the throttled route a request is for, and its bucket's key.
func (th *throttle) route(r *http.Request) (*throttled, string) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i := range th.routes {
		rt := &th.routes[i]
		if (rt.method != "ANY" && rt.method != r.Method) || len(rt.segments) != len(segs) {
			continue
		}
		match := true
		for j, s := range rt.segments {
			if !strings.HasPrefix(s, "{") && s != segs[j] {
				match = false
				break
			}
		}
		if match {
			return rt, rt.method + " /" + strings.Join(rt.segments, "/")
		}
	}
	return nil, ""
}

// take spends a token of the route's bucket, if it has one.
func (th *throttle) take(key string, rt *throttled, now time.Time) bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	b := th.buckets[key]
	if b == nil {
		b = &bucket{tokens: rt.burst, at: now}
		th.buckets[key] = b
	}
	b.tokens = min(rt.burst, b.tokens+now.Sub(b.at).Seconds()*rt.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// reject answers with the API's THROTTLED gateway response.
func (th *throttle) reject(w http.ResponseWriter) {
	status := http.StatusTooManyRequests
	if th.response.StatusCode != 0 {
		status = th.response.StatusCode
	}
	msg, _ := json.Marshal("Too Many Requests")
	body := fmt.Sprintf(`{"message":%s}`, msg)
	if tpl, ok := th.response.Templates["application/json"]; ok {
		body = strings.NewReplacer("$context.error.messageString", string(msg), "$context.error.message", "Too Many Requests",
			"$context.error.responseType", "THROTTLED").Replace(tpl)
	}
	for k, v := range th.response.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", "THROTTLED")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
