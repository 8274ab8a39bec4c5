//go:build integration

package stack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// receiver is a webhook receiver on loopback. It answers each request with
// the status answer gives for its number (from 1), or holds it until
// release is closed when hang is set.
type receiver struct {
	srv     *httptest.Server
	answer  func(n int) int
	hang    bool
	release chan struct{}
	once    sync.Once

	mu      sync.Mutex
	got     []received
	holding int
	maxHeld int
}

// stopHanging makes the receiver answer the requests it holds, and those
// to come.
func (r *receiver) stopHanging() { r.once.Do(func() { close(r.release) }) }

type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer, release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body, time.Now()})
		n := len(r.got)
		r.holding++
		r.maxHeld = max(r.maxHeld, r.holding)
		r.mu.Unlock()
		defer func() { r.mu.Lock(); r.holding--; r.mu.Unlock() }()
		if r.hang {
			select {
			case <-r.release:
			case <-req.Context().Done():
			}
			return
		}
		w.WriteHeader(r.answer(n))
	}))
	t.Cleanup(func() { r.stopHanging(); r.srv.Close() })
	return r
}

func ok200(int) int { return 200 }

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) held() (now, most int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.holding, r.maxHeld
}

// waitRequests waits, within a generous liveness limit, for n requests.
func (r *receiver) waitRequests(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for len(r.requests()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %d requests in 2 minutes, want %d", len(r.requests()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r.requests()
}

// jsonCall sends a JSON request and decodes a JSON object answer.
func (c *client) jsonCall(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	status, raw := c.send(t, method, path, "application/json", rd)
	var out map[string]any
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, status, raw)
		}
	}
	return status, out
}

// register adds an endpoint for url and events; it returns its id and
// secret.
func (c *client) register(t *testing.T, url string, events ...string) (string, string) {
	t.Helper()
	ev, _ := json.Marshal(events)
	status, body := c.jsonCall(t, "POST", "/webhooks", fmt.Sprintf(`{"url":%q,"events":%s}`, url, ev))
	if status != 201 {
		t.Fatalf("register %s: %d %v", url, status, body)
	}
	return body["id"].(string), body["secret"].(string)
}

