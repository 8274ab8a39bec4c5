package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/receipts-api/receipts/docs"
	"github.com/receipts-api/receipts/internal/receipt"
)

// tenantForgeries are the ways a caller might try to name another tenant:
// headers, query parameters and body fields that look like a tenant. Each
// is applied to every route; none may change whose data a request sees.
var tenantForgeries = []struct {
	name string
	// header, query and body name the tenant named victim.
	header func(victim string) map[string]string
	query  func(victim string) url.Values
	body   func(victim string) map[string]string
}{
	{name: "none"},
	{name: "x-tenant-id header", header: func(v string) map[string]string { return map[string]string{"x-tenant-id": v} }},
	{name: "X-Tenant header", header: func(v string) map[string]string { return map[string]string{"X-Tenant": v} }},
	{name: "tenant header", header: func(v string) map[string]string { return map[string]string{"tenant": v} }},
	{name: "X-Tenant-Id and X-Api-Tenant headers", header: func(v string) map[string]string {
		return map[string]string{"X-Tenant-Id": v, "X-Api-Tenant": v, "X-Amzn-Tenant": v}
	}},
	{name: "tenant query", query: func(v string) url.Values { return url.Values{"tenant": {v}} }},
	{name: "tenantId query", query: func(v string) url.Values { return url.Values{"tenantId": {v}, "tenant_id": {v}} }},
	{name: "tenant body field", body: func(v string) map[string]string { return map[string]string{"tenant": v} }},
	{name: "tenantId body field", body: func(v string) map[string]string { return map[string]string{"tenantId": v, "tenant_id": v} }},
	{name: "all at once", header: func(v string) map[string]string { return map[string]string{"x-tenant-id": v, "tenant": v} },
		query: func(v string) url.Values { return url.Values{"tenant": {v}} },
		body:  func(v string) map[string]string { return map[string]string{"tenant": v, "tenantId": v} }},
}

// tenantRoute is a request of every route the API serves. Paths may name
// the victim's resources ({victimReceipt}, {victimHook},
// {victimDelivery}); body is JSON (nil: none), or a multipart upload.
type tenantRoute struct {
	method, path string
	body         map[string]any
	multipart    bool
}

var tenantRoutes = []tenantRoute{
	{method: "POST", path: "/receipt", multipart: true},
	{method: "POST", path: "/receipt/uploads", body: map[string]any{"filename": "r.png", "contentType": "image/png", "size": 69}},
	{method: "GET", path: "/receipt/{victimReceipt}"},
	{method: "PATCH", path: "/receipt/{victimReceipt}", body: map[string]any{"fields": map[string]any{"total": "1.00"}}},
	{method: "DELETE", path: "/receipt/{victimReceipt}"},
	{method: "POST", path: "/receipt/{victimReceipt}/reprocess", body: map[string]any{}},
	{method: "GET", path: "/receipts"},
	{method: "GET", path: "/settings"},
	{method: "PUT", path: "/settings", body: map[string]any{"country": "FR"}},
	{method: "GET", path: "/webhooks"},
	{method: "POST", path: "/webhooks", body: map[string]any{"url": "https://hooks.example.com/x", "events": []string{"receipt.completed"}}},
	{method: "GET", path: "/webhooks/{victimHook}"},
	{method: "DELETE", path: "/webhooks/{victimHook}"},
	{method: "POST", path: "/webhooks/{victimHook}/secret"},
	{method: "POST", path: "/webhooks/{victimHook}/test"},
	{method: "GET", path: "/webhooks/{victimHook}/deliveries"},
	{method: "POST", path: "/webhooks/deliveries/{victimDelivery}/retry"},
}

// TestTenantRoutesCoverTheAPI keeps tenantRoutes to every route of the
// OpenAPI document but the document itself, so a new route is checked too.
func TestTenantRoutesCoverTheAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, rt := range tenantRoutes {
		p := rt.path
		for _, ph := range []string{"{victimReceipt}", "{victimHook}", "{victimDelivery}"} {
			p = strings.ReplaceAll(p, ph, "{id}")
		}
		covered[rt.method+" "+p] = true
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if route := method + " " + path; path != "/openapi.json" && !covered[route] {
				t.Errorf("%s is not in tenantRoutes: add it", route)
			}
		}
	}
}

