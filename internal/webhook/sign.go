package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Secret is an endpoint's signing secret, "whsec_" and the base64 of its
// key, as Standard Webhooks writes it. It prints, and logs, redacted: only
// Reveal gives it, for the one answer that shows it to its tenant and for
// storage.
type Secret string

const secretPrefix = "whsec_"

// secretBytes is the length of a new secret's key.
const secretBytes = 32

// NewSecret returns a new random secret.
func NewSecret() (Secret, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new secret: %w", err)
	}
	return Secret(secretPrefix + base64.StdEncoding.EncodeToString(b)), nil
}

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// String hides the secret from fmt and its kin.
func (s Secret) String() string { return secretPrefix + "(redacted)" }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON hides the secret from encoding/json, and so from JSON logs of
// values that hold one.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

func (s Secret) key() ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(s), secretPrefix))
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("malformed signing secret")
	}
	return k, nil
}

// Signature is the webhook-signature header of a message: for each secret,
// "v1," and the base64 of the HMAC-SHA256 of "<id>.<timestamp>.<body>",
// separated by spaces (Standard Webhooks, symmetric signatures).
func Signature(secrets []Secret, id string, at time.Time, body []byte) (string, error) {
	signed := []byte(id + "." + strconv.FormatInt(at.Unix(), 10) + ".")
	signed = append(signed, body...)
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		k, err := s.key()
		if err != nil {
			return "", err
		}
		m := hmac.New(sha256.New, k)
		m.Write(signed)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Headers are the Standard Webhooks headers of a message.
func Headers(secrets []Secret, id string, at time.Time, body []byte) (map[string]string, error) {
	sig, err := Signature(secrets, id, at, body)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"webhook-id":        id,
		"webhook-timestamp": strconv.FormatInt(at.Unix(), 10),
		"webhook-signature": sig,
	}, nil
}
