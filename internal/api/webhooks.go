package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

// Webhooks stores a tenant's webhook endpoints and their delivery log.
type Webhooks interface {
	CreateEndpoint(ctx context.Context, e *webhook.Endpoint) error
	ListEndpoints(ctx context.Context, tenant string) ([]*webhook.Endpoint, error)
	GetEndpoint(ctx context.Context, tenant, id string) (*webhook.Endpoint, error)
	DeleteEndpoint(ctx context.Context, tenant, id string) error
	RotateSecret(ctx context.Context, tenant, id string, secret webhook.Secret, now time.Time) (*webhook.Endpoint, error)
	CreateDelivery(ctx context.Context, d *webhook.Delivery) error
	ListDeliveries(ctx context.Context, tenant, endpointID string, limit int, after string, now time.Time) ([]*webhook.Delivery, string, error)
	FindDelivery(ctx context.Context, tenant, id string, endpointIDs []string, now time.Time) (*webhook.Delivery, error)
	RequestRetry(ctx context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error)
}

// URLChecker says whether webhooks may be sent to a URL (webhook.Guard).
type URLChecker interface {
	CheckURL(ctx context.Context, raw string) (string, error)
}

// WithWebhooks gives the Server its webhook store and the check of
// endpoint URLs.
func WithWebhooks(w Webhooks, urls URLChecker) Option {
	return func(s *Server) { s.hooks, s.urls = w, urls }
}

var (
	errBadWebhookJSON = receipt.NewError(receipt.BadInput, `body must be JSON {"url","events","description"}`)
	errNoEvents       = receipt.NewError(receipt.BadInput, "events must name at least one of "+strings.Join(webhook.EventTypes, ", "))
	errBadDescription = receipt.Errorf(receipt.BadInput, "description must be at most %d bytes of UTF-8", webhook.MaxDescriptionBytes)
	errBadDeliveryCur = receipt.NewError(receipt.BadInput, "invalid cursor")
)

// maxWebhookBody bounds a POST /webhooks body: a URL, three event names
// and a description fit many times over.
const maxWebhookBody = 16 << 10

// WebhooksHandler serves the /webhooks routes, the function
// WebhookAPIFunction runs.
func (s *Server) WebhooksHandler() http.Handler { return routes(s.webhookRoutes()) }

func (s *Server) webhookRoutes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"POST /webhooks":                       s.createWebhook,
		"GET /webhooks":                        s.listWebhooks,
		"GET /webhooks/{id}":                   s.getWebhook,
		"DELETE /webhooks/{id}":                s.deleteWebhook,
		"POST /webhooks/{id}/secret":           s.rotateSecret,
		"POST /webhooks/{id}/test":             s.testWebhook,
		"GET /webhooks/{id}/deliveries":        s.listDeliveries,
		"POST /webhooks/deliveries/{id}/retry": s.retryDelivery,
	}
}