// TestNoRequestChoosesItsTenant sends every route, as one tenant, with
// every way of naming another tenant (headers, query, body fields, a
// cursor from the other's list or made up): the request sees and changes
// only its own tenant's data. The tenant comes from the authenticated
// context alone.
func TestNoRequestChoosesItsTenant(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	victim, caller := uniqueTenant("victim"), uniqueTenant("caller")

	// The victim's data: two receipts (so its list has a second page), a
	// webhook with a delivery, settings.
	older := stored(t, e, victim, receipt.Completed, engineFields())
	newer := stored(t, e, victim, receipt.Completed, engineFields())
	hook, _ := createWebhook(t, h, victim)["id"].(string)
	code, delivery, raw := call(t, h, victim, "POST", "/webhooks/"+hook+"/test", "")
	if code != 202 {
		t.Fatalf("test delivery: %d %s", code, raw)
	}
	deliveryID, _ := delivery["id"].(string)
	if code, _, raw := call(t, h, victim, "PUT", "/settings", `{"country":"DE"}`); code != 200 {
		t.Fatalf("victim's settings: %d %s", code, raw)
	}
	secrets := []string{older.ID, newer.ID, hook, deliveryID}

	// The caller's own receipt, which its list must still show.
	own := stored(t, e, caller, receipt.Completed, engineFields())

	before := tenantSnapshot(t, h, victim, newer.ID, hook)

	// Cursors that name the victim: the one its own list hands out, and
	// made-up ones that carry its name.
	code, page, raw := call(t, h, victim, "GET", "/receipts?limit=1", "")
	victimCursor, _ := page["nextCursor"].(string)
	if code != 200 || victimCursor == "" {
		t.Fatalf("victim's first page: %d %s, want a next cursor", code, raw)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	cursors := map[string]string{
		"the victim's own cursor":        victimCursor,
		"tenant/id":                      b64([]byte(victim + "/" + newer.ID)),
		"tenant|id":                      b64([]byte(victim + "|" + newer.ID)),
		"the victim's key":               b64([]byte("TENANT#" + victim + "#RECEIPT#" + newer.ID)),
		"JSON naming the tenant":         b64([]byte(fmt.Sprintf(`{"tenant":%q,"id":%q}`, victim, newer.ID))),
		"the victim's cursor, std codec": base64.StdEncoding.EncodeToString([]byte(newer.ID)),
	}

	replace := strings.NewReplacer("{victimReceipt}", newer.ID, "{victimHook}", hook, "{victimDelivery}", deliveryID)
	check := func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		if w.Code >= 500 {
			t.Errorf("status %d: %.300s", w.Code, w.Body)
		}
		for _, s := range secrets {
			if strings.Contains(w.Body.String(), s) || strings.Contains(fmt.Sprint(w.Header()), s) {
				t.Errorf("the answer names the victim's %s: %d %.300s", s, w.Code, w.Body)
			}
		}
	}
	for _, rt := range tenantRoutes {
		for _, f := range tenantForgeries {
			t.Run(rt.method+" "+rt.path+" "+f.name, func(t *testing.T) {
				w := do(h, caller, forgedRequest(t, rt.method, replace.Replace(rt.path), rt, f.header, f.query, f.body, victim))
				check(t, w)
			})
		}
	}
	for name, c := range cursors {
		for _, f := range tenantForgeries {
			t.Run("GET /receipts with "+name+" "+f.name, func(t *testing.T) {
				rt := tenantRoute{method: "GET", path: "/receipts?limit=5&cursor=" + url.QueryEscape(c)}
				w := do(h, caller, forgedRequest(t, rt.method, rt.path, rt, f.header, f.query, f.body, victim))
				check(t, w)
			})
		}
	}
	// The caller still reaches its own receipt, whatever it forges.
	for _, f := range tenantForgeries {
		rt := tenantRoute{method: "GET", path: "/receipt/" + own.ID}
		w := do(h, caller, forgedRequest(t, rt.method, rt.path, rt, f.header, f.query, f.body, victim))
		if w.Code != 200 || !strings.Contains(w.Body.String(), own.ID) {
			t.Errorf("caller's receipt with %s: %d %.300s, want its receipt %s", f.name, w.Code, w.Body, own.ID)
		}
	}

	if after := tenantSnapshot(t, h, victim, newer.ID, hook); after != before {
		t.Errorf("the victim's data changed:\n got %s\nwas %s", after, before)
	}
}

// forgedRequest builds rt's request with the forgery's headers, query
// parameters and body fields naming victim.
func forgedRequest(t *testing.T, method, path string, rt tenantRoute, header func(string) map[string]string,
	query func(string) url.Values, body func(string) map[string]string, victim string) *http.Request {
	t.Helper()
	if query != nil {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + query(victim).Encode()
	}
	var extra map[string]string
	if body != nil {
		extra = body(victim)
	}
	var r *http.Request
	switch {
	case rt.multipart:
		var buf strings.Builder
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("file", "r.png")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(pngBytes)
		for k, v := range extra {
			_ = mw.WriteField(k, v)
		}
		_ = mw.Close()
		r = httptest.NewRequest(method, path, strings.NewReader(buf.String()))
		r.Header.Set("Content-Type", mw.FormDataContentType())
	case rt.body != nil || extra != nil:
		fields := map[string]any{}
		for k, v := range rt.body {
			fields[k] = v
		}
		for k, v := range extra {
			fields[k] = v
		}
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		r = httptest.NewRequest(method, path, strings.NewReader(string(b)))
		r.Header.Set("Content-Type", "application/json")
		if method == "PATCH" {
			r.Header.Set("Content-Type", "application/merge-patch+json")
			r.Header.Set("If-Match", "*")
		}
	default:
		r = httptest.NewRequest(method, path, nil)
	}
	if header != nil {
		for k, v := range header(victim) {
			r.Header.Set(k, v)
		}
	}
	return r
}

// tenantSnapshot is what tenant sees of its data: its list, a receipt,
// its settings, its webhooks and a webhook's deliveries.
func tenantSnapshot(t *testing.T, h http.Handler, tenant, receiptID, hook string) string {
	t.Helper()
	var parts []string
	for _, path := range []string{"/receipts", "/receipt/" + receiptID, "/settings", "/webhooks", "/webhooks/" + hook + "/deliveries"} {
		_, _, raw := call(t, h, tenant, "GET", path, "")
		parts = append(parts, path+": "+raw)
	}
	slices.Sort(parts)
	return strings.Join(parts, "\n")
}
