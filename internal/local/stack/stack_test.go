//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

const (
	fileNotFound    = `{"error":"File not found in the request."}`
	invalidFormat   = `{"error":"Invalid file format. Supported formats: PNG, JPG, PDF."}`
	receiptNotFound = `{"error":"receipt not found"}`
	tooLarge        = `{"error":"File too large. The maximum upload size is 4 MiB; use POST /receipt/uploads for files up to 10 MB."}`
	requestTooLarge = `{"error":"Request too large. The maximum upload size is 4 MiB; use POST /receipt/uploads for files up to 10 MB."}`
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func newKey(t *testing.T, st *stack.Stack, tenant string) string {
	t.Helper()
	key, err := st.CreateKey(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// client calls a stack's API with one key (none when empty). Each test
// makes its own, so what a request carries never depends on another test.
type client struct {
	base, key string
	// throttled counts the answers that were 429, each sent again.
	throttled atomic.Int64
}

// newClient makes a key for tenant and a client that sends it.
func newClient(t *testing.T, st *stack.Stack, tenant string) *client {
	t.Helper()
	return &client{base: st.APIURL, key: newKey(t, st, tenant)}
}

// upload posts a multipart body with one part, named field, holding data.
func (c *client) upload(t *testing.T, field, filename string, data []byte) (int, string) {
	t.Helper()
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	var w io.Writer
	var err error
	if filename == "" {
		w, err = mw.CreateFormField(field)
	} else {
		w, err = mw.CreateFormFile(field, filename)
	}
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(data)
	_ = mw.Close()
	return c.send(t, "POST", "/receipt", mw.FormDataContentType(), body)
}

// send makes a request to path, checks its answer against docs/openapi.yaml
// and returns its status and body. A request the API throttles (429, the
// template's stage throttling) is sent again after its Retry-After, as a
// client should; the 429 is checked against the contract too.
func (c *client) send(t *testing.T, method, path, contentType string, body io.Reader) (int, string) {
	t.Helper()
	status, b, _ := c.sendWith(t, method, path, contentType, body, nil)
	return status, b
}

// sendWith is send with the given request headers, returning the
// answer's headers too.
func (c *client) sendWith(t *testing.T, method, path, contentType string, body io.Reader, header map[string]string) (int, string, http.Header) {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = io.ReadAll(body); err != nil {
			t.Fatal(err)
		}
	}
	for attempt := 0; ; attempt++ {
		status, out, h := c.sendOnce(t, method, path, contentType, data, header)
		if status != http.StatusTooManyRequests || attempt == 20 {
			return status, out, h
		}
		c.throttled.Add(1)
		wait, _ := strconv.Atoi(h.Get("Retry-After"))
		time.Sleep(time.Duration(max(wait, 1)) * time.Second)
	}
}

func (c *client) sendOnce(t *testing.T, method, path, contentType string, data []byte, header map[string]string) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if data != nil {
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkOpenAPI(t, req, resp, b)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 204 && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestLocalStack runs the real function binaries behind the local API and
// checks the contract of DESIGN §1 over HTTP, AWS's limits, and the event
// fixtures.
func TestLocalStack(t *testing.T) {
	st, _ := sharedStack(t)
	c := newClient(t, st, "contract")
	root := testenv.Root(t)
	jpeg, err := os.ReadFile(filepath.Join(root, "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatalf("test receipt: %v", err)
	}

	t.Run("contract", func(t *testing.T) {
		var id string
		tests := []struct {
			name       string
			do         func() (int, string)
			wantStatus int
			wantBody   string
			check      func(t *testing.T, body string)
		}{
			{"no part named file", func() (int, string) { return c.upload(t, "document", "r.jpg", jpeg) }, 400, fileNotFound, nil},
			{"file field without a file", func() (int, string) { return c.upload(t, "file", "", jpeg) }, 400, fileNotFound, nil},
			{"text renamed .png", func() (int, string) { return c.upload(t, "file", "x.png", []byte("hello")) }, 400, invalidFormat, nil},
			{"not multipart", func() (int, string) {
				return c.send(t, "POST", "/receipt", "application/json", strings.NewReader(`{}`))
			}, 400, fileNotFound, nil},
			{"valid jpeg", func() (int, string) { return c.upload(t, "file", "000.jpg", jpeg) }, 200, "", func(t *testing.T, body string) {
				if err := json.Unmarshal([]byte(body), &id); err != nil {
					t.Fatalf("body %s is not a JSON string", body)
				}
				u, err := uuid.Parse(id)
				if err != nil || u.Version() != 7 {
					t.Errorf("id %q is not a UUIDv7", id)
				}
			}},
			// Whether extraction has finished yet is a race with the GET:
			// either answer is 200 and names the receipt, and only a
			// receipt not yet done says so.
			{"just uploaded", func() (int, string) { return c.send(t, "GET", "/receipt/"+id, "", nil) }, 200, "", func(t *testing.T, body string) {
				var got map[string]any
				_ = json.Unmarshal([]byte(body), &got)
				processing := got["status"] == "PROCESSING" && got["message"] == "receipt is still processing" && got["isProcessing"] == true
				done := got["status"] == "COMPLETED" && got["message"] == nil && got["isProcessing"] == false
				if got["uuid"] != id || !processing && !done {
					t.Errorf("body = %s, want the receipt still processing or completed", body)
				}
			}},
			// A receipt waiting for its presigned upload stays unfinished
			// until its file lands: no race.
			{"still processing", func() (int, string) {
				status, tk, body := c.ticket(t, `{"filename":"r.png","contentType":"image/png","size":100}`)
				if status != 201 {
					return status, body
				}
				return c.send(t, "GET", "/receipt/"+tk.UUID, "", nil)
			}, 200, "", func(t *testing.T, body string) {
				var got map[string]any
				_ = json.Unmarshal([]byte(body), &got)
				if got["message"] != "receipt is still processing" || got["isProcessing"] != true || got["status"] != "UPLOADING" {
					t.Errorf("body = %s", body)
				}
			}},
			{"unknown id", func() (int, string) { return c.send(t, "GET", "/receipt/"+uuid.NewString(), "", nil) }, 404, receiptNotFound, nil},
			{"not an id", func() (int, string) { return c.send(t, "GET", "/receipt/not-an-id", "", nil) }, 404, receiptNotFound, nil},
			{"path traversal", func() (int, string) { return c.send(t, "GET", "/receipt/..%2F..%2Fetc", "", nil) }, 404, `{"error":"route not found"}`, nil},
			{"unknown route", func() (int, string) { return c.send(t, "GET", "/nope", "", nil) }, 404, `{"error":"route not found"}`, nil},
			{"wrong method", func() (int, string) { return c.send(t, "PUT", "/receipt", "", nil) }, 404, `{"error":"route not found"}`, nil},
			{"list", func() (int, string) { return c.send(t, "GET", "/receipts?limit=1", "", nil) }, 200, "", nil},
			{"list, bad limit", func() (int, string) { return c.send(t, "GET", "/receipts?limit=0", "", nil) }, 400, "", nil},
			{"openapi document", func() (int, string) { return c.send(t, "GET", "/openapi.json", "", nil) }, 200, "", nil},
			{"delete", func() (int, string) {
				id := c.uploadID(t, "x.png", pngBytes)
				return c.send(t, "DELETE", "/receipt/"+id, "", nil)
			}, 204, "", nil},
			{"delete unknown", func() (int, string) { return c.send(t, "DELETE", "/receipt/"+uuid.NewString(), "", nil) }, 404, receiptNotFound, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body := tt.do()
				if status != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body %s", status, tt.wantStatus, body)
				}
				if tt.wantBody != "" && body != tt.wantBody {
					t.Errorf("body = %s, want %s", body, tt.wantBody)
				}
				if tt.check != nil {
					tt.check(t, body)
				}
			})
		}
	})

	t.Run("payload limits", func(t *testing.T) {
		tests := []struct {
			name string
			size int
			want string
		}{
			// Over our limit, within Lambda's: the function answers.
			{"over the documented limit", 4<<20 + 100<<10, tooLarge},
			// Base64 pushes the event past Lambda's 6 MB: the gateway
			// answers, as it does on every route.
			{"over Lambda's event limit", 5 << 20, requestTooLarge},
			// Past API Gateway's own 10 MB.
			{"over API Gateway's limit", 11 << 20, requestTooLarge},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				data := append(append([]byte{}, pngBytes...), make([]byte, tt.size)...)
				status, body := c.upload(t, "file", "big.png", data)
				if status != 413 || body != tt.want {
					t.Errorf("got %d %s, want 413 %s", status, body, tt.want)
				}
			})
		}
	})

	t.Run("fixtures", func(t *testing.T) {
		tests := []struct {
			file, function string
			wantStatus     int
			wantBody       string
		}{
			{"upload-png.json", "UploadFunction", 200, ""},
			{"upload-text-renamed-png.json", "UploadFunction", 400, invalidFormat},
			{"upload-no-file.json", "UploadFunction", 400, fileNotFound},
			{"get-unknown.json", "GetFunction", 404, receiptNotFound},
			{"get-invalid-id.json", "GetFunction", 404, receiptNotFound},
			{"authorizer-unknown-key.json", "AuthorizerFunction", 0, ""},
			{"list-first-page.json", "ListFunction", 200, ""},
			{"list-bad-limit.json", "ListFunction", 400, `{"error":"limit must be a whole number from 1 to 100"}`},
			{"delete-unknown.json", "DeleteFunction", 404, receiptNotFound},
			{"uploadurl-png.json", "UploadURLFunction", 201, ""},
			{"openapi.json", "OpenAPIFunction", 200, ""},
			{"webhook-get-unknown.json", "WebhookAPIFunction", 404, `{"error":"webhook not found"}`},
		}
		for _, tt := range tests {
			t.Run(tt.file, func(t *testing.T) {
				event, err := os.ReadFile(filepath.Join(root, "events", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				out, err := st.Invoke(context.Background(), tt.function, event)
				if tt.function == "AuthorizerFunction" {
					var fe *lambdalocal.FunctionError
					if !errors.As(err, &fe) || !strings.Contains(string(fe.Payload), `"errorMessage":"Unauthorized"`) {
						t.Errorf("authorizer answered %s, %v; want the Unauthorized error", out, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("invoke: %v", err)
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(out, &resp); err != nil {
					t.Fatalf("response %s: %v", out, err)
				}
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, resp.Body)
				}
				if tt.wantBody != "" && resp.Body != tt.wantBody {
					t.Errorf("body = %s, want %s", resp.Body, tt.wantBody)
				}
			})
		}
		// The functions fed by queues and notifications: a dead letter, a
		// landed upload and an object to sweep, all for a receipt that
		// does not exist, are handled without an error and without a retry.
		for _, tt := range []struct{ file, function string }{
			{"dead-letter.json", "FailedFunction"},
			{"s3-upload-landed.json", "UploadedFunction"},
			{"stream-completed.json", "WebhookEventsFunction"},
			{"webhook-attempt.json", "WebhookFunction"},
			{"sweep-object-created.json", "SweepFunction"},
		} {
			t.Run(tt.file, func(t *testing.T) {
				event, err := os.ReadFile(filepath.Join(root, "events", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				out, err := st.Invoke(context.Background(), tt.function, event)
				if err != nil {
					t.Fatalf("invoke: %v", err)
				}
				var resp struct{ BatchItemFailures []any }
				if len(out) > 0 && string(out) != "null" {
					if err := json.Unmarshal(out, &resp); err != nil {
						t.Fatalf("response %s: %v", out, err)
					}
				}
				if len(resp.BatchItemFailures) != 0 {
					t.Errorf("batch item failures %s, want none", out)
				}
			})
		}
	})
}
