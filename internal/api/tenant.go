package api

import "context"

type tenantKey struct{}

// WithTenant returns a context that carries the caller's tenant. Only the
// layer that authenticated the request may set it; handlers never read a
// tenant from anything the caller sends.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

func tenantFrom(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(tenantKey{}).(string)
	return t, ok && t != ""
}
