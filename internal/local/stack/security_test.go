//go:build integration

package stack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/auth"
)

// TestAuth checks every route without a key, with a wrong or revoked key,
// and across tenants: a tenant never reaches another's receipts.
func TestAuth(t *testing.T) {
	st, _ := sharedStack(t)
	a, b := newClient(t, st, "auth-a"), newClient(t, st, "auth-b")
	keyA, keyB := a.key, b.key
	revoked := newKey(t, st, "auth-a")
	if err := st.Store().RevokeKey(context.Background(), auth.Hash(revoked), time.Now()); err != nil {
		t.Fatal(err)
	}
	idA := a.uploadID(t, "a.png", pngBytes)

	routes := []struct{ method, path string }{
		{"POST", "/receipt"},
		{"POST", "/receipt/uploads"},
		{"GET", "/receipt/" + idA},
		{"DELETE", "/receipt/" + idA},
		{"GET", "/receipts"},
	}
	for _, rt := range routes {
		for _, h := range []struct{ name, header, value string }{
			{"no key", "", ""},
			{"wrong key", "Authorization", "Bearer rcpt_" + strings.Repeat("x", 43)},
			{"revoked key", "Authorization", "Bearer " + revoked},
			{"not bearer", "Authorization", "Basic " + keyA},
			{"empty x-api-key", "x-api-key", " "},
			// Authorization: Bearer is the one way to send a key.
			{"a good key in x-api-key", "x-api-key", keyA},
		} {
			t.Run(rt.method+" "+rt.path+" "+h.name, func(t *testing.T) {
				req, _ := http.NewRequest(rt.method, st.APIURL+rt.path, strings.NewReader(""))
				if h.header != "" {
					req.Header.Set(h.header, h.value)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 401 {
					t.Errorf("status = %d, want 401", resp.StatusCode)
				}
			})
		}
	}

	// x-api-key is never read, whatever it holds: B's key in Authorization
	// never reaches A's receipt, A's always does.
	t.Run("x-api-key beside Authorization is ignored", func(t *testing.T) {
		for _, tt := range []struct {
			name, bearer, apiKey string
			want                 int
		}{
			{"B in Authorization, A in x-api-key", keyB, keyA, 404},
			{"A in Authorization, B in x-api-key", keyA, keyB, 200},
			{"not bearer, A in x-api-key", "", keyA, 401},
		} {
			for i := 0; i < 20; i++ {
				req, _ := http.NewRequest("GET", st.APIURL+"/receipt/"+idA, nil)
				req.Header.Set("x-api-key", tt.apiKey)
				if tt.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+tt.bearer)
				} else {
					req.Header.Set("Authorization", "Basic "+tt.apiKey)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Fatalf("%s, request %d: status %d, want %d", tt.name, i+1, resp.StatusCode, tt.want)
				}
			}
		}
	})

	t.Run("another tenant's receipt is not found", func(t *testing.T) {
		for _, method := range []string{"GET", "DELETE"} {
			status, body := b.send(t, method, "/receipt/"+idA, "", nil)
			if status != 404 || body != receiptNotFound {
				t.Errorf("%s: got %d %s, want 404 %s", method, status, body, receiptNotFound)
			}
		}
		status, body := b.send(t, "GET", "/receipts?limit=100", "", nil)
		if status != 200 || strings.Contains(body, idA) {
			t.Errorf("tenant-b's list = %d %s, must not show %s", status, body, idA)
		}
		// Still there for its owner.
		if status, _ := a.send(t, "GET", "/receipt/"+idA, "", nil); status != 200 {
			t.Errorf("owner's GET after the other tenant's DELETE = %d", status)
		}
	})
}

// TestRevokedKeyWorksWhileItsAnswerIsCached: the local gateway keeps the
// authorizer's answer per Authorization header for the template's
// AuthorizerCacheTtl (60 s), on every route, as API Gateway does. So a key
// revoked after a request keeps working on every route until then, while
// the same key in another spelling of the header, an identity not seen
// yet, is asked about and refused at once.
func TestRevokedKeyWorksWhileItsAnswerIsCached(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "revoked-later")
	id := c.uploadID(t, "r.png", pngBytes)
	if status, _ := c.send(t, "GET", "/receipt/"+id, "", nil); status != 200 {
		t.Fatalf("GET before revoking: %d", status)
	}
	if err := st.Store().RevokeKey(context.Background(), auth.Hash(c.key), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ method, path string }{{"GET", "/receipt/" + id}, {"GET", "/receipts"}} {
		if status, body := c.send(t, r.method, r.path, "", nil); status != 200 {
			t.Errorf("%s %s within the cache's TTL of revoking: %d %s, want 200", r.method, r.path, status, body)
		}
	}
	req, _ := http.NewRequest("GET", st.APIURL+"/receipt/"+id, nil)
	req.Header.Set("Authorization", "bearer "+c.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("the revoked key in a header not cached yet: %d, want 401", resp.StatusCode)
	}
}
