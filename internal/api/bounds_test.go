package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/receipt"
)

const badFilename = `{"error":"filename must be 1 to 255 characters of UTF-8"}`

// TestUploadFilename: a file's name is stored with its receipt, so it is
// bounded like any text a client gives: 255 characters (not bytes) of
// UTF-8, as POST /receipt/uploads takes them. A name of any other length or
// encoding is a 400 that stores nothing.
func TestUploadFilename(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tests := []struct {
		name, filename string
		wantStatus     int
		wantBody       string
	}{
		{"255 characters", strings.Repeat("n", 255), 200, ""},
		{"255 four-byte characters", strings.Repeat("\U0001F600", 255), 200, ""},
		{"256 characters", strings.Repeat("n", 256), 400, badFilename},
		{"400 KB", strings.Repeat("n", 400<<10), 400, badFilename},
		{"330,000 escape-heavy characters", strings.Repeat("<", 330000), 400, badFilename},
		{"not UTF-8", "r\xff\xfe.png", 400, badFilename},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := fmt.Sprintf("names-%d", time.Now().UnixNano())
			w := do(h, tenant, fileRequest(t, tt.filename, pngBytes))
			if w.Code != tt.wantStatus || tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			l := do(h, tenant, httptest.NewRequest("GET", "/receipts", nil))
			var page struct{ Receipts []struct{ Filename string } }
			_ = json.Unmarshal(l.Body.Bytes(), &page)
			switch {
			case tt.wantStatus != 200 && len(page.Receipts) != 0:
				t.Errorf("a refused upload stored %d receipts", len(page.Receipts))
			case tt.wantStatus == 200 && (len(page.Receipts) != 1 || page.Receipts[0].Filename != tt.filename):
				t.Errorf("list = %.200s, want the receipt with its name", l.Body)
			}
		})
	}
}

