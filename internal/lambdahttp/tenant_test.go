//go:build !integration

package lambdahttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/metrics"
	"github.com/receipts-api/receipts/internal/receipt"
)

// tenantSpy is a receipt store that holds nothing and notes the tenant of
// every read; the methods the requests below never reach are left to the
// embedded nil interface.
type tenantSpy struct {
	api.Receipts
	mu   sync.Mutex
	seen []string
}

func (s *tenantSpy) saw(tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, tenant)
}

func (s *tenantSpy) Get(_ context.Context, tenant, id string) (*receipt.Receipt, error) {
	s.saw(tenant)
	return nil, fmt.Errorf("get receipt %s: %w", id, receipt.ErrNotFound)
}

func (s *tenantSpy) List(_ context.Context, tenant string, _ receipt.ListQuery, _ time.Time) ([]*receipt.Receipt, string, error) {
	s.saw(tenant)
	return nil, "", nil
}

func (s *tenantSpy) Settings(_ context.Context, tenant string) (receipt.Settings, error) {
	s.saw(tenant)
	return receipt.Settings{}, nil
}

// TestOnlyTheAuthorizerNamesTheTenant sends requests whose headers, query
// and body name another tenant, through the adapter to the API's
// handlers: the handlers see the tenant of the authorizer's context and
// no other; without one, no tenant at all (401).
func TestOnlyTheAuthorizerNamesTheTenant(t *testing.T) {
	const id = "0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"
	routes := []struct{ method, resource, path string }{
		{"GET", "/receipts", "/receipts"},
		{"GET", "/receipt/{id}", "/receipt/" + id},
		{"DELETE", "/receipt/{id}", "/receipt/" + id},
		{"GET", "/settings", "/settings"},
	}
	forgeries := []struct {
		name    string
		headers map[string]string
		query   map[string]string
		body    string
	}{
		{name: "nothing"},
		{name: "x-tenant-id", headers: map[string]string{"x-tenant-id": "victim"}},
		{name: "X-Tenant-Id", headers: map[string]string{"X-Tenant-Id": "victim"}},
		{name: "X-Tenant", headers: map[string]string{"X-Tenant": "victim"}},
		{name: "tenant header", headers: map[string]string{"tenant": "victim"}},
		{name: "query", query: map[string]string{"tenant": "victim", "tenantId": "victim"}},
		{name: "body", body: `{"tenant":"victim","tenantId":"victim"}`},
	}
	for _, rt := range routes {
		for _, f := range forgeries {
			for _, authorizer := range []map[string]any{{"tenant": "caller", "keyPrefix": "rcpt_abcdef"}, nil} {
				name := fmt.Sprintf("%s %s %s authorized=%v", rt.method, rt.path, f.name, authorizer != nil)
				t.Run(name, func(t *testing.T) {
					spy := &tenantSpy{}
					h := HandlerWithMetrics(api.New(spy, nil, nil).Handler(), metrics.New(io.Discard))
					multi := map[string][]string{}
					for k, v := range f.headers {
						multi[k] = []string{v}
					}
					mq := map[string][]string{}
					for k, v := range f.query {
						mq[k] = []string{v}
					}
					resp, err := h(context.Background(), events.APIGatewayProxyRequest{
						HTTPMethod: rt.method, Resource: rt.resource, Path: rt.path,
						Headers: f.headers, MultiValueHeaders: multi,
						QueryStringParameters: f.query, MultiValueQueryStringParameters: mq,
						Body:           f.body,
						RequestContext: events.APIGatewayProxyRequestContext{Authorizer: authorizer},
					})
					if err != nil {
						t.Fatal(err)
					}
					if authorizer == nil {
						if resp.StatusCode != http.StatusUnauthorized || len(spy.seen) != 0 {
							t.Errorf("without an authorizer's tenant: %d, store read for %q; want 401 and no read", resp.StatusCode, spy.seen)
						}
						return
					}
					if len(spy.seen) == 0 {
						t.Fatalf("%d %s: the store was never read", resp.StatusCode, resp.Body)
					}
					for _, tenant := range spy.seen {
						if tenant != "caller" {
							t.Errorf("the store was read for %q, want only the authorizer's tenant", tenant)
						}
					}
				})
			}
		}
	}
}
