package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Idempotency keeps Idempotency-Key records.
type Idempotency interface {
	ClaimIdempotency(ctx context.Context, tenant, key, fingerprint string, now time.Time, ttl, stale time.Duration) error
	GetIdempotency(ctx context.Context, tenant, key string, now time.Time) (fingerprint, receiptID string, err error)
	// CreateIdempotent creates the receipt and records it as key's result,
	// both or neither.
	CreateIdempotent(ctx context.Context, r *receipt.Receipt, key string) error
	ReleaseIdempotency(ctx context.Context, tenant, key string) error
}

const (
	// idempotencyTTL is how long a key's first answer is kept.
	idempotencyTTL = 24 * time.Hour
	// idempotencyStale is how long after a request claimed a key it is
	// surely dead (the function's timeout is far shorter), so a retry may
	// take the key over.
	idempotencyStale = time.Minute
)

var (
	errBadIdempotencyKey  = receipt.NewError(receipt.BadInput, "Idempotency-Key must be 1 to 255 printable ASCII characters")
	errIdempotencyReused  = receipt.NewError(receipt.Mismatch, "Idempotency-Key was already used for a different request")
	errIdempotencyPending = receipt.NewError(receipt.Conflict, "a request with this Idempotency-Key is still in progress")
)

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Fingerprint identifies what an upload asks for: the file and its name,
// not the multipart framing, whose boundary changes with every retry.
func Fingerprint(name string, data []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s:", len(name), name)
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// fingerprint is Fingerprint with the upload's country hint, when it
// has one: the same file sent with another hint is another request.
func fingerprint(name, country string, data []byte) string {
	if country == "" {
		return Fingerprint(name, data)
	}
	return Fingerprint(name+"\x00country="+country, data)
}

// claim takes the key for this request. It returns the id of the receipt
// the key's first request created, if there is one to replay.
func (s *Server) claim(ctx context.Context, tenant, key, fp string) (replay string, err error) {
	for attempt := 0; attempt < 2; attempt++ {
		now := s.now()
		err := s.idem.ClaimIdempotency(ctx, tenant, key, fp, now, idempotencyTTL, idempotencyStale)
		if err == nil {
			return "", nil
		}
		if !errors.Is(err, receipt.ErrConflict) {
			return "", err
		}
		storedFP, id, err := s.idem.GetIdempotency(ctx, tenant, key, now)
		switch {
		case errors.Is(err, receipt.ErrNotFound):
			continue // released or expired in between: claim again
		case err != nil:
			return "", err
		case storedFP != fp:
			return "", errIdempotencyReused
		case id != "":
			return id, nil
		}
		return "", errIdempotencyPending
	}
	return "", errIdempotencyPending
}
