// Package auth holds API keys and the Lambda authorizer that checks them.
// A key maps to one tenant; only its SHA-256 hash is stored.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// keyPrefix marks our keys, so a leaked one is recognisable in a scan.
const keyPrefix = "rcpt_"

// NewKey returns a new random API key and its record for tenant.
func NewKey(tenant string, now time.Time) (string, receipt.APIKey, error) {
	if !ValidTenant(tenant) {
		return "", receipt.APIKey{}, ErrInvalidTenant
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", receipt.APIKey{}, err
	}
	key := keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, receipt.APIKey{Hash: Hash(key), Prefix: Prefix(key), Tenant: tenant, CreatedAt: now.UTC()}, nil
}

// Hash is how a key is stored and looked up.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Prefix is the part of a key that may be shown: enough to tell keys apart,
// far too little to use.
func Prefix(key string) string {
	if len(key) > len(keyPrefix)+6 {
		return key[:len(keyPrefix)+6]
	}
	return key
}

// ErrInvalidTenant is a tenant name that is not lower-case letters, digits
// and dashes, 1 to 63 long. Tenant names become key and S3 prefixes.
var ErrInvalidTenant = errors.New("tenant names are 1-63 lower-case letters, digits or dashes")

// ValidTenant reports whether name can name a tenant. (A loop, not a
// regexp: every function links this package, and compiling a pattern at
// init adds to each cold start.)
func ValidTenant(name string) bool {
	if len(name) == 0 || len(name) > 63 || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// FromHeaders returns the API key a request carries in "Authorization:
// Bearer <key>", the one header a key may come in, from the headers of API
// Gateway's event: the single-value map and the multi-value one (either may
// be nil). Header names are matched in any case, as HTTP requires. An
// Authorization header given more than once with different values names no
// key, whatever order the maps are walked in.
func FromHeaders(headers map[string]string, multi map[string][]string) (string, bool) {
	v, ok := headerValue(headers, multi, "authorization")
	if !ok {
		return "", false
	}
	scheme, token, found := strings.Cut(strings.TrimSpace(v), " ")
	if token = strings.TrimSpace(token); found && strings.EqualFold(scheme, "Bearer") && token != "" {
		return token, true
	}
	return "", false
}

// headerValue returns the one value of the header name (lower case) under
// any spelling of it in both maps; ok is false when it is absent or has
// more than one distinct value. It reads each value once: a request may
// repeat a header tens of thousands of times.
func headerValue(headers map[string]string, multi map[string][]string, name string) (v string, ok bool) {
	seen := false
	add := func(x string) bool {
		if seen && x != v {
			return false
		}
		v, seen = x, true
		return true
	}
	for k, x := range headers {
		if strings.EqualFold(k, name) && !add(x) {
			return "", false
		}
	}
	for k, xs := range multi {
		if !strings.EqualFold(k, name) {
			continue
		}
		for _, x := range xs {
			if !add(x) {
				return "", false
			}
		}
	}
	return v, seen
}

// LogID is what may be logged of a key, whatever its length: a 12-digit
// prefix of its SHA-256 hash, enough to follow one key through the logs. A
// key of ours (32 random bytes) can't be recovered from it; a key short
// enough to be guessed from it was never valid.
func LogID(key string) string { return Hash(key)[:12] }

// Keys looks API keys up by hash.
type Keys interface {
	GetKey(ctx context.Context, hash string) (receipt.APIKey, error)
}
