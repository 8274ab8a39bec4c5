package localstack_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/testenv"
)

type uploadTicket struct {
	UUID      string            `json:"uuid"`
	UploadURL string            `json:"uploadUrl"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
}

func ticket(t *testing.T, base, body string) (int, uploadTicket, string) {
	t.Helper()
	status, resp := send(t, "POST", base+"/receipt/uploads", "application/json", strings.NewReader(body))
	var tk uploadTicket
	_ = json.Unmarshal([]byte(resp), &tk)
	return status, tk, resp
}

func put(t *testing.T, tk uploadTicket, data []byte, headers map[string]string) {
	t.Helper()
	req, err := http.NewRequest(tk.Method, tk.UploadURL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.ContentLength = int64(len(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT to the upload URL: %d", resp.StatusCode)
	}
}

// TestPresignedUploads sends files through POST /receipt/uploads and S3:
// the object landing is what starts processing, through the bucket's
// notification, as in AWS.
func TestPresignedUploads(t *testing.T) {
	st := testenv.Stack(t)
	apiKey = newKey(t, st, "tenant-a")
	jpeg, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "015.jpg"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("file lands, receipt completes", func(t *testing.T) {
		status, tk, body := ticket(t, st.APIURL, `{"filename":"015.jpg","contentType":"image/jpeg","size":`+itoa(len(jpeg))+`}`)
		if status != 201 || tk.Method != "PUT" || tk.UploadURL == "" {
			t.Fatalf("ticket = %d %s", status, body)
		}
		if got := waitStatus(t, st.APIURL, tk.UUID, "UPLOADING"); got["isProcessing"] != true {
			t.Errorf("before upload: %v", got)
		}
		put(t, tk, jpeg, tk.Headers)
		done := waitDone(t, st.APIURL, tk.UUID)
		if done["status"] != "COMPLETED" {
			t.Errorf("after upload: %v", done)
		}
	})
	t.Run("file of another type fails", func(t *testing.T) {
		_, tk, _ := ticket(t, st.APIURL, `{"filename":"r.png","contentType":"image/png","size":5}`)
		put(t, tk, []byte("hello"), tk.Headers)
		done := waitDone(t, st.APIURL, tk.UUID)
		if done["status"] != "FAILED" || done["error"] != "Error extracting details from receipt." {
			t.Errorf("after a text upload: %v", done)
		}
	})
	t.Run("oversize file fails", func(t *testing.T) {
		_, tk, _ := ticket(t, st.APIURL, `{"filename":"r.png","contentType":"image/png","size":100}`)
		big := append(append([]byte{}, pngBytes...), make([]byte, 11<<20)...)
		put(t, tk, big, map[string]string{"Content-Type": "image/png"})
		if done := waitDone(t, st.APIURL, tk.UUID); done["status"] != "FAILED" {
			t.Errorf("after an oversize upload: %v", done)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for _, body := range []string{
			`not json`,
			`{"filename":"","contentType":"image/png","size":10}`,
			`{"filename":"a.gif","contentType":"image/gif","size":10}`,
			`{"filename":"a.png","contentType":"image/png","size":0}`,
			`{"filename":"a.png","contentType":"image/png","size":10485761}`,
		} {
			if status, _, resp := ticket(t, st.APIURL, body); status != 400 {
				t.Errorf("%s: %d %s, want 400", body, status, resp)
			}
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// waitStatus reads a receipt and checks its status.
func waitStatus(t *testing.T, base, id, want string) map[string]any {
	t.Helper()
	status, body := send(t, "GET", base+"/receipt/"+id, "", nil)
	var got map[string]any
	_ = json.Unmarshal([]byte(body), &got)
	if status != 200 || got["status"] != want {
		t.Fatalf("GET %s = %d %s, want status %s", id, status, body, want)
	}
	return got
}
