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

	t.Run("x-api-key header works", func(t *testing.T) {
		req, _ := http.NewRequest("GET", st.APIURL+"/receipt/"+idA, nil)
		req.Header.Set("X-Api-Key", keyA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("status = %d, want 200", resp.StatusCode)
		}
	})

	// Authorization wins over x-api-key, every time: B's key in
	// Authorization never reaches A's receipt, A's always does.
	t.Run("both headers: Authorization wins", func(t *testing.T) {
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
