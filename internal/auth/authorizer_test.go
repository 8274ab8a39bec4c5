//go:build !integration

package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/receipt"
)

// countedKeys is a key store that counts lookups.
type countedKeys struct {
	*fake.Store
	mu      sync.Mutex
	lookups int
}

func (c *countedKeys) GetKey(ctx context.Context, hash string) (receipt.APIKey, error) {
	c.mu.Lock()
	c.lookups++
	c.mu.Unlock()
	return c.Store.GetKey(ctx, hash)
}

// newKeys returns a key store holding a new key for each tenant, and the
// keys by tenant.
func newKeys(t *testing.T, tenants ...string) (*countedKeys, map[string]string) {
	t.Helper()
	c := &countedKeys{Store: fake.NewStore()}
	byTenant := map[string]string{}
	for _, tenant := range tenants {
		key, rec, err := NewKey(tenant, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PutKey(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		byTenant[tenant] = key
	}
	return c, byTenant
}

func request(headers map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	multi := map[string][]string{}
	for k, v := range headers {
		multi[k] = []string{v}
	}
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: "arn:aws:execute-api:us-east-1:123456789012:api/v1/GET/receipts",
		Headers: headers, MultiValueHeaders: multi,
	}
}

// TestOnlyAuthorizationCarriesAKey sends tenant B's key in Authorization and
// tenant A's in x-api-key, many times: every answer is tenant B; A's key in
// x-api-key alone is no key at all.
func TestOnlyAuthorizationCarriesAKey(t *testing.T) {
	keys, k := newKeys(t, "tenant-a", "tenant-b")
	a := NewAuthorizer(keys, CacheConfig{TTL: time.Minute, Size: 10}, slog.New(slog.DiscardHandler))
	counts := map[string]int{}
	for i := 0; i < 500; i++ {
		resp, err := a.Handle(context.Background(), request(map[string]string{
			"Authorization": "Bearer " + k["tenant-b"], "x-api-key": k["tenant-a"], "Accept": "*/*",
		}))
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		counts[fmt.Sprint(resp.Context["tenant"])]++
	}
	if counts["tenant-b"] != 500 {
		t.Errorf("tenants over 500 requests: %v, want tenant-b every time", counts)
	}
	if _, err := a.Handle(context.Background(), request(map[string]string{"x-api-key": k["tenant-a"]})); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a key in x-api-key alone: err = %v, want ErrUnauthorized", err)
	}
}

// TestPolicyCoversEveryRoute: API Gateway caches the policy for a key and
// reuses it for every route and method of the API's stage, whichever the
// authorizer was called for, so the policy must allow them all (and nothing
// of another API or stage).
func TestPolicyCoversEveryRoute(t *testing.T) {
	keys, k := newKeys(t, "tenant-a")
	a := NewAuthorizer(keys, CacheConfig{}, slog.New(slog.DiscardHandler))
	const api = "arn:aws:execute-api:eu-west-1:123456789012:abc123"
	req := request(map[string]string{"Authorization": "Bearer " + k["tenant-a"]})
	req.MethodArn = api + "/v1/GET/receipt/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"
	resp, err := a.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	allowed := func(arn string) bool {
		for _, s := range resp.PolicyDocument.Statement {
			for _, r := range s.Resource {
				if s.Effect == "Allow" && slices.Contains(s.Action, "execute-api:Invoke") && wildcardMatch(r, arn) {
					return true
				}
			}
		}
		return false
	}
	for _, arn := range []string{
		api + "/v1/POST/receipt", api + "/v1/POST/receipt/uploads", api + "/v1/GET/receipts",
		api + "/v1/DELETE/receipt/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", api + "/v1/PATCH/receipt/x/y",
		api + "/v1/GET/webhooks", api + "/v1/DELETE/webhooks/w1",
	} {
		if !allowed(arn) {
			t.Errorf("the policy cached for GET /receipt/{id} does not allow %s: %+v", arn, resp.PolicyDocument)
		}
	}
	for _, arn := range []string{api + "/v2/GET/receipts", "arn:aws:execute-api:eu-west-1:123456789012:other/v1/GET/receipts"} {
		if allowed(arn) {
			t.Errorf("the policy allows %s, of another stage or API", arn)
		}
	}
}

// wildcardMatch matches an IAM resource pattern, where * spans anything.
func wildcardMatch(pattern, s string) bool {
	before, after, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == s
	}
	if !strings.HasPrefix(s, before) {
		return false
	}
	for i := len(before); i <= len(s); i++ {
		if wildcardMatch(after, s[i:]) {
			return true
		}
	}
	return false
}

func TestRejectedKeysAreNeverLogged(t *testing.T) {
	keys, k := newKeys(t, "tenant-a")
	var buf bytes.Buffer
	a := NewAuthorizer(keys, CacheConfig{TTL: time.Minute, Size: 10}, slog.New(slog.NewTextHandler(&buf, nil)))
	for _, key := range []string{"x!", "short-key!", "rcpt_nothing-like-a-real-key", k["tenant-a"] + "!"} {
		buf.Reset()
		_, err := a.Handle(context.Background(), request(map[string]string{"Authorization": "Bearer " + key}))
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%q: err = %v, want ErrUnauthorized", key, err)
		}
		line := buf.String()
		if strings.Contains(line, key) || strings.Contains(line, Prefix(key)) {
			t.Errorf("log shows the key %q: %s", key, line)
		}
		if !strings.Contains(line, "keyHash="+LogID(key)) {
			t.Errorf("log lacks the key's hash prefix %s: %s", LogID(key), line)
		}
	}
}

