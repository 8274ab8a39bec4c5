package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/webhook"
)

// testGuard checks endpoint URLs as in AWS (no loopback), resolving names
// from a table: no test asks a name server anything.
var testGuard = webhook.Guard{Resolver: webhook.Hosts{
	"hooks.example.com": {"93.184.216.34"},
	"localhost":         {"127.0.0.1"},
	"internal.test":     {"10.1.2.3"},
}}

func uniqueTenant(prefix string) string { return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()) }

// call sends a JSON request as tenant and decodes the answer into a map.
func call(t *testing.T, h http.Handler, tenant, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	w := do(h, tenant, httptest.NewRequest(method, path, strings.NewReader(body)))
	var out map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d %s: not a JSON object", method, path, w.Code, w.Body)
		}
	}
	return w.Code, out, w.Body.String()
}

func createWebhook(t *testing.T, h http.Handler, tenant string) map[string]any {
	t.Helper()
	code, body, raw := call(t, h, tenant, "POST", "/webhooks", `{"url":"https://hooks.example.com/r","events":["receipt.failed","receipt.completed"],"description":"books"}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, raw)
	}
	return body
}

func TestWebhookEndpoints(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tenant := uniqueTenant("hooks")
	created := createWebhook(t, h, tenant)
	id, _ := created["id"].(string)
	secret, _ := created["secret"].(string)
	if !webhook.ValidID(id) || !strings.HasPrefix(secret, "whsec_") || created["status"] != "enabled" ||
		fmt.Sprint(created["events"]) != "[receipt.completed receipt.failed]" || created["description"] != "books" {
		t.Fatalf("created %v", created)
	}
	code, got, raw := call(t, h, tenant, "GET", "/webhooks/"+id, "")
	if code != 200 || got["url"] != "https://hooks.example.com/r" || strings.Contains(raw, "whsec_") {
		t.Errorf("GET: %d %s (the secret is shown once, at creation)", code, raw)
	}
	if code, list, raw := call(t, h, tenant, "GET", "/webhooks", ""); code != 200 || len(list["webhooks"].([]any)) != 1 || strings.Contains(raw, "whsec_") {
		t.Errorf("list: %d %s", code, raw)
	}
	other := uniqueTenant("other")
	for _, req := range [][2]string{{"GET", "/webhooks/" + id}, {"DELETE", "/webhooks/" + id}, {"POST", "/webhooks/" + id + "/secret"},
		{"POST", "/webhooks/" + id + "/test"}, {"GET", "/webhooks/" + id + "/deliveries"}, {"GET", "/webhooks/not-an-id"}} {
		if code, _, raw := call(t, h, other, req[0], req[1], ""); code != 404 || raw != `{"error":"webhook not found"}` {
			t.Errorf("%s %s as another tenant: %d %s, want 404", req[0], req[1], code, raw)
		}
	}
	if code, _, _ := call(t, h, other, "GET", "/webhooks", ""); code != 200 {
		t.Errorf("another tenant's list: %d", code)
	}
	if code, _, _ := call(t, h, "", "GET", "/webhooks", ""); code != 401 {
		t.Errorf("no tenant: %d, want 401", code)
	}

	// Rotation: a new secret, the old one signing for a day more.
	code, rotated, raw := call(t, h, tenant, "POST", "/webhooks/"+id+"/secret", "")
	until, _ := time.Parse(time.RFC3339, fmt.Sprint(rotated["previousSecretExpiresAt"]))
	if code != 200 || rotated["secret"] == secret || !strings.HasPrefix(fmt.Sprint(rotated["secret"]), "whsec_") ||
		time.Until(until) < 23*time.Hour || time.Until(until) > 25*time.Hour {
		t.Errorf("rotate: %d %s", code, raw)
	}

	if code, _, raw := call(t, h, tenant, "DELETE", "/webhooks/"+id, ""); code != 204 {
		t.Errorf("delete: %d %s", code, raw)
	}
	if code, _, _ := call(t, h, tenant, "GET", "/webhooks/"+id, ""); code != 404 {
		t.Errorf("GET after delete: %d, want 404", code)
	}
}

// TestWebhookRequestsRefused: every bad registration is a 400 that says
// why, and stores nothing.
func TestWebhookRequestsRefused(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tenant := uniqueTenant("refused")
	tests := []struct{ name, body, want string }{
		{"not JSON", `{"url":`, `body must be JSON`},
		{"no url", `{"events":["receipt.completed"]}`, "url is required"},
		{"no events", `{"url":"https://hooks.example.com/"}`, "events must name at least one of"},
		{"unknown event", `{"url":"https://hooks.example.com/","events":["receipt.made"]}`, `unknown event \"receipt.made\"`},
		{"http", `{"url":"http://hooks.example.com/","events":["receipt.completed"]}`, "must use https"},
		{"no scheme", `{"url":"hooks.example.com/x","events":["receipt.completed"]}`, "absolute https:// URL"},
		{"loopback", `{"url":"https://127.0.0.1/","events":["receipt.completed"]}`, "loopback"},
		{"localhost", `{"url":"https://localhost:8443/","events":["receipt.completed"]}`, "localhost resolves to 127.0.0.1, a loopback address"},
		{"private name", `{"url":"https://internal.test/","events":["receipt.completed"]}`, "private"},
		{"private", `{"url":"https://10.0.0.1/","events":["receipt.completed"]}`, "private"},
		{"metadata", `{"url":"https://169.254.169.254/latest","events":["receipt.completed"]}`, "cloud metadata"},
		{"unique local v6", `{"url":"https://[fd00::1]/","events":["receipt.completed"]}`, "private"},
		{"multicast", `{"url":"https://224.0.0.1/","events":["receipt.completed"]}`, "multicast"},
		{"unspecified", `{"url":"https://0.0.0.0/","events":["receipt.completed"]}`, "unspecified"},
		{"unspecified v6", `{"url":"https://[::]/","events":["receipt.completed"]}`, "unspecified"},
		{"credentials", `{"url":"https://a:b@hooks.example.com/","events":["receipt.completed"]}`, "user name or password"},
		{"long description", `{"url":"https://hooks.example.com/","events":["receipt.completed"],"description":"` + strings.Repeat("d", 600) + `"}`, "description must be at most 512 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, raw := call(t, h, tenant, "POST", "/webhooks", tt.body)
			if code != 400 || !strings.Contains(raw, tt.want) {
				t.Errorf("got %d %s, want 400 with %q", code, raw, tt.want)
			}
		})
	}
	if _, list, _ := call(t, h, tenant, "GET", "/webhooks", ""); len(list["webhooks"].([]any)) != 0 {
		t.Errorf("refused registrations stored: %v", list)
	}
}