// deliveries returns the endpoint's delivery log, its first 100.
func (c *client) deliveries(t *testing.T, endpoint string) []map[string]any {
	t.Helper()
	status, body := c.jsonCall(t, "GET", "/webhooks/"+endpoint+"/deliveries?limit=100", "")
	if status != 200 {
		t.Fatalf("deliveries: %d %v", status, body)
	}
	var out []map[string]any
	for _, d := range body["deliveries"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

// waitDelivery waits for the endpoint's one delivery to reach state.
func (c *client) waitDelivery(t *testing.T, endpoint, state string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var last []map[string]any
	for time.Now().Before(deadline) {
		if last = c.deliveries(t, endpoint); len(last) == 1 && last[0]["state"] == state {
			return last[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("delivery log %v: no delivery %s in 2 minutes", last, state)
	return nil
}

func verify(t *testing.T, secret string, r received) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Errorf("the Standard Webhooks verifier refused a delivery: %v\nheaders %v", err, r.header)
	}
}

func sroieReceipt(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestWebhookReceiptEvents: a receipt uploaded after registering an
// endpoint gives exactly one receipt.completed delivery, signed so that the
// Standard Webhooks reference verifier accepts it, then its deletion one
// receipt.deleted.
func TestWebhookReceiptEvents(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "hooks-events")
	rcv := newReceiver(t, ok200)
	ep, secret := c.register(t, rcv.srv.URL+"/hook", "receipt.completed", "receipt.deleted")

	id := c.uploadID(t, "000.jpg", sroieReceipt(t))
	if done := c.waitDone(t, id); done["status"] != "COMPLETED" {
		t.Fatalf("receipt %v", done["status"])
	}
	got := rcv.waitRequests(t, 1)[0]
	verify(t, secret, got)
	var ev struct {
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	if err := json.Unmarshal(got.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "receipt.completed" || ev.Data["uuid"] != id || ev.Data["status"] != "COMPLETED" || ev.Data["fields"] == nil {
		t.Errorf("event %s", got.body)
	}
	d := c.waitDelivery(t, ep, "succeeded")
	if d["eventId"] != got.header.Get("webhook-id") || d["receiptId"] != id || d["attempts"] != 1.0 || d["lastStatusCode"] != 200.0 {
		t.Errorf("delivery log %v", d)
	}

	if status, _ := c.send(t, "DELETE", "/receipt/"+id, "", nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	all := rcv.waitRequests(t, 2)
	verify(t, secret, all[1])
	if !strings.Contains(string(all[1].body), `"type":"receipt.deleted"`) || !strings.Contains(string(all[1].body), id) {
		t.Errorf("second event %s, want the receipt's deletion", all[1].body)
	}
	// Exactly one of each: nothing more arrives.
	time.Sleep(2 * time.Second)
	if n := len(rcv.requests()); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
}

// testWebhookRetries: an endpoint that answers 500 twice and then 200 gets
// the event on the third attempt, with the same webhook-id each time.
func testWebhookRetries(t *testing.T, st *stack.Stack) {
	c := newClient(t, st, "hooks-retries")
	rcv := newReceiver(t, func(n int) int {
		if n <= 2 {
			return 500
		}
		return 200
	})
	ep, secret := c.register(t, rcv.srv.URL+"/", "receipt.failed")
	id := c.uploadID(t, "blank.png", pngBytes)
	if done := c.waitDone(t, id); done["status"] != "FAILED" {
		t.Fatalf("a 1x1 image: %v, want FAILED", done["status"])
	}
	reqs := rcv.waitRequests(t, 3)
	for i, r := range reqs {
		verify(t, secret, r)
		if r.header.Get("webhook-id") != reqs[0].header.Get("webhook-id") {
			t.Errorf("attempt %d has webhook-id %s, the first %s", i+1, r.header.Get("webhook-id"), reqs[0].header.Get("webhook-id"))
		}
	}
	d := c.waitDelivery(t, ep, "succeeded")
	if d["attempts"] != 3.0 || d["eventType"] != "receipt.failed" {
		t.Errorf("delivery log %v", d)
	}
	t.Logf("attempts at +0, +%s, +%s (this stack's WEBHOOK_RETRY_DELAYS: 1s,1s,1s)",
		reqs[1].at.Sub(reqs[0].at).Round(time.Millisecond), reqs[2].at.Sub(reqs[0].at).Round(time.Millisecond))
	if gap := reqs[1].at.Sub(reqs[0].at); gap < time.Second {
		t.Errorf("the first retry came %s after the attempt, before its 1s delay", gap)
	}
}

// TestWebhookRotationAndTests: after a rotation, a test event is signed
// with both secrets, each of which the reference verifier accepts; a test
// event that failed is sent again by a retry asked for.
func TestWebhookRotationAndTests(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "hooks-rotation")
	rcv := newReceiver(t, func(n int) int {
		if n == 1 {
			return 503
		}
		return 204
	})
	ep, old := c.register(t, rcv.srv.URL, "receipt.completed")
	status, rotated := c.jsonCall(t, "POST", "/webhooks/"+ep+"/secret", "")
	if status != 200 || rotated["previousSecretExpiresAt"] == nil {
		t.Fatalf("rotate: %d %v", status, rotated)
	}
	fresh := rotated["secret"].(string)

	status, test := c.jsonCall(t, "POST", "/webhooks/"+ep+"/test", "")
	if status != 202 {
		t.Fatalf("test: %d %v", status, test)
	}
	first := rcv.waitRequests(t, 1)[0]
	if n := strings.Count(first.header.Get("webhook-signature"), "v1,"); n != 2 {
		t.Errorf("%d signatures, want 2 during the rotation", n)
	}
	verify(t, old, first)
	verify(t, fresh, first)
	d := c.waitDelivery(t, ep, "failed")
	if d["attempts"] != 1.0 || d["lastStatusCode"] != 503.0 || d["eventType"] != "webhook.test" {
		t.Errorf("a failed test event: %v, want one attempt", d)
	}

	status, retried := c.jsonCall(t, "POST", "/webhooks/deliveries/"+d["id"].(string)+"/retry", "")
	if status != 202 || retried["state"] != "requested" {
		t.Fatalf("retry: %d %v", status, retried)
	}
	second := rcv.waitRequests(t, 2)[1]
	verify(t, fresh, second)
	if second.header.Get("webhook-id") != first.header.Get("webhook-id") {
		t.Error("a retry has another webhook-id")
	}
	if d := c.waitDelivery(t, ep, "succeeded"); d["attempts"] != 2.0 {
		t.Errorf("after the retry: %v", d)
	}
	if status, _ := c.send(t, "DELETE", "/webhooks/"+ep, "", nil); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _ := c.jsonCall(t, "GET", "/webhooks/"+ep, ""); status != 404 {
		t.Errorf("GET after delete: %d", status)
	}
}

// TestWebhookRegistrationRefused: the stack allows receivers on loopback
// (env.json), nothing else that is not public. Every URL here is an
// address: no name is looked up.
func TestWebhookRegistrationRefused(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "hooks-ssrf")
	for _, u := range []string{"https://10.0.0.1/", "https://172.16.5.4/", "https://192.168.0.1/", "https://169.254.169.254/latest/meta-data/",
		"https://[fd00::1]/", "https://[fe80::1]/", "https://224.0.0.1/", "https://0.0.0.0/", "https://[::]/", "https://[::ffff:10.0.0.1]/",
		"http://93.184.216.34/", "ftp://127.0.0.1/", ""} {
		status, body := c.jsonCall(t, "POST", "/webhooks", fmt.Sprintf(`{"url":%q,"events":["receipt.completed"]}`, u))
		if status != 400 {
			t.Errorf("%q: %d %v, want 400", u, status, body)
		}
	}
}

// TestWebhookDelivery runs, on a stack whose delivery function retries
// after 1 s and gives each attempt 3 s, the tests of retries and of
// isolation.
func TestWebhookDelivery(t *testing.T) {
	st := webhookStack(t, true)
	t.Run("retries", func(t *testing.T) { testWebhookRetries(t, st) })
	t.Run("isolation", func(t *testing.T) { testWebhookIsolation(t, st) })
}

// webhookStack is a stack whose delivery function retries after 1 s and
// gives each attempt 3 s.
func webhookStack(t *testing.T, allowLoopback bool) *stack.Stack {
	t.Helper()
	return ownStack(t, nil, map[string]map[string]string{"WebhookFunction": {
		"WEBHOOK_RETRY_DELAYS": "1s,1s,1s", "WEBHOOK_TIMEOUT": "3s", "WEBHOOK_ALLOW_LOOPBACK": fmt.Sprint(allowLoopback)}})
}

// testWebhookIsolation: one tenant's hanging and dead endpoints slow
// neither another tenant's deliveries nor anyone's processing.
func testWebhookIsolation(t *testing.T, st *stack.Stack) {
	slow, quick, dead := newClient(t, st, "hooks-slow"), newClient(t, st, "hooks-quick"), newClient(t, st, "hooks-dead")

	hanging := newReceiver(t, ok200)
	hanging.hang = true
	slowEp, _ := slow.register(t, hanging.srv.URL, "receipt.failed")
	testEvent := func(c *client, ep string) {
		t.Helper()
		if status, _ := c.jsonCall(t, "POST", "/webhooks/"+ep+"/test", ""); status != 202 {
			t.Fatal("test event refused")
		}
	}
	// A first attempt times out: the endpoint is failing.
	testEvent(slow, slowEp)
	slow.waitDelivery(t, slowEp, "failed")
	// Then a burst of its events and a receipt: one attempt at a time
	// hangs, the rest wait on the queue, holding no invocation.
	for range 20 {
		testEvent(slow, slowEp)
	}
	id := slow.uploadID(t, "blank.png", pngBytes)
	start := time.Now()
	if done := slow.waitDone(t, id); done["status"] != "FAILED" {
		t.Fatalf("receipt %v", done["status"])
	}
	t.Logf("a receipt of the tenant whose endpoint hangs finished in %s", time.Since(start).Round(time.Millisecond))

	// Another tenant's event arrives while the first tenant's wait.
	fast := newReceiver(t, ok200)
	quickEp, secret := quick.register(t, fast.srv.URL, "receipt.completed")
	sent := time.Now()
	testEvent(quick, quickEp)
	got := fast.waitRequests(t, 1)[0]
	verify(t, secret, got)
	waiting := 0
	for _, d := range slow.deliveries(t, slowEp) {
		if d["state"] == "requested" {
			waiting++
		}
	}
	_, most := hanging.held()
	t.Logf("another tenant's event arrived after %s, with %d deliveries of the first tenant waiting; at most %d attempts hung at once",
		got.at.Sub(sent).Round(time.Millisecond), waiting, most)
	if waiting == 0 {
		t.Error("the other tenant's event arrived only after the first tenant's deliveries were done")
	}
	if most > 1 {
		t.Errorf("%d attempts hung at once on a failing endpoint, want one at a time", most)
	}

	// A dead endpoint (nothing listens): the attempt and its three retries
	// fail, and the delivery ends failed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String() + "/"
	ln.Close()
	deadEp, _ := dead.register(t, deadURL, "receipt.failed")
	dead.waitDone(t, dead.uploadID(t, "blank.png", pngBytes))
	d := dead.waitDelivery(t, deadEp, "failed")
	if d["attempts"] != 4.0 || !strings.Contains(fmt.Sprint(d["lastError"]), "refused") {
		t.Errorf("delivery to a dead endpoint: %v", d)
	}

	// The hanging endpoint comes back: what waited is delivered.
	hanging.stopHanging()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		ds := slow.deliveries(t, slowEp)
		states := map[any]int{}
		for _, d := range ds {
			states[d["state"]]++
		}
		if len(ds) == 22 && states["requested"] == 0 && states["pending"] == 0 {
			t.Logf("deliveries to the endpoint that hung: %v", states)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries to the endpoint that hung: %v", states)
		}
	}
}

// TestWebhookConnectTimeCheck: with loopback refused by the delivery
// function (as in AWS) but allowed at registration, an endpoint on
// localhost is registered, and its delivery is refused when the name
// resolves to 127.0.0.1, before connecting: the receiver gets nothing.
func TestWebhookConnectTimeCheck(t *testing.T) {
	st := webhookStack(t, false)
	c := newClient(t, st, "hooks-connect")
	rcv := newReceiver(t, ok200)
	u := strings.Replace(rcv.srv.URL, "127.0.0.1", "localhost", 1)
	ep, _ := c.register(t, u, "receipt.completed")
	if status, _ := c.jsonCall(t, "POST", "/webhooks/"+ep+"/test", ""); status != 202 {
		t.Fatal("test event refused")
	}
	d := c.waitDelivery(t, ep, "failed")
	if !strings.Contains(fmt.Sprint(d["lastError"]), "refused: localhost resolves to 127.0.0.1, a loopback address") {
		t.Errorf("delivery %v, want refused at connect time", d)
	}
	if n := len(rcv.requests()); n != 0 {
		t.Errorf("the receiver got %d requests", n)
	}
}
