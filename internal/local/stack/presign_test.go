//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
)

type uploadTicket struct {
	UUID      string            `json:"uuid"`
	UploadURL string            `json:"uploadUrl"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
}

func (c *client) ticket(t *testing.T, body string) (int, uploadTicket, string) {
	t.Helper()
	status, resp := c.send(t, "POST", "/receipt/uploads", "application/json", strings.NewReader(body))
	var tk uploadTicket
	_ = json.Unmarshal([]byte(resp), &tk)
	return status, tk, resp
}

func put(t *testing.T, tk uploadTicket, data []byte, headers map[string]string) {
	t.Helper()
	if status := putStatus(t, tk, data, headers); status != 200 {
		t.Fatalf("PUT to the upload URL: %d", status)
	}
}

func putStatus(t *testing.T, tk uploadTicket, data []byte, headers map[string]string) int {
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
	return resp.StatusCode
}

// TestPresignedUploads sends files through POST /receipt/uploads and S3:
// the object landing is what starts processing, through the bucket's
// notification, as in AWS.
func TestPresignedUploads(t *testing.T) {
	st, _ := sharedStack(t)
	const tenant = "presign"
	c := newClient(t, st, tenant)
	jpeg, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "015.jpg"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("file lands, receipt completes", func(t *testing.T) {
		status, tk, body := c.ticket(t, `{"filename":"015.jpg","contentType":"image/jpeg","size":`+itoa(len(jpeg))+`}`)
		if status != 201 || tk.Method != "PUT" || tk.UploadURL == "" {
			t.Fatalf("ticket = %d %s", status, body)
		}
		if got := c.waitStatus(t, tk.UUID, "UPLOADING"); got["isProcessing"] != true {
			t.Errorf("before upload: %v", got)
		}
		put(t, tk, jpeg, tk.Headers)
		done := c.waitDone(t, tk.UUID)
		if done["status"] != "COMPLETED" {
			t.Errorf("after upload: %v", done)
		}
	})
	t.Run("a second PUT to the URL cannot change what is extracted", func(t *testing.T) {
		first := asPNG(t, jpeg)
		// Same size, not an image: were it extracted, the receipt would fail.
		second := bytes.Repeat([]byte{0}, len(first))
		copy(second, first[:8])
		_, tk, body := c.ticket(t, `{"filename":"015.png","contentType":"image/png","size":`+itoa(len(first))+`}`)
		if tk.Headers["If-None-Match"] != "*" {
			t.Errorf("upload headers %v lack If-None-Match: * (%s)", tk.Headers, body)
		}
		put(t, tk, first, tk.Headers)
		// At once: S3 refuses it while the first file is there (412), or it
		// lands after the first was taken and is thrown away.
		if status := putStatus(t, tk, second, tk.Headers); status != 200 && status != 412 {
			t.Errorf("second PUT: %d, want 412 or 200", status)
		} else {
			t.Logf("second PUT at once: %d", status)
		}
		done := c.waitDone(t, tk.UUID)
		if done["status"] != "COMPLETED" || done["details"] == "" {
			t.Fatalf("after two PUTs: %v", done)
		}
		// Once processing has started, the URL still works, and changes
		// nothing either.
		if status := putStatus(t, tk, second, tk.Headers); status != 200 && status != 412 {
			t.Errorf("late PUT: %d, want 200 or 412", status)
		} else {
			t.Logf("late PUT: %d", status)
		}
		rc, err := st.Store().Get(context.Background(), tenant, tk.UUID)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(first)
		if rc.SHA256 != hex.EncodeToString(sum[:]) || rc.Size != int64(len(first)) || rc.FileKey != tenant+"/"+tk.UUID {
			t.Errorf("receipt records file %s, %d bytes, sha256 %s; want the first PUT's at %s/%s",
				rc.FileKey, rc.Size, rc.SHA256, tenant, tk.UUID)
		}
		objects := stackFiles(t, st)
		if kept, err := objects.Get(context.Background(), rc.FileKey); err != nil || !bytes.Equal(kept, first) {
			t.Errorf("kept file is not the first PUT's (%d bytes, %v)", len(kept), err)
		}
		// The late PUT's object is removed when its notification comes.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := objects.Get(context.Background(), "uploads/"+tenant+"/"+tk.UUID)
			if errors.Is(err, receipt.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("late PUT's object still in uploads/ after 10 s (%v)", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if again := c.waitDone(t, tk.UUID); again["details"] != done["details"] || again["status"] != "COMPLETED" {
			t.Errorf("result changed after the late PUT: %v", again)
		}
	})
	t.Run("file of another type fails", func(t *testing.T) {
		_, tk, _ := c.ticket(t, `{"filename":"r.png","contentType":"image/png","size":5}`)
		put(t, tk, []byte("hello"), tk.Headers)
		done := c.waitDone(t, tk.UUID)
		if done["status"] != "FAILED" || done["error"] != "Error extracting details from receipt." {
			t.Errorf("after a text upload: %v", done)
		}
	})
	t.Run("oversize file fails", func(t *testing.T) {
		_, tk, _ := c.ticket(t, `{"filename":"r.png","contentType":"image/png","size":100}`)
		big := append(append([]byte{}, pngBytes...), make([]byte, 11<<20)...)
		put(t, tk, big, map[string]string{"Content-Type": "image/png"})
		if done := c.waitDone(t, tk.UUID); done["status"] != "FAILED" {
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
			if status, _, resp := c.ticket(t, body); status != 400 {
				t.Errorf("%s: %d %s, want 400", body, status, resp)
			}
		}
	})
}

// asPNG re-encodes a JPEG as a grayscale PNG.
func asPNG(t *testing.T, jpg []byte) []byte {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, gray); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stackFiles returns the stack's bucket.
func stackFiles(t *testing.T, st *stack.Stack) *files.Store {
	t.Helper()
	buckets, err := st.Template.Resources("AWS::S3::Bucket")
	if err != nil || len(buckets) != 1 {
		t.Fatalf("buckets %v: %v", buckets, err)
	}
	client := s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(st.S3.Endpoint)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return files.New(client, buckets[0].Name)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// waitStatus reads a receipt and checks its status.
func (c *client) waitStatus(t *testing.T, id, want string) map[string]any {
	t.Helper()
	status, body := c.send(t, "GET", "/receipt/"+id, "", nil)
	var got map[string]any
	_ = json.Unmarshal([]byte(body), &got)
	if status != 200 || got["status"] != want {
		t.Fatalf("GET %s = %d %s, want status %s", id, status, body, want)
	}
	return got
}
