package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// Smallest well-formed documents of each supported type.
var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
)

// env is a Server over its stores. newEnv builds it: over in-memory fakes
// for the unit tests (env_unit_test.go), over DynamoDB Local and the
// in-process S3 with the integration tag (env_integration_test.go), so the
// same contract is checked against both.
type env struct {
	srv      *api.Server
	receipts receiptStore
	files    api.Files
	hooks    api.Webhooks
}

// receiptStore is what the tests read and set up through, beside what the
// Server uses.
type receiptStore interface {
	api.Receipts
	api.Idempotency
}

// multipartBody builds a multipart body with one part per field; a field
// whose name starts with "@" is a file part.
func multipartBody(t testing.TB, parts map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	buf := &bytes.Buffer{}
	mw := multipart.NewWriter(buf)
	for name, data := range parts {
		var (
			w   io.Writer
			err error
		)
		if field, ok := strings.CutPrefix(name, "@"); ok {
			w, err = mw.CreateFormFile(field, "receipt.bin")
		} else {
			w, err = mw.CreateFormField(name)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf
}

func do(h http.Handler, tenant string, r *http.Request) *httptest.ResponseRecorder {
	if tenant != "" {
		r = r.WithContext(api.WithTenant(r.Context(), tenant))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type upload struct {
	contentType string            // for raw bodies
	raw         string            // sent as is when parts is nil
	parts       map[string][]byte // a multipart body; "@name" is a file part
}

func (u upload) request(t testing.TB) *http.Request {
	if u.parts != nil {
		ct, body := multipartBody(t, u.parts)
		r := httptest.NewRequest("POST", "/receipt", body)
		r.Header.Set("Content-Type", ct)
		return r
	}
	r := httptest.NewRequest("POST", "/receipt", strings.NewReader(u.raw))
	if u.contentType != "" {
		r.Header.Set("Content-Type", u.contentType)
	}
	return r
}

const (
	fileNotFound  = `{"error":"File not found in the request."}`
	invalidFormat = `{"error":"Invalid file format. Supported formats: PNG, JPG, PDF."}`
)

func TestUploadContract(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tests := []struct {
		name       string
		upload     upload
		wantStatus int
		wantBody   string // exact, unless empty
	}{
		{"empty body", upload{}, 400, fileNotFound},
		{"file part without filename", upload{parts: map[string][]byte{"file": pngBytes}}, 400, fileNotFound},
		{"part with another name", upload{parts: map[string][]byte{"@document": pngBytes}}, 400, fileNotFound},
		{"not multipart", upload{contentType: "application/json", raw: `{"file":"x"}`}, 400, fileNotFound},
		{"multipart without boundary", upload{contentType: "multipart/form-data", raw: "garbage"}, 400, fileNotFound},
		{"truncated multipart", upload{contentType: "multipart/form-data; boundary=xyz", raw: "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG"}, 400, fileNotFound},
		{"text file", upload{parts: map[string][]byte{"@file": []byte("just some text, named .png")}}, 400, invalidFormat},
		{"empty file", upload{parts: map[string][]byte{"@file": {}}}, 400, invalidFormat},
		{"gif", upload{parts: map[string][]byte{"@file": []byte("GIF89a\x01\x00\x01\x00")}}, 400, invalidFormat},
		{"truncated png", upload{parts: map[string][]byte{"@file": pngBytes[:40]}}, 400, invalidFormat},
		{"jpeg magic, then text", upload{parts: map[string][]byte{"@file": []byte("\xff\xd8\xff\xe0 <?php system($_GET['c']); ?>")}}, 400, invalidFormat},
		{"pdf that is also a zip", upload{parts: map[string][]byte{"@file": []byte("%PDF-1.4\nPK\x03\x04 polyglot")}}, 400, invalidFormat},
		{"too large", upload{parts: map[string][]byte{"@file": append(append([]byte{}, pngBytes...), make([]byte, api.MaxUploadBytes)...)}}, 413, `{"error":"File too large. The maximum upload size is 4 MiB; use POST /receipt/uploads for files up to 10 MB."}`},
		{"png declaring too many pixels", upload{parts: map[string][]byte{"@file": testdocs.PNG(6400, 6400, 0, 8)}}, 400, `{"error":"Image too large: 6400x6400 pixels is over the limit of 40000000 pixels."}`},
		{"378-byte jpeg declaring 30000x30000", upload{parts: map[string][]byte{"@file": testdocs.JPEG(30000, 30000)}}, 400, `{"error":"Image too large: 30000x30000 pixels is over the limit of 40000000 pixels."}`},
		{"jpeg of a 600 DPI A4 scan", upload{parts: map[string][]byte{"@file": testdocs.JPEG(4960, 7016)}}, 200, ""},
		{"png", upload{parts: map[string][]byte{"@file": pngBytes}}, 200, ""},
		{"jpeg", upload{parts: map[string][]byte{"@file": jpegBytes}}, 200, ""},
		{"pdf", upload{parts: map[string][]byte{"@file": pdfBytes}}, 200, ""},
		{"file beside other fields", upload{parts: map[string][]byte{"note": []byte("hi"), "@file": pngBytes}}, 200, ""},
	}
	stored := func() int {
		rs, _, err := e.receipts.List(context.Background(), "tenant-a", receipt.ListQuery{Limit: 100}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := stored()
			w := do(h, "tenant-a", tt.upload.request(t))
			if tt.wantStatus != 200 && stored() != before {
				t.Errorf("a refused upload stored a receipt")
			}
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("body = %s, want %s", w.Body, tt.wantBody)
			}
			if tt.wantStatus != 200 {
				return
			}
			var id string
			if err := json.Unmarshal(w.Body.Bytes(), &id); err != nil || !receipt.ValidID(id) {
				t.Fatalf("body %s is not a JSON string holding an id", w.Body)
			}
			rc, err := e.receipts.Get(context.Background(), "tenant-a", id)
			if err != nil {
				t.Fatalf("stored receipt: %v", err)
			}
			stored, err := e.files.Get(context.Background(), rc.FileKey)
			if err != nil {
				t.Fatalf("stored file: %v", err)
			}
			if !bytes.Equal(stored, tt.upload.parts["@file"]) {
				t.Errorf("stored file differs from the upload")
			}
		})
	}
}

func TestGetContract(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	ct, body := multipartBody(t, map[string][]byte{"@file": pngBytes})
	r := httptest.NewRequest("POST", "/receipt", body)
	r.Header.Set("Content-Type", ct)
	var id string
	if err := json.Unmarshal(do(h, "owner", r).Body.Bytes(), &id); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tenant, path string
		wantStatus         int
		wantBody           string
		wantKeys           map[string]any
	}{
		{"processing", "owner", "/receipt/" + id, 200, "", map[string]any{
			"message": "receipt is still processing", "uuid": id, "isProcessing": true, "status": "PROCESSING"}},
		{"unknown id", "owner", "/receipt/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", 404, `{"error":"receipt not found"}`, nil},
		{"not an id", "owner", "/receipt/not-a-uuid", 404, `{"error":"receipt not found"}`, nil},
		{"another tenant's", "intruder", "/receipt/" + id, 404, `{"error":"receipt not found"}`, nil},
		{"unknown route", "owner", "/receipts/x/y", 404, `{"error":"route not found"}`, nil},
		{"dot segments", "owner", "/receipt/../receipt/" + id, 404, `{"error":"route not found"}`, nil},
		{"doubled slash", "owner", "/receipt//" + id, 404, `{"error":"route not found"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, tt.tenant, httptest.NewRequest("GET", tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("body = %s, want %s", w.Body, tt.wantBody)
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.wantKeys {
				if got[k] != want {
					t.Errorf("%s = %v, want %v", k, got[k], want)
				}
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path, allow string
	}{
		{"GET", "/receipt", "POST"},
		{"PUT", "/receipt/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", "DELETE, GET, PATCH"},
		{"GET", "/receipt/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b/reprocess", "POST"},
		{"POST", "/settings", "GET, PUT"},
	}
	for _, tt := range tests {
		w := do(e.srv.Handler(), "t", httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != 405 || w.Body.String() != `{"error":"method not allowed"}` {
			t.Errorf("%s %s = %d %s, want 405 JSON", tt.method, tt.path, w.Code, w.Body)
		}
		if got := w.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s %s Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

func TestNoTenantIsUnauthorized(t *testing.T) {
	e := newEnv(t)
	w := do(e.srv.Handler(), "", httptest.NewRequest("GET", "/receipt/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", nil))
	if w.Code != 401 {
		t.Errorf("status = %d, want 401", w.Code)
	}
}

func TestListAndDelete(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	var ids []string
	for range 5 {
		ct, body := multipartBody(t, map[string][]byte{"@file": pngBytes})
		r := httptest.NewRequest("POST", "/receipt", body)
		r.Header.Set("Content-Type", ct)
		var id string
		if err := json.Unmarshal(do(h, "lister", r).Body.Bytes(), &id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	list := func(t *testing.T, tenant, query string) (int, map[string]any) {
		w := do(h, tenant, httptest.NewRequest("GET", "/receipts"+query, nil))
		var body map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		return w.Code, body
	}
	idsOf := func(body map[string]any) []string {
		var out []string
		for _, r := range body["receipts"].([]any) {
			out = append(out, r.(map[string]any)["uuid"].(string))
		}
		return out
	}

	t.Run("pages newest first", func(t *testing.T) {
		var got []string
		cursor := ""
		for page := 0; page < 5; page++ {
			code, body := list(t, "lister", "?limit=2"+cursor)
			if code != 200 {
				t.Fatalf("status %d: %v", code, body)
			}
			got = append(got, idsOf(body)...)
			next, ok := body["nextCursor"].(string)
			if !ok {
				break
			}
			cursor = "&cursor=" + next
		}
		want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("listed %v, want %v", got, want)
		}
	})

	t.Run("status filter", func(t *testing.T) {
		_, body := list(t, "lister", "?status=COMPLETED")
		if n := len(body["receipts"].([]any)); n != 0 {
			t.Errorf("%d completed receipts listed, want 0", n)
		}
		_, body = list(t, "lister", "?status=PROCESSING&limit=100")
		if n := len(body["receipts"].([]any)); n != 5 {
			t.Errorf("%d processing receipts listed, want 5", n)
		}
	})

	t.Run("other tenants see nothing", func(t *testing.T) {
		_, body := list(t, "someone-else", "")
		if n := len(body["receipts"].([]any)); n != 0 {
			t.Errorf("another tenant lists %d receipts", n)
		}
		// A cursor made from this tenant's id still lists only the caller's.
		_, body = list(t, "someone-else", "?cursor="+base64.RawURLEncoding.EncodeToString([]byte(ids[4])))
		if n := len(body["receipts"].([]any)); n != 0 {
			t.Errorf("a borrowed cursor lists %d receipts", n)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?cursor=!!", "?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("TENANT#x")), "?status=DONE"} {
			if code, body := list(t, "lister", q); code != 400 || body["error"] == nil {
				t.Errorf("%s: %d %v, want 400", q, code, body)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		id := ids[0]
		rc, err := e.receipts.Get(context.Background(), "lister", id)
		if err != nil {
			t.Fatal(err)
		}
		if w := do(h, "someone-else", httptest.NewRequest("DELETE", "/receipt/"+id, nil)); w.Code != 404 || w.Body.String() != `{"error":"receipt not found"}` {
			t.Errorf("another tenant's delete = %d %s, want 404", w.Code, w.Body)
		}
		if w := do(h, "lister", httptest.NewRequest("DELETE", "/receipt/"+id, nil)); w.Code != 204 || w.Body.Len() != 0 {
			t.Fatalf("delete = %d %s, want 204", w.Code, w.Body)
		}
		if _, err := e.receipts.Get(context.Background(), "lister", id); !errors.Is(err, receipt.ErrNotFound) {
			t.Errorf("record after delete: %v", err)
		}
		if _, err := e.files.Get(context.Background(), rc.FileKey); !errors.Is(err, receipt.ErrNotFound) {
			t.Errorf("file after delete: %v", err)
		}
		if w := do(h, "lister", httptest.NewRequest("DELETE", "/receipt/"+id, nil)); w.Code != 404 {
			t.Errorf("second delete = %d, want 404", w.Code)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	post := func(key string, file []byte, name string) *httptest.ResponseRecorder {
		body := &bytes.Buffer{}
		mw := multipart.NewWriter(body) // a new boundary every time, as a retrying client would
		w, _ := mw.CreateFormFile("file", name)
		_, _ = w.Write(file)
		_ = mw.Close()
		r := httptest.NewRequest("POST", "/receipt", body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		return do(h, "idem", r)
	}
	count := func() int {
		rs, _, err := e.receipts.List(context.Background(), "idem", receipt.ListQuery{Limit: 100}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}

	first := post("key-1", pngBytes, "a.png")
	if first.Code != 200 {
		t.Fatalf("first = %d %s", first.Code, first.Body)
	}
	retry := post("key-1", pngBytes, "a.png")
	if retry.Code != 200 || retry.Body.String() != first.Body.String() || retry.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry = %d %s (replayed %q), want the first answer %s", retry.Code, retry.Body, retry.Header().Get("Idempotent-Replayed"), first.Body)
	}
	if n := count(); n != 1 {
		t.Errorf("%d receipts after a retry, want 1", n)
	}
	if w := post("key-1", jpegBytes, "a.png"); w.Code != 422 {
		t.Errorf("same key, other file = %d %s, want 422", w.Code, w.Body)
	}
	if w := post("key-1", pngBytes, "b.png"); w.Code != 422 {
		t.Errorf("same key, other name = %d %s, want 422", w.Code, w.Body)
	}
	// The same key belongs to each tenant separately.
	ct, body := multipartBody(t, map[string][]byte{"@file": pngBytes})
	other := httptest.NewRequest("POST", "/receipt", body)
	other.Header.Set("Content-Type", ct)
	other.Header.Set("Idempotency-Key", "key-1")
	if w := do(h, "idem-other", other); w.Code != 200 || w.Body.String() == first.Body.String() {
		t.Errorf("another tenant's key-1 = %d %s, want a new receipt", w.Code, w.Body)
	}

	t.Run("in flight", func(t *testing.T) {
		fp := "x"
		if err := e.receipts.ClaimIdempotency(context.Background(), "idem", "key-2", fp, time.Now(), time.Hour, time.Minute); err != nil {
			t.Fatal(err)
		}
		// A different fingerprint is a different request: 422 wins over 409.
		if w := post("key-2", pngBytes, "a.png"); w.Code != 422 {
			t.Errorf("= %d %s, want 422", w.Code, w.Body)
		}
	})
	t.Run("in flight, same request", func(t *testing.T) {
		// The key is held by a first request for the same upload.
		fp := api.Fingerprint("c.png", pngBytes)
		if err := e.receipts.ClaimIdempotency(context.Background(), "idem", "key-3", fp, time.Now(), time.Hour, time.Minute); err != nil {
			t.Fatal(err)
		}
		if w := post("key-3", pngBytes, "c.png"); w.Code != 409 {
			t.Errorf("= %d %s, want 409", w.Code, w.Body)
		}
	})
	t.Run("abandoned claim is taken over", func(t *testing.T) {
		fp := api.Fingerprint("d.png", pngBytes)
		long := time.Now().Add(-2 * time.Minute)
		if err := e.receipts.ClaimIdempotency(context.Background(), "idem", "key-4", fp, long, time.Hour, time.Minute); err != nil {
			t.Fatal(err)
		}
		if w := post("key-4", pngBytes, "d.png"); w.Code != 200 {
			t.Errorf("= %d %s, want 200", w.Code, w.Body)
		}
	})
	t.Run("expired key is free", func(t *testing.T) {
		old := time.Now().Add(-48 * time.Hour)
		if err := e.receipts.ClaimIdempotency(context.Background(), "idem", "key-5", "other", old, 24*time.Hour, time.Minute); err != nil {
			t.Fatal(err)
		}
		if w := post("key-5", pngBytes, "e.png"); w.Code != 200 {
			t.Errorf("= %d %s, want 200", w.Code, w.Body)
		}
	})
	t.Run("bad keys", func(t *testing.T) {
		for _, k := range []string{strings.Repeat("k", 256), "has space", "tab\tkey", "ünicode"} {
			if w := post(k, pngBytes, "a.png"); w.Code != 400 {
				t.Errorf("key %q = %d, want 400", k, w.Code)
			}
		}
	})
}

// textOnFileDelete stores a receipt's text beside its file the moment DELETE
// removes the file, as a processor finishing at that moment would, after
// DELETE read the record.
type textOnFileDelete struct {
	api.Files
	tenant, id string
}

func (f textOnFileDelete) Delete(ctx context.Context, key string) error {
	if key == receipt.FileKey(f.tenant, f.id) {
		if err := f.Files.Put(ctx, receipt.DetailsKey(f.tenant, f.id), []byte("TOTAL 9.00"), "text/plain"); err != nil {
			return err
		}
	}
	return f.Files.Delete(ctx, key)
}

// TestDeleteRemovesATextStoredMeanwhile: a text a processor stores beside
// the file after DELETE read the record (which did not name it yet) goes
// with the receipt.
func TestDeleteRemovesATextStoredMeanwhile(t *testing.T) {
	e := newEnv(t)
	tenant := fmt.Sprintf("racer-%d", time.Now().UnixNano())
	ct, body := multipartBody(t, map[string][]byte{"@file": pngBytes})
	r := httptest.NewRequest("POST", "/receipt", body)
	r.Header.Set("Content-Type", ct)
	var id string
	if err := json.Unmarshal(do(e.srv.Handler(), tenant, r).Body.Bytes(), &id); err != nil {
		t.Fatal(err)
	}
	h := api.New(e.receipts, textOnFileDelete{Files: e.files, tenant: tenant, id: id}, e.receipts).Handler()
	if w := do(h, tenant, httptest.NewRequest("DELETE", "/receipt/"+id, nil)); w.Code != 204 {
		t.Fatalf("delete = %d %s, want 204", w.Code, w.Body)
	}
	if _, err := e.files.Get(context.Background(), receipt.DetailsKey(tenant, id)); !errors.Is(err, receipt.ErrNotFound) {
		t.Errorf("text stored during the delete: %v, want it gone", err)
	}
}
