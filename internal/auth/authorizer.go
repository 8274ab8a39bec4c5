package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/receipts-api/receipts/internal/receipt"
)

// ErrUnauthorized is the error API Gateway turns into a 401: it must read
// exactly "Unauthorized".
var ErrUnauthorized = errors.New("Unauthorized")

// Cache settings and their defaults (AUTH_CACHE_TTL, AUTH_CACHE_SIZE).
const (
	// DefaultCacheTTL is how long an authorizer instance trusts what it
	// looked up: the longest a revoked key keeps working in AWS.
	DefaultCacheTTL = 30 * time.Second
	// DefaultCacheSize is how many lookups an instance keeps, known keys and
	// unknown ones alike; the least recently used go first. At about 300
	// bytes an entry, the cache stays near 3.5 MB whatever callers send
	// (300,000 unknown keys measured).
	DefaultCacheSize = 10000
)

// CacheConfig bounds the authorizer's cache of key lookups. A zero TTL or
// size turns the cache off.
type CacheConfig struct {
	TTL  time.Duration
	Size int
}

// CacheConfigFromEnv reads AUTH_CACHE_TTL (a Go duration, e.g. 30s) and
// AUTH_CACHE_SIZE (entries) through getenv, with the defaults for unset
// ones. A malformed or negative value is an error, so a function fails at
// init rather than run with a setting nobody chose.
func CacheConfigFromEnv(getenv func(string) string) (CacheConfig, error) {
	c := CacheConfig{TTL: DefaultCacheTTL, Size: DefaultCacheSize}
	if v := getenv("AUTH_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("AUTH_CACHE_TTL %q: want a duration such as 30s", v)
		}
		c.TTL = d
	}
	if v := getenv("AUTH_CACHE_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, fmt.Errorf("AUTH_CACHE_SIZE %q: want a whole number of entries", v)
		}
		c.Size = n
	}
	return c, nil
}

// Authorizer is the API's Lambda authorizer (REQUEST type): it checks the
// request's API key and passes the key's tenant to the functions in the
// authorizer context, where no caller can set it.
type Authorizer struct {
	keys Keys
	log  *slog.Logger
	now  func() time.Time
	ttl  time.Duration

	// cache holds lookups by key hash, bounded in size; nil when off. Its
	// own TTL only frees memory: expiry is decided against now, so tests
	// can move the clock.
	cache *expirable.LRU[string, cached]
}

type cached struct {
	key     receipt.APIKey
	found   bool
	expires time.Time
}

// NewAuthorizer returns an Authorizer over keys that caches lookups as cfg
// says.
func NewAuthorizer(keys Keys, cfg CacheConfig, log *slog.Logger) *Authorizer {
	a := &Authorizer{keys: keys, ttl: cfg.TTL, log: log, now: time.Now}
	if cfg.TTL > 0 && cfg.Size > 0 {
		a.cache = expirable.NewLRU[string, cached](cfg.Size, nil, cfg.TTL)
	}
	return a
}

// Handle answers API Gateway's authorizer request.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	key, ok := FromHeaders(req.Headers, req.MultiValueHeaders)
	if !ok {
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	k, found, err := a.lookup(ctx, Hash(key))
	if err != nil {
		// Not the caller's fault; API Gateway answers 500 without detail.
		return events.APIGatewayCustomAuthorizerResponse{}, fmt.Errorf("look up key: %w", err)
	}
	if !found || !k.Active() {
		a.log.InfoContext(ctx, "rejected key", "keyHash", LogID(key), "known", found)
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

func (a *Authorizer) lookup(ctx context.Context, hash string) (receipt.APIKey, bool, error) {
	now := a.now()
	if a.cache != nil {
		if c, ok := a.cache.Get(hash); ok && now.Before(c.expires) {
			return c.key, c.found, nil
		}
	}
	k, err := a.keys.GetKey(ctx, hash)
	found := err == nil
	if err != nil && !errors.Is(err, receipt.ErrNotFound) {
		return receipt.APIKey{}, false, err
	}
	if a.cache != nil {
		a.cache.Add(hash, cached{key: k, found: found, expires: now.Add(a.ttl)})
	}
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
