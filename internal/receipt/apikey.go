package receipt

import "time"

// APIKey is the record of an API key, which names the tenant whose receipts
// its requests reach. The key itself is never stored, only its hash.
type APIKey struct {
	Hash      string
	Prefix    string // the key's first characters, to tell keys apart
	Tenant    string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key works
}

// Active reports whether the key may be used.
func (k APIKey) Active() bool { return k.RevokedAt.IsZero() }
