//go:build !integration

package webhook_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/receipts-api/receipts/internal/webhook"
)

// TestSignatureVerifiesWithTheReferenceLibrary checks our signing against
// the Standard Webhooks reference verifier, which this project did not
// write: with one secret, and with two during a rotation, where each
// secret alone verifies.
func TestSignatureVerifiesWithTheReferenceLibrary(t *testing.T) {
	current, _ := webhook.NewSecret()
	previous, _ := webhook.NewSecret()
	other, _ := webhook.NewSecret()
	body := []byte(`{"type":"receipt.completed","timestamp":"2026-01-02T03:04:05Z","data":{"uuid":"x"}}`)
	tests := []struct {
		name    string
		signers []webhook.Secret
		verify  webhook.Secret
		ok      bool
	}{
		{"one secret", []webhook.Secret{current}, current, true},
		{"rotation, new secret", []webhook.Secret{current, previous}, current, true},
		{"rotation, old secret", []webhook.Secret{current, previous}, previous, true},
		{"another secret", []webhook.Secret{current, previous}, other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := webhook.Headers(tt.signers, "0193c1de-0000-7000-8000-000000000001", time.Now(), body)
			if err != nil {
				t.Fatal(err)
			}
			header := http.Header{}
			for k, v := range h {
				header.Set(k, v)
			}
			if n := strings.Count(h["webhook-signature"], "v1,"); n != len(tt.signers) {
				t.Errorf("signature %q has %d signatures, want %d", h["webhook-signature"], n, len(tt.signers))
			}
			wh, err := standardwebhooks.NewWebhook(tt.verify.Reveal())
			if err != nil {
				t.Fatal(err)
			}
			err = wh.Verify(body, header)
			if (err == nil) != tt.ok {
				t.Errorf("verify: %v, want ok=%v", err, tt.ok)
			}
			// A changed body never verifies.
			if err := wh.Verify(append(body, ' '), header); err == nil {
				t.Error("a changed body verified")
			}
		})
	}
}

// TestSecretsDoNotPrint: a secret in a log line or a formatted error shows
// as redacted.
func TestSecretsDoNotPrint(t *testing.T) {
	s, _ := webhook.NewSecret()
	ep := webhook.Endpoint{ID: "e", Secret: s, PreviousSecret: s}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("endpoint", "secret", s, "endpoint", ep)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", ep, ep, ep, s), logged.String()} {
		if strings.Contains(out, s.Reveal()[6:]) {
			t.Errorf("secret printed: %s", out)
		}
	}
}

func TestPreviousSecretSignsForADay(t *testing.T) {
	cur, _ := webhook.NewSecret()
	old, _ := webhook.NewSecret()
	now := time.Now()
	ep := webhook.Endpoint{Secret: cur, PreviousSecret: old, PreviousSecretUntil: now.Add(webhook.SecretOverlap)}
	if got := ep.SigningSecrets(now); len(got) != 2 {
		t.Errorf("during the overlap: %d secrets, want 2", len(got))
	}
	if got := ep.SigningSecrets(now.Add(webhook.SecretOverlap)); len(got) != 1 || got[0] != cur {
		t.Errorf("after the overlap: %d secrets, want the current one", len(got))
	}
}

func TestDerivedID(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, b := webhook.DerivedID(at, "rec", "ep1"), webhook.DerivedID(at, "rec", "ep2")
	if a == b || a != webhook.DerivedID(at, "rec", "ep1") {
		t.Errorf("ids %s %s: want the same parts to give the same id, others another", a, b)
	}
	if !webhook.ValidID(a) || a[14] != '7' {
		t.Errorf("%s is not a UUIDv7", a)
	}
	if later := webhook.DerivedID(at.Add(time.Millisecond), "rec", "ep1"); later <= a {
		t.Errorf("a later id %s sorts before %s", later, a)
	}
}
