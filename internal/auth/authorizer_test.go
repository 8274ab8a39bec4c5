package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
)

// memKeys is an in-memory Keys that counts lookups.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string]receipt.APIKey
	lookups int
}

func (m *memKeys) GetKey(_ context.Context, hash string) (receipt.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	k, ok := m.keys[hash]
	if !ok {
		return receipt.APIKey{}, receipt.ErrNotFound
	}
	return k, nil
}

func newKeys(t *testing.T, tenants ...string) (*memKeys, map[string]string) {
	t.Helper()
	m := &memKeys{keys: map[string]receipt.APIKey{}}
	byTenant := map[string]string{}
	for _, tenant := range tenants {
		key, rec, err := NewKey(tenant, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		m.keys[rec.Hash] = rec
		byTenant[tenant] = key
	}
	return m, byTenant
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

// TestBothHeadersAuthorizationWins sends tenant B's key in Authorization and
// tenant A's in x-api-key, many times: every answer is tenant B.
func TestBothHeadersAuthorizationWins(t *testing.T) {
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
}

func TestRejectedKeysAreNeverLogged(t *testing.T) {
	keys, k := newKeys(t, "tenant-a")
	var buf bytes.Buffer
	a := NewAuthorizer(keys, CacheConfig{TTL: time.Minute, Size: 10}, slog.New(slog.NewTextHandler(&buf, nil)))
	for _, key := range []string{"x!", "short-key!", "rcpt_nothing-like-a-real-key", k["tenant-a"] + "!"} {
		buf.Reset()
		_, err := a.Handle(context.Background(), request(map[string]string{"x-api-key": key}))
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
		_, _ = a.Handle(context.Background(), request(map[string]string{"x-api-key": fmt.Sprintf("bad-%d", i)}))
	}
	if n := a.cache.Len(); n > 100 {
		t.Errorf("cache holds %d entries after 5000 unknown keys, want at most 100", n)
	}
	// The cache still works for a good key once it is looked up.
	before := keys.lookups
	for i := 0; i < 3; i++ {
		if _, err := a.Handle(context.Background(), request(map[string]string{"x-api-key": k["tenant-a"]})); err != nil {
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
