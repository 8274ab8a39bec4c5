package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

func TestUploadURLContract(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tests := []struct {
		name, body string
		wantStatus int
		wantBody   string // exact, unless empty
	}{
		{"png", `{"filename":"r.png","contentType":"image/png","size":1000}`, 201, ""},
		{"pdf at the size limit", `{"filename":"r.pdf","contentType":"application/pdf","size":10485760}`, 201, ""},
		{"not json", `not json`, 400, `{"error":"body must be JSON {\"filename\",\"contentType\",\"size\"}"}`},
		{"no filename", `{"filename":"","contentType":"image/png","size":10}`, 400, `{"error":"filename must be 1 to 255 characters of UTF-8"}`},
		{"long filename", `{"filename":"` + strings.Repeat("a", 256) + `","contentType":"image/png","size":10}`, 400, `{"error":"filename must be 1 to 255 characters of UTF-8"}`},
		{"gif", `{"filename":"a.gif","contentType":"image/gif","size":10}`, 400, invalidFormat},
		{"empty file", `{"filename":"a.png","contentType":"image/png","size":0}`, 400, `{"error":"size must be from 1 to 10485760 bytes"}`},
		{"over 10 MB", `{"filename":"a.png","contentType":"image/png","size":10485761}`, 400, `{"error":"size must be from 1 to 10485760 bytes"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now()
			w := do(h, "uploader", httptest.NewRequest("POST", "/receipt/uploads", strings.NewReader(tt.body)))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("body = %s, want %s", w.Body, tt.wantBody)
			}
			if tt.wantStatus != 201 {
				return
			}
			var got struct {
				UUID, UploadURL, Method string
				Headers                 map[string]string
				ExpiresAt               time.Time
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %s: %v", w.Body, err)
			}
			if !receipt.ValidID(got.UUID) || got.Method != "PUT" || got.UploadURL == "" || got.Headers["If-None-Match"] != "*" {
				t.Errorf("ticket %s: want an id, PUT, a URL and If-None-Match: *", w.Body)
			}
			if d := got.ExpiresAt.Sub(before); d < 14*time.Minute || d > 16*time.Minute {
				t.Errorf("expiresAt %s is %s away, want 15 minutes", got.ExpiresAt, d)
			}
			rc, err := e.receipts.Get(context.Background(), "uploader", got.UUID)
			if err != nil {
				t.Fatalf("stored receipt: %v", err)
			}
			if rc.Status != receipt.Uploading || rc.FileKey != receipt.UploadKey("uploader", got.UUID) {
				t.Errorf("stored %s at %s, want UPLOADING at %s", rc.Status, rc.FileKey, receipt.UploadKey("uploader", got.UUID))
			}
			g := do(h, "uploader", httptest.NewRequest("GET", "/receipt/"+got.UUID, nil))
			var body map[string]any
			_ = json.Unmarshal(g.Body.Bytes(), &body)
			if g.Code != 200 || body["status"] != "UPLOADING" || body["message"] != "receipt is still processing" {
				t.Errorf("GET before the file lands = %d %s", g.Code, g.Body)
			}
		})
	}
}
