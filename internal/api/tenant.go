package api

import (
	"context"
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
)

type tenantKey struct{}

// WithTenant returns a context that carries the caller's tenant. Only the
// layer that authenticated the request may set it; handlers never read a
// tenant from anything the caller sends.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

type keyPrefixKey struct{}

// WithKeyPrefix returns a context that carries the prefix of the caller's
// API key, which corrections record; like the tenant, only the layer that
// authenticated the request sets it.
func WithKeyPrefix(ctx context.Context, prefix string) context.Context {
	return context.WithValue(ctx, keyPrefixKey{}, prefix)
}

func keyPrefixFrom(ctx context.Context) string {
	p, _ := ctx.Value(keyPrefixKey{}).(string)
	return p
}

func tenantFrom(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(tenantKey{}).(string)
	return t, ok && t != ""
}

// callersID returns the caller's tenant and the {id} path value, or
// answers the request (401, 404) and returns false.
func (s *Server) callersID(w http.ResponseWriter, r *http.Request) (tenant, id string, ok bool) {
	tenant, ok = tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return "", "", false
	}
	id = r.PathValue("id")
	if !receipt.ValidID(id) {
		s.fail(w, r, errReceiptNotFound)
		return "", "", false
	}
	return tenant, id, true
}

// callersReceipt returns the caller's receipt named by the {id} path value,
// or answers the request (401, 404) and returns false.
func (s *Server) callersReceipt(w http.ResponseWriter, r *http.Request) (*receipt.Receipt, bool) {
	tenant, id, ok := s.callersID(w, r)
	if !ok {
		return nil, false
	}
	rc, err := s.receipts.Get(r.Context(), tenant, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return rc, true
}
