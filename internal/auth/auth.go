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
)

// keyPrefix marks our keys, so a leaked one is recognisable in a scan.
const keyPrefix = "rcpt_"

// Key is an API key's record; the key itself is never stored.
type Key struct {
	Hash      string
	Prefix    string // the key's first characters, to tell keys apart
	Tenant    string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key works
}

// Active reports whether the key may be used.
func (k Key) Active() bool { return k.RevokedAt.IsZero() }

// NewKey returns a new random API key and its record for tenant.
func NewKey(tenant string, now time.Time) (string, Key, error) {
	if !ValidTenant(tenant) {
		return "", Key{}, ErrInvalidTenant
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Key{}, err
	}
	key := keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, Key{Hash: Hash(key), Prefix: Prefix(key), Tenant: tenant, CreatedAt: now.UTC()}, nil
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

// FromHeaders returns the API key a request carries, in
// "Authorization: Bearer <key>" or "x-api-key: <key>". Header names are
// matched in any case, as HTTP requires.
func FromHeaders(headers map[string]string) (string, bool) {
	for name, v := range headers {
		switch strings.ToLower(name) {
		case "authorization":
			scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
			if ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
				return strings.TrimSpace(token), true
			}
		case "x-api-key":
			if v = strings.TrimSpace(v); v != "" {
				return v, true
			}
		}
	}
	return "", false
}

// Keys looks API keys up by hash.
type Keys interface {
	GetKey(ctx context.Context, hash string) (Key, error)
}