type webhookRequest struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// endpointBody is an endpoint as clients see it. Secret is there only in
// the answers that create it (POST /webhooks, POST /webhooks/{id}/secret).
type endpointBody struct {
	ID                      string     `json:"id"`
	URL                     string     `json:"url"`
	Events                  []string   `json:"events"`
	Description             string     `json:"description,omitempty"`
	Status                  string     `json:"status"`
	DisabledAt              *time.Time `json:"disabledAt,omitempty"`
	DisabledReason          string     `json:"disabledReason,omitempty"`
	FailingSince            *time.Time `json:"failingSince,omitempty"`
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt,omitempty"`
	Secret                  string     `json:"secret,omitempty"`
	CreatedAt               time.Time  `json:"createdAt"`
	UpdatedAt               time.Time  `json:"updatedAt"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) endpointOf(e *webhook.Endpoint) endpointBody {
	b := endpointBody{ID: e.ID, URL: e.URL, Events: e.Events, Description: e.Description, Status: "enabled",
		FailingSince: optionalTime(e.FailingSince), CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if e.Disabled {
		b.Status, b.DisabledAt, b.DisabledReason = "disabled", optionalTime(e.DisabledAt), e.DisabledReason
	}
	if e.PreviousSecret != "" && s.now().Before(e.PreviousSecretUntil) {
		b.PreviousSecretExpiresAt = optionalTime(e.PreviousSecretUntil)
	}
	return b
}

// callersEndpoint returns the caller's endpoint named by the {id} path
// value, or answers the request (401, 404) and returns false.
func (s *Server) callersEndpoint(w http.ResponseWriter, r *http.Request) (*webhook.Endpoint, bool) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return nil, false
	}
	id := r.PathValue("id")
	if !webhook.ValidID(id) {
		s.fail(w, r, webhook.ErrEndpointNotFound)
		return nil, false
	}
	e, err := s.hooks.GetEndpoint(r.Context(), tenant, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return e, true
}

// createWebhook is POST /webhooks: the URL is checked (scheme, and every
// address its host resolves to), and the new endpoint's secret is shown
// this once.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	var req webhookRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxWebhookBody)).Decode(&req); err != nil {
		s.fail(w, r, errBadWebhookJSON)
		return
	}
	events, cerr := checkEvents(req.Events)
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	if len(req.Description) > webhook.MaxDescriptionBytes || !utf8.ValidString(req.Description) {
		s.fail(w, r, errBadDescription)
		return
	}
	url, err := s.urls.CheckURL(r.Context(), req.URL)
	if err != nil {
		s.fail(w, r, urlError(err))
		return
	}
	id, err := webhook.NewID()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now().UTC()
	e := &webhook.Endpoint{ID: id, Tenant: tenant, URL: url, Description: req.Description, Events: events,
		Secret: secret, CreatedAt: now, UpdatedAt: now}
	if err := s.hooks.CreateEndpoint(r.Context(), e); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook endpoint created", "tenant", tenant, "endpoint", id)
	body := s.endpointOf(e)
	body.Secret = secret.Reveal()
	writeJSON(w, http.StatusCreated, body)
}

// checkEvents returns the events asked for, each once, in the order of
// webhook.EventTypes.
func checkEvents(asked []string) ([]string, *receipt.Error) {
	for _, e := range asked {
		if !slices.Contains(webhook.EventTypes, e) {
			return nil, receipt.Errorf(receipt.BadInput, "unknown event %q: events are %s", e, strings.Join(webhook.EventTypes, ", "))
		}
	}
	var out []string
	for _, e := range webhook.EventTypes {
		if slices.Contains(asked, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, errNoEvents
	}
	return out, nil
}

// urlError answers a URL that may not be used with its reason; anything
// else (the check itself failed) is not the caller's mistake.
func urlError(err error) error {
	var ue *webhook.URLError
	var be *webhook.BlockedError
	if errors.As(err, &ue) || errors.As(err, &be) {
		return receipt.NewError(receipt.BadInput, "url refused: "+err.Error())
	}
	return err
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	eps, err := s.hooks.ListEndpoints(r.Context(), tenant)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Webhooks []endpointBody `json:"webhooks"`
	}{Webhooks: make([]endpointBody, 0, len(eps))}
	for _, e := range eps {
		out.Webhooks = append(out.Webhooks, s.endpointOf(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	if e, ok := s.callersEndpoint(w, r); ok {
		writeJSON(w, http.StatusOK, s.endpointOf(e))
	}
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	e, ok := s.callersEndpoint(w, r)
	if !ok {
		return
	}
	if err := s.hooks.DeleteEndpoint(r.Context(), e.Tenant, e.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook endpoint deleted", "tenant", e.Tenant, "endpoint", e.ID)
	w.WriteHeader(http.StatusNoContent)
}

// rotateSecret is POST /webhooks/{id}/secret: a new secret, shown this
// once; the old one signs beside it for webhook.SecretOverlap.
func (s *Server) rotateSecret(w http.ResponseWriter, r *http.Request) {
	e, ok := s.callersEndpoint(w, r)
	if !ok {
		return
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e, err = s.hooks.RotateSecret(r.Context(), e.Tenant, e.ID, secret, s.now().UTC()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook secret rotated", "tenant", e.Tenant, "endpoint", e.ID)
	body := s.endpointOf(e)
	body.Secret = secret.Reveal()
	writeJSON(w, http.StatusOK, body)
}

// testWebhook is POST /webhooks/{id}/test: a webhook.test event, sent now,
// once, and logged like any delivery (even to a disabled endpoint, which a
// success enables again).
func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	e, ok := s.callersEndpoint(w, r)
	if !ok {
		return
	}
	now := s.now().UTC()
	payload, err := json.Marshal(map[string]any{"type": webhook.Test, "timestamp": now.Format(time.RFC3339),
		"data": map[string]string{"webhookId": e.ID, "message": "a test event, sent by POST /webhooks/{id}/test"}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := webhook.NewID()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &webhook.Delivery{ID: id, Tenant: e.Tenant, EndpointID: e.ID, EventID: id, EventType: webhook.Test,
		Payload: payload, State: webhook.Requested, Manual: true, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(webhook.DeliveryRetention)}
	if err := s.hooks.CreateDelivery(r.Context(), d); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, deliveryOf(d))
}

// deliveryBody is a delivery as clients see it in the delivery log.
type deliveryBody struct {
	ID             string     `json:"id"`
	WebhookID      string     `json:"webhookId"`
	EventID        string     `json:"eventId"`
	EventType      string     `json:"eventType"`
	ReceiptID      string     `json:"receiptId,omitempty"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	LastStatusCode int        `json:"lastStatusCode,omitempty"`
	LastError      string     `json:"lastError,omitempty"`
	LastResponse   string     `json:"lastResponse,omitempty"`
	LatencyMs      *int64     `json:"latencyMs,omitempty"`
	LastAttemptAt  *time.Time `json:"lastAttemptAt,omitempty"`
	NextAttemptAt  *time.Time `json:"nextAttemptAt,omitempty"`
	CreatedAt      time.Time  `json:"createdAt"`
	ExpiresAt      time.Time  `json:"expiresAt"`
}

