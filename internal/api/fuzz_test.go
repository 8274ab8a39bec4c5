package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/receipt"
)

// FuzzUpload sends arbitrary bodies to POST /receipt. Whatever arrives, the
// answer is a JSON 200, 400 or 413, never a 5xx or a panic, and a 200 means a
// supported document was stored.
func FuzzUpload(f *testing.F) {
	const boundary = "fuzzboundary"
	part := func(header, data string) string {
		return "--" + boundary + "\r\n" + header + "\r\n\r\n" + data + "\r\n"
	}
	file := `Content-Disposition: form-data; name="file"; filename="r.png"`
	f.Add(part(file, string(pngBytes)) + "--" + boundary + "--\r\n")
	f.Add(part(file, string(jpegBytes)) + "--" + boundary + "--\r\n")
	f.Add(part(file, string(pdfBytes)) + "--" + boundary + "--\r\n")
	f.Add(part(file, "text") + "--" + boundary + "--\r\n")
	f.Add(part(`Content-Disposition: form-data; name="file"`, string(pngBytes)) + "--" + boundary + "--\r\n")
	f.Add(part(`Content-Disposition: form-data; name="x"`, "y") + part(file, string(pngBytes)))
	f.Add("--" + boundary + "\r\n")
	f.Add("")

	e := newEnv(f)
	h := e.srv.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/receipt", strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		w := do(h, "fuzz", r)
		switch w.Code {
		case 200:
			var id string
			if err := json.Unmarshal(w.Body.Bytes(), &id); err != nil {
				t.Fatalf("200 with body %s", w.Body)
			}
			rc, err := e.receipts.Get(r.Context(), "fuzz", id)
			if err != nil {
				t.Fatalf("200 but nothing stored: %v", err)
			}
			stored, err := e.files.Get(r.Context(), rc.FileKey)
			if err != nil {
				t.Fatalf("200 but no file stored: %v", err)
			}
			if got := receipt.Sniff(stored); got == "" || got != rc.ContentType {
				t.Fatalf("stored a %q file as %q", got, rc.ContentType)
			}
		case 400, 413:
			var e map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e["error"] == "" {
				t.Fatalf("%d with body %s", w.Code, w.Body)
			}
		default:
			t.Fatalf("status %d, body %s", w.Code, w.Body)
		}
	})
}
