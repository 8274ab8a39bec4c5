//go:build !integration

package auth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"testing"
)

// TestOnlyTheKeyNamesTheTenant: whatever else a request carries, in any
// header or query parameter, the tenant the authorizer vouches for is the
// one its key belongs to, and a request without a valid key names none.
func TestOnlyTheKeyNamesTheTenant(t *testing.T) {
	keys, byTenant := newKeys(t, "caller", "victim")
	a := NewAuthorizer(keys, CacheConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	forged := []map[string]string{
		{},
		{"x-tenant-id": "victim"},
		{"X-Tenant-Id": "victim"},
		{"X-Tenant": "victim"},
		{"tenant": "victim"},
		{"x-api-tenant": "victim", "x-amzn-tenant": "victim"},
		{"x-api-key": byTenant["victim"]},
		{"X-Forwarded-User": "victim", "principalId": "victim"},
	}
	for _, headers := range forged {
		for _, key := range []string{byTenant["caller"], "", "rcpt_unknown"} {
			h := maps.Clone(headers)
			if key != "" {
				h["Authorization"] = "Bearer " + key
			}
			req := request(h)
			req.QueryStringParameters = map[string]string{"tenant": "victim", "tenantId": "victim"}
			req.PathParameters = map[string]string{"tenant": "victim"}
			resp, err := a.Handle(context.Background(), req)
			if key != byTenant["caller"] {
				if !errors.Is(err, ErrUnauthorized) || resp.Context != nil {
					t.Errorf("%v without a valid key: %+v, %v; want ErrUnauthorized", headers, resp.Context, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%v: %v", headers, err)
			}
			if resp.PrincipalID != "caller" || resp.Context["tenant"] != "caller" {
				t.Errorf("%v: principal %q, tenant %v; want caller's", headers, resp.PrincipalID, resp.Context["tenant"])
			}
		}
	}
}
