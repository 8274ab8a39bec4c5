//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// reports keeps the stack's output for the REPORT lines of its functions,
// and passes it on to the test log.
type reports struct {
	t  *testing.T
	mu sync.Mutex
	b  bytes.Buffer
}

func (r *reports) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.b.Write(p)
	r.mu.Unlock()
	r.t.Logf("%s", p)
	return len(p), nil
}

var reportLine = regexp.MustCompile(`\[(\w+)\] REPORT .*Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB`)

// peaks returns, per function, the most memory any invocation used, and
// its MemorySize.
func (r *reports) peaks() map[string][2]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][2]int{}
	for _, m := range reportLine.FindAllStringSubmatch(r.b.String(), -1) {
		size, _ := strconv.Atoi(m[2])
		used, _ := strconv.Atoi(m[3])
		out[m[1]] = [2]int{size, max(used, out[m[1]][1])}
	}
	return out
}

// TestImageBombs sends images that declare far more pixels than their bytes
// hold through every way in: refused at POST /receipt with 400, FAILED
// within 30 s through a presigned upload, and FAILED within 30 s when one
// reaches the processor without being checked, each with every function's
// peak memory, subprocesses included, under its MemorySize.
//
// The processor's own pixel check is lifted here, so that what it would
// have refused reaches tesseract, and the next bounds are what is proved:
// the decode budget, and the subprocess's memory limit.
func TestImageBombs(t *testing.T) {
	logs := &reports{t: t}
	st := ownStack(t, logs, map[string]map[string]string{"ProcessorFunction": {"MAX_IMAGE_PIXELS": "1000000000000"}})
	c := newClient(t, st, "tenant-a")
	bombs := []struct {
		name, typ string
		doc       []byte
		message   string
	}{
		{"png 30000x30000", receipt.PNG, testdocs.PNG(30000, 30000, 0, 8),
			`{"error":"Image too large: 30000x30000 pixels is over the limit of 40000000 pixels."}`},
		{"378-byte jpeg 30000x30000", receipt.JPEG, testdocs.JPEG(30000, 30000),
			`{"error":"Image too large: 30000x30000 pixels is over the limit of 40000000 pixels."}`},
		{"16-bit png 8944x8944", receipt.PNG, testdocs.PNG(8944, 8944, 2, 16),
			`{"error":"Image too large: 8944x8944 pixels is over the limit of 40000000 pixels."}`},
	}
	s3c := s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(st.S3.Endpoint)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	bucket := st.Function("ProcessorFunction").Env["BUCKET_NAME"]
	fs := files.New(s3c, bucket)
	failsWithin := func(t *testing.T, id string) {
		t.Helper()
		start := time.Now()
		done := c.waitDone(t, id)
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("ended after %v, want within 30 s", took)
		}
		if done["status"] != "FAILED" || done["error"] != receipt.ExtractionError {
			t.Errorf("receipt = %v, want FAILED", done)
		}
	}
	for _, b := range bombs {
		t.Run(b.name+" at POST /receipt", func(t *testing.T) {
			status, body := c.upload(t, "file", "bomb", b.doc)
			if status != 400 || body != b.message {
				t.Errorf("upload = %d %s, want 400 %s", status, body, b.message)
			}
		})
		t.Run(b.name+" through a presigned upload", func(t *testing.T) {
			_, tk, body := c.ticket(t, fmt.Sprintf(`{"filename":"bomb","contentType":%q,"size":%d}`, b.typ, len(b.doc)))
			if tk.UUID == "" {
				t.Fatalf("ticket: %s", body)
			}
			put(t, tk, b.doc, tk.Headers)
			failsWithin(t, tk.UUID)
		})
		t.Run(b.name+" stored unchecked", func(t *testing.T) {
			// As if uploaded before the limit existed: straight into the
			// bucket and the table, so only the processor stands in its way.
			id, err := receipt.NewID()
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			rc := &receipt.Receipt{ID: id, Tenant: "tenant-a", Status: receipt.Processing, Filename: "bomb",
				FileKey: receipt.FileKey("tenant-a", id), ContentType: b.typ, Size: int64(len(b.doc)),
				CreatedAt: now, UpdatedAt: now}
			if err := fs.Put(context.Background(), rc.FileKey, b.doc, b.typ); err != nil {
				t.Fatal(err)
			}
			if err := st.Store().Create(context.Background(), rc); err != nil {
				t.Fatal(err)
			}
			failsWithin(t, id)
		})
	}
	t.Run("two colour images at the pixel limit at once", func(t *testing.T) {
		// Each decodes in the processor (about 210 MB) and goes to
		// tesseract: the worst that passes every check, twice over.
		doc := testdocs.PNG(6324, 6324, 2, 8)
		var ids []string
		for i := range 2 {
			ids = append(ids, c.uploadID(t, fmt.Sprintf("limit-%d.png", i), doc))
		}
		for _, id := range ids {
			c.waitDone(t, id)
		}
	})
	peaks := logs.peaks()
	if _, ok := peaks["ProcessorFunction"]; !ok {
		t.Errorf("no REPORT line of the processor in the logs")
	}
	for fn, p := range peaks {
		t.Logf("%s: Max Memory Used %d MB of %d MB", fn, p[1], p[0])
		if p[1] >= p[0] {
			t.Errorf("%s used %d MB, its MemorySize is %d MB", fn, p[1], p[0])
		}
	}
	b, _ := json.Marshal(peaks)
	t.Logf("peaks: %s", b)
}
