//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/webhook"
)

// TestNoRequestChoosesItsTenantEndToEnd sends every route, with a
// tenant's key, through the gateway, the authorizer, the functions'
// adapter and handlers to the store, naming another tenant every way a
// request can (headers, query parameters, body fields, a cursor from the
// other's list or made up): the request sees and changes only its own
// tenant's data.
func TestNoRequestChoosesItsTenantEndToEnd(t *testing.T) {
	st, _ := sharedStack(t)
	const victimName, callerName = "tenant-victim", "tenant-caller"
	victim := newClient(t, st, victimName)
	ctx := context.Background()

	// The victim's data: two finished receipts (its list has a second
	// page), a webhook, settings.
	older := victim.uploadID(t, "a.png", pngBytes)
	newer := victim.uploadID(t, "b.png", pngBytes)
	victim.waitDone(t, older)
	victim.waitDone(t, newer)
	hookID, err := webhook.NewID()
	if err != nil {
		t.Fatal(err)
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// Stored directly: registering through the API resolves the URL's
	// name. It listens for no event these requests could cause.
	if err := st.Store().CreateEndpoint(ctx, &webhook.Endpoint{ID: hookID, Tenant: victimName, URL: "https://127.0.0.1:1/",
		Events: []string{"receipt.deleted"}, Secret: secret, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if status, body := victim.send(t, "PUT", "/settings", "application/json", strings.NewReader(`{"country":"DE"}`)); status != 200 {
		t.Fatalf("victim's settings: %d %s", status, body)
	}
	status, body := victim.send(t, "GET", "/receipts?limit=1", "", nil)
	var page struct {
		NextCursor string `json:"nextCursor"`
	}
	if err := json.Unmarshal([]byte(body), &page); status != 200 || err != nil || page.NextCursor == "" {
		t.Fatalf("victim's first page: %d %s, want a next cursor", status, body)
	}
	secrets := []string{older, newer, hookID}
	snapshot := func() string {
		var b strings.Builder
		for _, p := range []string{"/receipts", "/receipt/" + newer, "/settings", "/webhooks"} {
			status, body := victim.send(t, "GET", p, "", nil)
			fmt.Fprintf(&b, "%s: %d %s\n", p, status, body)
		}
		return b.String()
	}
	before := snapshot()

	b64 := base64.RawURLEncoding.EncodeToString
	cursors := map[string]string{
		"the victim's own cursor": page.NextCursor,
		"tenant/id":               b64([]byte(victimName + "/" + newer)),
		"tenant|id":               b64([]byte(victimName + "|" + newer)),
		"the victim's key":        b64([]byte("TENANT#" + victimName + "#RECEIPT#" + newer)),
		"JSON naming the tenant":  b64([]byte(fmt.Sprintf(`{"tenant":%q,"id":%q}`, victimName, newer))),
	}
	type route struct {
		name, method, path string
		body               string // JSON; "multipart" for an upload
	}
	routes := []route{
		{"", "POST", "/receipt", "multipart"},
		{"", "POST", "/receipt/uploads", `{"filename":"r.png","contentType":"image/png","size":69}`},
		{"", "GET", "/receipt/" + newer, ""},
		{"", "PATCH", "/receipt/" + newer, `{"fields":{"total":"1.00"}}`},
		{"", "DELETE", "/receipt/" + newer, ""},
		{"", "POST", "/receipt/" + newer + "/reprocess", `{}`},
		{"", "GET", "/receipts", ""},
		{"", "GET", "/settings", ""},
		{"", "PUT", "/settings", `{"country":"FR"}`},
		{"", "GET", "/webhooks", ""},
		{"", "POST", "/webhooks", `{"url":"https://127.0.0.1:1/x","events":["receipt.completed"]}`},
		{"", "GET", "/webhooks/" + hookID, ""},
		{"", "DELETE", "/webhooks/" + hookID, ""},
		{"", "POST", "/webhooks/" + hookID + "/secret", ""},
		{"", "POST", "/webhooks/" + hookID + "/test", ""},
		{"", "GET", "/webhooks/" + hookID + "/deliveries", ""},
		{"", "POST", "/webhooks/deliveries/" + hookID + "/retry", ""},
	}
	for name, c := range cursors {
		routes = append(routes, route{"GET /receipts with " + name, "GET", "/receipts?limit=5&cursor=" + url.QueryEscape(c), ""})
	}
	forgeries := []struct {
		name   string
		header map[string]string
		query  string
		body   map[string]string
	}{
		{name: "none"},
		{name: "x-tenant-id", header: map[string]string{"x-tenant-id": victimName}},
		{name: "X-Tenant", header: map[string]string{"X-Tenant": victimName}},
		{name: "tenant header", header: map[string]string{"tenant": victimName}},
		{name: "query", query: "tenant=" + victimName + "&tenantId=" + victimName},
		{name: "body", body: map[string]string{"tenant": victimName, "tenantId": victimName}},
	}
	for _, rt := range routes {
		if rt.name == "" {
			rt.name = rt.method + " " + rt.path
		}
		for _, f := range forgeries {
			t.Run(rt.name+" "+f.name, func(t *testing.T) {
				path := rt.path
				if f.query != "" {
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					path += sep + f.query
				}
				contentType, data := forgedBody(t, rt.body, f.body)
				// A key of its own: the gateway caches the authorizer's
				// answer by key, and the first request with a key is the one
				// the authorizer sees.
				caller := &client{base: st.APIURL, key: newKey(t, st, callerName)}
				status, out, header := caller.sendWith(t, rt.method, path, contentType, bytes.NewReader(data), f.header)
				if status >= 500 {
					t.Errorf("%d %.300s", status, out)
				}
				for _, s := range secrets {
					if strings.Contains(out, s) || strings.Contains(fmt.Sprint(header), s) {
						t.Errorf("the answer names the victim's %s: %d %.300s", s, status, out)
					}
				}
			})
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("the victim's data changed:\n got %s\nwas %s", after, before)
	}
}

// forgedBody is a route's body (JSON, "multipart" for an upload of a
// PNG, or none) with the given fields added.
func forgedBody(t *testing.T, body string, fields map[string]string) (string, []byte) {
	t.Helper()
	if body == "multipart" {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("file", "r.png")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(pngBytes)
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		_ = mw.Close()
		return mw.FormDataContentType(), buf.Bytes()
	}
	if body == "" && fields == nil {
		return "", nil
	}
	m := map[string]any{}
	if body != "" {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return "application/json", b
}