func TestWebhookLimit(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tenant := uniqueTenant("limit")
	for range webhook.MaxEndpoints {
		createWebhook(t, h, tenant)
	}
	code, _, raw := call(t, h, tenant, "POST", "/webhooks", `{"url":"https://hooks.example.com/11","events":["receipt.deleted"]}`)
	if code != 409 || raw != `{"error":"a tenant may have at most 10 webhooks: delete one first"}` {
		t.Errorf("11th: %d %s", code, raw)
	}
	if code, _, _ := call(t, h, uniqueTenant("another"), "POST", "/webhooks", `{"url":"https://hooks.example.com/","events":["receipt.deleted"]}`); code != 201 {
		t.Errorf("another tenant's first: %d", code)
	}
}

// TestTestEventsAndDeliveryLog: test events are logged deliveries, listed
// newest first a page at a time, and can be sent again.
func TestTestEventsAndDeliveryLog(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tenant := uniqueTenant("log")
	id := createWebhook(t, h, tenant)["id"].(string)
	var sent []string
	for range 3 {
		code, d, raw := call(t, h, tenant, "POST", "/webhooks/"+id+"/test", "")
		if code != 202 || d["eventType"] != "webhook.test" || d["state"] != "requested" || d["webhookId"] != id {
			t.Fatalf("test: %d %s", code, raw)
		}
		sent = append(sent, d["id"].(string))
		time.Sleep(2 * time.Millisecond) // ids ordered by creation
	}
	var pages [][]string
	cursor := ""
	for len(pages) < 5 {
		code, page, raw := call(t, h, tenant, "GET", "/webhooks/"+id+"/deliveries?limit=2"+cursor, "")
		if code != 200 {
			t.Fatalf("deliveries: %d %s", code, raw)
		}
		var ids []string
		for _, d := range page["deliveries"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		pages = append(pages, ids)
		next, ok := page["nextCursor"].(string)
		if !ok {
			break
		}
		cursor = "&cursor=" + next
	}
	if want := [][]string{{sent[2], sent[1]}, {sent[0]}}; fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("pages %v, want %v", pages, want)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=!!", "cursor=bm90LWFuLWlk"} {
		if code, _, _ := call(t, h, tenant, "GET", "/webhooks/"+id+"/deliveries?"+q, ""); code != 400 {
			t.Errorf("deliveries?%s: %d, want 400", q, code)
		}
	}

	code, d, raw := call(t, h, tenant, "POST", "/webhooks/deliveries/"+sent[0]+"/retry", "")
	if code != 202 || d["id"] != sent[0] || d["state"] != "requested" {
		t.Errorf("retry: %d %s", code, raw)
	}
	for _, who := range []string{uniqueTenant("stranger"), tenant} {
		path := "/webhooks/deliveries/" + sent[0] + "/retry"
		if who == tenant {
			path = "/webhooks/deliveries/0193c1de-0000-7000-8000-000000000001/retry"
		}
		if code, _, raw := call(t, h, who, "POST", path, ""); code != 404 || raw != `{"error":"delivery not found"}` {
			t.Errorf("retry of a delivery that is not the caller's: %d %s", code, raw)
		}
	}
}
