package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

type webhooksCmd struct {
	Add        addWebhookCmd    `cmd:"" help:"Register an endpoint; prints its signing secret, once."`
	List       listWebhooksCmd  `cmd:"" help:"List your endpoints."`
	Remove     removeWebhookCmd `cmd:"" help:"Remove an endpoint."`
	Deliveries deliveriesCmd    `cmd:"" help:"An endpoint's delivery log, newest first."`
	Listen     listenCmd        `cmd:"" help:"Receive events on this machine and print them, verified (local stack)."`
}

// defaultEvents are what an endpoint added without --events gets.
var defaultEvents = []string{"receipt.completed", "receipt.failed", "receipt.deleted"}

type addWebhookCmd struct {
	URL         string   `arg:"" name:"url" help:"Where events are sent (https://; the local stack also takes http://127.0.0.1)."`
	Events      []string `help:"Events to send (default: all)." placeholder:"EVENT,..."`
	Description string   `help:"A note for yourself."`
}

// webhookJSON is an endpoint as the API returns it.
type webhookJSON = map[string]any

func (a *addWebhookCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	w, err := c.addWebhook(ctx, a.URL, a.Events, a.Description)
	if err != nil {
		return err
	}
	if cfg.json {
		printJSON(cfg, w)
		return nil
	}
	fmt.Fprintf(cfg.out, "%s\t%s\nsecret: %s (shown once: keep it to verify signatures)\n", str(w["id"]), str(w["url"]), str(w["secret"]))
	return nil
}

func (c *client) addWebhook(ctx context.Context, u string, events []string, description string) (webhookJSON, error) {
	if len(events) == 0 {
		events = defaultEvents
	}
	body, _ := json.Marshal(map[string]any{"url": u, "events": events, "description": description})
	var w webhookJSON
	err := c.do(ctx, "POST", "/webhooks", "application/json", func() io.Reader { return bytes.NewReader(body) }, &w)
	return w, err
}

type listWebhooksCmd struct{}

func (listWebhooksCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	var out struct {
		Webhooks []webhookJSON `json:"webhooks"`
	}
	if err := c.do(ctx, "GET", "/webhooks", "", nil, &out); err != nil {
		return err
	}
	if cfg.json {
		printJSON(cfg, out.Webhooks)
		return nil
	}
	w := tabwriter.NewWriter(cfg.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tEVENTS\tURL")
	for _, h := range out.Webhooks {
		events, _ := h["events"].([]any)
		names := make([]string, len(events))
		for i, e := range events {
			names[i] = str(e)
		}
		status := str(h["status"])
		if r := str(h["disabledReason"]); r != "" {
			status += " (" + r + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", str(h["id"]), status, strings.Join(names, ","), str(h["url"]))
	}
	return w.Flush()
}

type removeWebhookCmd struct {
	ID string `arg:"" name:"id" help:"The endpoint's id."`
}

func (r *removeWebhookCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	if err := c.do(ctx, "DELETE", "/webhooks/"+url.PathEscape(r.ID), "", nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(cfg.out, "removed %s\n", r.ID)
	return nil
}

type deliveriesCmd struct {
	ID    string `arg:"" name:"id" help:"The endpoint's id."`
	Limit int    `help:"Deliveries to show." default:"20"`
}

func (d *deliveriesCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	var all []map[string]any
	cursor := ""
	for len(all) < d.Limit {
		q := url.Values{"limit": {fmt.Sprint(min(d.Limit-len(all), 100))}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Deliveries []map[string]any `json:"deliveries"`
			NextCursor string           `json:"nextCursor"`
		}
		if err := c.do(ctx, "GET", "/webhooks/"+url.PathEscape(d.ID)+"/deliveries?"+q.Encode(), "", nil, &page); err != nil {
			return err
		}
		all = append(all, page.Deliveries...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if cfg.json {
		printJSON(cfg, all)
		return nil
	}
	w := tabwriter.NewWriter(cfg.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCREATED\tEVENT\tRECEIPT\tSTATE\tATTEMPTS\tSTATUS\tERROR\tNEXT")
	for _, x := range all {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", str(x["id"]), str(x["createdAt"]), str(x["eventType"]), str(x["receiptId"]),
			str(x["state"]), str(x["attempts"]), str(x["lastStatusCode"]), str(x["lastError"]), str(x["nextAttemptAt"]))
	}
	return w.Flush()
}

// listenCmd is `receipts webhooks listen`: a receiver on this machine,
// registered for as long as it runs, that prints each event and whether
// its signature verifies. It needs a stack that allows receivers on
// loopback: the local one does.
type listenCmd struct {
	Events []string `help:"Events to receive (default: all)." placeholder:"EVENT,..."`
	Port   int      `help:"Port to listen on, on 127.0.0.1 (default: a free one)."`
}

func (l *listenCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", l.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	recv := &listener{cfg: cfg}
	srv := &http.Server{Handler: recv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	w, err := c.addWebhook(ctx, "http://"+ln.Addr().String()+"/", l.Events, "receipts webhooks listen")
	if err != nil {
		return fmt.Errorf("register the receiver: %w", err)
	}
	id := str(w["id"])
	if recv.wh, err = standardwebhooks.NewWebhook(str(w["secret"])); err != nil {
		return err
	}
	// Removed however listening ends, even when ctx is already done.
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := c.do(rctx, "DELETE", "/webhooks/"+url.PathEscape(id), "", nil, nil); err != nil {
			fmt.Fprintf(cfg.errOut, "remove webhook %s: %v\n", id, err)
		}
	}()
	fmt.Fprintf(cfg.errOut, "Listening on http://%s/ as webhook %s; Ctrl-C stops and removes it.\n", ln.Addr(), id)
	<-ctx.Done()
	return nil
}

// listener prints each event it receives and answers 204, or 400 when its
// signature does not verify.
type listener struct {
	cfg *config
	wh  *standardwebhooks.Webhook
	mu  sync.Mutex
}

func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	verr := l.wh.Verify(body, r.Header)
	var ev struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &ev)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.json {
		printJSON(l.cfg, map[string]any{"id": r.Header.Get("webhook-id"), "verified": verr == nil, "event": json.RawMessage(body)})
	} else {
		verdict := "signature verified"
		if verr != nil {
			verdict = "SIGNATURE INVALID: " + verr.Error()
		}
		var data map[string]any
		_ = json.Unmarshal(ev.Data, &data)
		fmt.Fprintf(l.cfg.out, "%s  %-18s %s  %s  (%s)\n", ev.Timestamp, ev.Type, str(data["uuid"]), str(data["status"]), verdict)
	}
	if verr != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