func deliveryOf(d *webhook.Delivery) deliveryBody {
	b := deliveryBody{ID: d.ID, WebhookID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, ReceiptID: d.ReceiptID,
		State: string(d.State), Attempts: d.Attempts, LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		LastResponse: d.LastResponse, LastAttemptAt: optionalTime(d.LastAttemptAt), NextAttemptAt: optionalTime(d.NextAttemptAt),
		CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}
	if d.Attempts > 0 {
		ms := d.LastLatency.Milliseconds()
		b.LatencyMs = &ms
	}
	return b
}

// listDeliveries is GET /webhooks/{id}/deliveries: the endpoint's delivery
// log, newest first, paged like GET /receipts.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	e, ok := s.callersEndpoint(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.fail(w, r, errBadLimit)
			return
		}
		limit = n
	}
	after := ""
	if c := q.Get("cursor"); c != "" {
		id, err := decodeCursor(c)
		if err != nil || !webhook.ValidID(id) {
			s.fail(w, r, errBadDeliveryCur)
			return
		}
		after = id
	}
	ds, next, err := s.hooks.ListDeliveries(r.Context(), e.Tenant, e.ID, limit, after, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Deliveries []deliveryBody `json:"deliveries"`
		NextCursor string         `json:"nextCursor,omitempty"`
	}{Deliveries: make([]deliveryBody, 0, len(ds))}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, deliveryOf(d))
	}
	if next != "" {
		out.NextCursor = encodeCursor(next)
	}
	writeJSON(w, http.StatusOK, out)
}

// retryDelivery is POST /webhooks/deliveries/{id}/retry: one more attempt
// of a delivery to any of the caller's endpoints, now; it replaces any
// retry still scheduled, and is not retried itself.
func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	id := r.PathValue("id")
	if !webhook.ValidID(id) {
		s.fail(w, r, webhook.ErrDeliveryNotFound)
		return
	}
	eps, err := s.hooks.ListEndpoints(r.Context(), tenant)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]string, len(eps))
	for i, e := range eps {
		ids[i] = e.ID
	}
	now := s.now().UTC()
	d, err := s.hooks.FindDelivery(r.Context(), tenant, id, ids, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d, err = s.hooks.RequestRetry(r.Context(), tenant, d.EndpointID, d.ID, now); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, deliveryOf(d))
}