func TestCacheIsBounded(t *testing.T) {
	keys, k := newKeys(t, "tenant-a")
	a := NewAuthorizer(keys, CacheConfig{TTL: time.Hour, Size: 100}, slog.New(slog.DiscardHandler))
	for i := 0; i < 5000; i++ {
		_, _ = a.Handle(context.Background(), request(map[string]string{"Authorization": fmt.Sprintf("Bearer bad-%d", i)}))
	}
	if n := a.cache.Len(); n > 100 {
		t.Errorf("cache holds %d entries after 5000 unknown keys, want at most 100", n)
	}
	// The cache still works for a good key once it is looked up.
	before := keys.lookups
	for i := 0; i < 3; i++ {
		if _, err := a.Handle(context.Background(), request(map[string]string{"Authorization": "Bearer " + k["tenant-a"]})); err != nil {
			t.Fatal(err)
		}
	}
	if got := keys.lookups - before; got != 1 {
		t.Errorf("3 requests with one key made %d lookups, want 1", got)
	}
}

func TestCacheExpiresAndCanBeOff(t *testing.T) {
	tests := []struct {
		name        string
		cfg         CacheConfig
		step        time.Duration // clock moves between requests
		wantLookups int           // over 3 requests
	}{
		{"within ttl", CacheConfig{TTL: 30 * time.Second, Size: 10}, 10 * time.Second, 1},
		{"past ttl", CacheConfig{TTL: 30 * time.Second, Size: 10}, 31 * time.Second, 3},
		{"ttl 0: off", CacheConfig{TTL: 0, Size: 10}, 0, 3},
		{"size 0: off", CacheConfig{TTL: time.Minute, Size: 0}, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, k := newKeys(t, "tenant-a")
			a := NewAuthorizer(keys, tt.cfg, slog.New(slog.DiscardHandler))
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			a.now = func() time.Time { return now }
			for i := 0; i < 3; i++ {
				if _, err := a.Handle(context.Background(), request(map[string]string{"Authorization": "Bearer " + k["tenant-a"]})); err != nil {
					t.Fatal(err)
				}
				now = now.Add(tt.step)
			}
			if keys.lookups != tt.wantLookups {
				t.Errorf("lookups = %d, want %d", keys.lookups, tt.wantLookups)
			}
		})
	}
}

func TestCacheConfigFromEnv(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    CacheConfig
		wantErr bool
	}{
		{nil, CacheConfig{TTL: DefaultCacheTTL, Size: DefaultCacheSize}, false},
		{map[string]string{"AUTH_CACHE_TTL": "5s", "AUTH_CACHE_SIZE": "50"}, CacheConfig{TTL: 5 * time.Second, Size: 50}, false},
		{map[string]string{"AUTH_CACHE_TTL": "0s", "AUTH_CACHE_SIZE": "0"}, CacheConfig{}, false},
		{map[string]string{"AUTH_CACHE_TTL": "30"}, CacheConfig{}, true},
		{map[string]string{"AUTH_CACHE_TTL": "-1s"}, CacheConfig{}, true},
		{map[string]string{"AUTH_CACHE_SIZE": "many"}, CacheConfig{}, true},
		{map[string]string{"AUTH_CACHE_SIZE": "-3"}, CacheConfig{}, true},
	}
	for _, tt := range tests {
		got, err := CacheConfigFromEnv(func(k string) string { return tt.env[k] })
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("CacheConfigFromEnv(%v) = %+v, %v; want %+v, error %v", tt.env, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestRevokedKeyIsRefused revokes a key in the key store: the authorizer
// refuses it from the next lookup on, at once with the cache off, and once
// the answer it cached expires with it on (until then the cached answer
// stands: the TTL is the longest a revoked key keeps working). A key
// revoked before its first use is never let in.
func TestRevokedKeyIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		cfg    CacheConfig
		cached bool // the answer from before the revocation is cached
	}{
		{"cache off", CacheConfig{}, false},
		{"cache on", CacheConfig{TTL: 30 * time.Second, Size: 10}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, k := newKeys(t, "tenant-a", "tenant-b")
			a := NewAuthorizer(keys, tt.cfg, slog.New(slog.DiscardHandler))
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			a.now = func() time.Time { return now }
			ask := func(tenant string) error {
				_, err := a.Handle(context.Background(), request(map[string]string{"Authorization": "Bearer " + k[tenant]}))
				return err
			}
			if err := ask("tenant-a"); err != nil {
				t.Fatalf("before revocation: %v", err)
			}
			for _, tenant := range []string{"tenant-a", "tenant-b"} {
				if err := keys.RevokeKey(context.Background(), Hash(k[tenant]), now); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(time.Second)
			if err, want := ask("tenant-a"), tt.cached; (err == nil) != want {
				t.Errorf("a second after revocation: err = %v, want let in: %v", err, want)
			}
			if err := ask("tenant-b"); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("a key revoked before its first use: err = %v, want ErrUnauthorized", err)
			}
			now = now.Add(tt.cfg.TTL)
			if err := ask("tenant-a"); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("once the cached answer expired: err = %v, want ErrUnauthorized", err)
			}
		})
	}
}