func fileRequest(t *testing.T, filename string, data []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(data)
	_ = mw.Close()
	r := httptest.NewRequest("POST", "/receipt", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// tooLarge is a store whose every write is over the store's item limit.
type tooLarge struct{ receiptStore }

func (tooLarge) Create(context.Context, *receipt.Receipt) error {
	return fmt.Errorf("store receipt: %w: Item size has exceeded the maximum allowed size", receipt.ErrTooLarge)
}

// TestRecordTooLargeIsA413: a record the store can't keep is the caller's
// input being too large, never a 500.
func TestRecordTooLargeIsA413(t *testing.T) {
	e := newEnv(t)
	h := api.New(tooLarge{e.receipts}, e.files, e.receipts).Handler()
	for _, r := range []func() *http.Request{
		func() *http.Request { return fileRequest(t, "r.png", pngBytes) },
		func() *http.Request {
			return httptest.NewRequest("POST", "/receipt/uploads", strings.NewReader(`{"filename":"r.png","contentType":"image/png","size":10}`))
		},
	} {
		w := do(h, "too-large", r())
		if w.Code != 413 || w.Body.String() != `{"error":"receipt too large to store"}` {
			t.Errorf("got %d %s, want 413", w.Code, w.Body)
		}
	}
}

// TestUploadURLBodyIsStrict: the body is one JSON object whose keys are
// spelled as documented; anything after it, or a key in another case, is
// not the documented body. Lengths count characters.
func TestUploadURLBodyIsStrict(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	const badJSON = `{"error":"body must be JSON {\"filename\",\"contentType\",\"size\"}"}`
	valid := `{"filename":"r.png","contentType":"image/png","size":10}`
	tests := []struct {
		name, body string
		wantStatus int
		wantBody   string
	}{
		{"valid", valid, 201, ""},
		{"valid, a newline after it", valid + "\n", 201, ""},
		{"valid, an unknown key beside", `{"filename":"r.png","contentType":"image/png","size":10,"note":"x"}`, 201, ""},
		{"255 four-byte characters", `{"filename":"` + strings.Repeat("\U0001F600", 255) + `","contentType":"image/png","size":10}`, 201, ""},
		{"256 four-byte characters", `{"filename":"` + strings.Repeat("\U0001F600", 256) + `","contentType":"image/png","size":10}`, 400, badFilename},
		{"trailing garbage", valid + "x", 400, badJSON},
		{"two objects", valid + "{}", 400, badJSON},
		{"FILENAME", `{"FILENAME":"r.png","contentType":"image/png","size":10}`, 400, badFilename},
		{"ContentType", `{"filename":"r.png","ContentType":"image/png","size":10}`, 400, invalidFormat},
		{"SIZE", `{"filename":"r.png","contentType":"image/png","SIZE":10}`, 400, `{"error":"size must be from 1 to 10485760 bytes"}`},
		{"size a string", `{"filename":"r.png","contentType":"image/png","size":"10"}`, 400, badJSON},
		{"size a fraction", `{"filename":"r.png","contentType":"image/png","size":1.5}`, 400, badJSON},
		{"filename a number", `{"filename":5,"contentType":"image/png","size":10}`, 400, badJSON},
		{"an array", `[]`, 400, badJSON},
		{"null", `null`, 400, badJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "strict", httptest.NewRequest("POST", "/receipt/uploads", strings.NewReader(tt.body)))
			if w.Code != tt.wantStatus || tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// asLambdaResponse is how many bytes a body takes in a Lambda proxy
// response: a JSON string in a JSON object, escaped once more.
func asLambdaResponse(body []byte) int {
	b, _ := json.Marshal(string(body))
	return len(b)
}

// TestListPagesFitLambdasResponse: a page holds at most limit receipts and
// at most what fits, escaped once more, in Lambda's 6 MB response: twenty
// receipts each with 100 KB of text that JSON escapes sixfold would be 14 MB.
// A page cut short has a cursor, and following it lists every receipt once.
func TestListPagesFitLambdasResponse(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tenant := fmt.Sprintf("big-texts-%d", time.Now().UnixNano())
	texts := map[string]bool{}
	for i := range 20 {
		id, _ := receipt.NewID()
		text := strings.Repeat([]string{"<", `"`, "\x01", "&"}[i%4], 100<<10)
		now := time.Now().UTC()
		if err := e.receipts.Create(context.Background(), &receipt.Receipt{ID: id, Tenant: tenant, Status: receipt.Completed,
			FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PNG, Size: 1, Details: text,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		texts[id] = true
	}
	seen, pages, cursor := 0, 0, ""
	for {
		w := do(h, tenant, httptest.NewRequest("GET", "/receipts?limit=100&cursor="+cursor, nil))
		if w.Code != 200 {
			t.Fatalf("page %d: %d %.200s", pages+1, w.Code, w.Body)
		}
		if n := asLambdaResponse(w.Body.Bytes()); n > api.MaxAnswerBytes {
			t.Errorf("page %d takes %d bytes in a Lambda response, over %d", pages+1, n, api.MaxAnswerBytes)
		}
		var page struct {
			Receipts []struct {
				UUID    string
				Details string
			}
			NextCursor string
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Receipts {
			if !texts[r.UUID] || len(r.Details) != 100<<10 {
				t.Errorf("listed %s with %d bytes of text, twice or cut", r.UUID, len(r.Details))
			}
			delete(texts, r.UUID)
			seen++
		}
		pages++
		if cursor = page.NextCursor; cursor == "" || pages > 20 {
			break
		}
	}
	if seen != 20 || pages < 3 {
		t.Errorf("listed %d receipts over %d pages; want all 20 over several", seen, pages)
	}
}

// TestGetFitsLambdasResponse: a text that JSON escapes sixfold and more
// (1 MiB, the most kept) is cut further to fit Lambda's response, and says
// so, rather than fail the invocation.
func TestGetFitsLambdasResponse(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tenant := fmt.Sprintf("escaped-%d", time.Now().UnixNano())
	for _, text := range []string{strings.Repeat("<", 1<<20), strings.Repeat("\x01\"", 1<<19), strings.Repeat("ab", 1<<19)} {
		id, _ := receipt.NewID()
		key := receipt.DetailsKey(tenant, id)
		if err := e.files.Put(context.Background(), key, []byte(text), "text/plain"); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if err := e.receipts.Create(context.Background(), &receipt.Receipt{ID: id, Tenant: tenant, Status: receipt.Completed,
			FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PDF, Size: 1, DetailsKey: key,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		w := do(h, tenant, httptest.NewRequest("GET", "/receipt/"+id, nil))
		if w.Code != 200 {
			t.Fatalf("%d %.200s", w.Code, w.Body)
		}
		if n := asLambdaResponse(w.Body.Bytes()); n > api.MaxAnswerBytes {
			t.Errorf("%q...: the answer takes %d bytes in a Lambda response, over %d", text[:2], n, api.MaxAnswerBytes)
		}
		var got struct {
			Details          string
			DetailsTruncated bool
		}
		_ = json.Unmarshal(w.Body.Bytes(), &got)
		cut := len(got.Details) < len(text)
		if !strings.HasPrefix(text, got.Details) || got.DetailsTruncated != cut || len(got.Details) < 100<<10 {
			t.Errorf("%q...: details of %d bytes, truncated %v; want a prefix, said to be cut when it is", text[:2], len(got.Details), got.DetailsTruncated)
		}
		if text[0] == 'a' && cut {
			t.Errorf("a plain text of 1 MiB was cut")
		}
	}
}
