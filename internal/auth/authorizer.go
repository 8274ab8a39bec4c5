package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
)

// ErrUnauthorized is the error API Gateway turns into a 401: it must read
// exactly "Unauthorized".
var ErrUnauthorized = errors.New("Unauthorized")

// DefaultCacheTTL is how long an authorizer instance trusts what it looked
// up: the longest a revoked key keeps working in AWS.
const DefaultCacheTTL = 30 * time.Second

// Authorizer is the API's Lambda authorizer (REQUEST type): it checks the
// request's API key and passes the key's tenant to the functions in the
// authorizer context, where no caller can set it.
type Authorizer struct {
	keys Keys
	log  *slog.Logger
	now  func() time.Time
	ttl  time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	key     Key
	found   bool
	expires time.Time
}

// NewAuthorizer returns an Authorizer over keys that caches lookups for
// ttl (0: not at all).
func NewAuthorizer(keys Keys, ttl time.Duration, log *slog.Logger) *Authorizer {
	return &Authorizer{keys: keys, ttl: ttl, log: log, now: time.Now, cache: map[string]cached{}}
}

// Handle answers API Gateway's authorizer request.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	key, ok := FromHeaders(req.Headers)
	if !ok {
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	k, found, err := a.lookup(ctx, Hash(key))
	if err != nil {
		// Not the caller's fault; API Gateway answers 500 without detail.
		return events.APIGatewayCustomAuthorizerResponse{}, fmt.Errorf("look up key: %w", err)
	}
	if !found || !k.Active() {
		a.log.InfoContext(ctx, "rejected key", "prefix", Prefix(key), "known", found)
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: k.Tenant,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: "Allow",
				Resource: []string{apiWildcard(req.MethodArn)},
			}},
		},
		Context: map[string]any{"tenant": k.Tenant, "keyPrefix": k.Prefix},
	}, nil
}

func (a *Authorizer) lookup(ctx context.Context, hash string) (Key, bool, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[hash]
	a.mu.Unlock()
	if ok && a.ttl > 0 && now.Before(c.expires) {
		return c.key, c.found, nil
	}
	k, err := a.keys.GetKey(ctx, hash)
	found := err == nil
	if err != nil && !errors.Is(err, receipt.ErrNotFound) {
		return Key{}, false, err
	}
	a.mu.Lock()
	if a.ttl > 0 {
		a.cache[hash] = cached{key: k, found: found, expires: now.Add(a.ttl)}
	}
	a.mu.Unlock()
	return k, found, nil
}

// apiWildcard widens a method ARN to every method of the API's stage, so a
// policy API Gateway caches for one route holds for the others.
func apiWildcard(methodArn string) string {
	parts := strings.SplitN(methodArn, "/", 3)
	if len(parts) < 2 {
		return methodArn
	}
	return parts[0] + "/" + parts[1] + "/*"
}
