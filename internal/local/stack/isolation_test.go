//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/receipts-api/receipts/internal/files"
	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// buildPDF assembles a PDF of the given page content streams. Every page
// may draw the one image XObject /Im1 (a 1x1 white pixel) and write with
// font /F1 (Helvetica).
func buildPDF(pages []string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 5+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	obj("<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\xff\nendstream")
	for i, content := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> /Contents %d 0 R >>", 6+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// blankScan is a PDF of n scanned pages that are blank: each page draws the
// one tiny image over its whole surface, so the file stays small while
// every page must be rendered and read.
func blankScan(n int) []byte {
	pages := make([]string, n)
	for i := range pages {
		pages[i] = "q 612 0 0 792 0 0 cm /Im1 Do Q"
	}
	return buildPDF(pages)
}

// textPDF is a PDF of n pages of text, 66 lines of about 80 characters
// each; its last line says "END OF DOCUMENT".
func textPDF(n int) []byte {
	pages := make([]string, n)
	for p := range pages {
		var c strings.Builder
		c.WriteString("BT /F1 8 Tf 10 TL 30 760 Td\n")
		for l := range 66 {
			line := fmt.Sprintf("Page %02d line %02d: the quick brown fox jumps over the lazy dog again and again", p+1, l+1)
			if p == n-1 && l == 65 {
				line = "END OF DOCUMENT"
			}
			fmt.Fprintf(&c, "(%s) Tj T*\n", line)
		}
		c.WriteString("ET")
		pages[p] = c.String()
	}
	return buildPDF(pages)
}

// TestIsolation: a hostile document of one tenant does not hold back
// another tenant's receipt, and itself ends within its time budget; a
// document whose text is too long for a DynamoDB item completes, with all
// of its text returned by GET.
func TestIsolation(t *testing.T) {
	const docTime = 20 * time.Second
	// Shorter than the deployed budget (100 s) to keep the test short. Every
	// page may be read, so the time budget, not the page count, is what
	// ends the 500-page scan (TestMaxPages holds the page count).
	st := ownStack(t, nil, map[string]map[string]string{"ProcessorFunction": {
		"DOC_TIME_LIMIT": docTime.String(), "MAX_PAGES": "500"}})
	a, b := newClient(t, st, "tenant-a"), newClient(t, st, "tenant-b")
	jpeg, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a 500-page blank scan does not delay another tenant", func(t *testing.T) {
		scan := blankScan(500)
		t.Logf("500-page scan: %d bytes", len(scan))
		slow := a.uploadID(t, "blank.pdf", scan)
		slowAt := time.Now()
		normal := b.uploadID(t, "000.jpg", jpeg)
		normalAt := time.Now()
		body := b.waitDone(t, normal)
		took := time.Since(normalAt)
		t.Logf("tenant B's receipt %s after %s", body["status"], took.Round(time.Millisecond))
		if body["status"] != "COMPLETED" {
			t.Errorf("tenant B's receipt %v, want COMPLETED", body["status"])
		}
		if took > 10*time.Second {
			t.Errorf("tenant B's receipt took %s, want under 10 s", took)
		}
		body = a.waitDone(t, slow)
		took = time.Since(slowAt)
		t.Logf("the scan ended %s after %s", body["status"], took.Round(time.Millisecond))
		// Its budget, plus reading, dispatching and polling: a liveness bound.
		if limit := docTime + 30*time.Second; took > limit {
			t.Errorf("the scan took %s to end, want under %s", took, limit)
		}
		if body["status"] != "FAILED" || body["error"] != receipt.ExtractionError {
			t.Errorf("the scan ended %v (error %q), want FAILED with %q", body["status"], body["error"], receipt.ExtractionError)
		}
		// The reason, kept for operators, says it was the time budget.
		rc, err := st.Store().Get(context.Background(), "tenant-a", slow)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("extraction took longer than the %s limit (DOC_TIME_LIMIT)", docTime); rc.Error != want {
			t.Errorf("the scan's reason = %q, want %q", rc.Error, want)
		}
	})

	t.Run("an 87-page text keeps all its text", func(t *testing.T) {
		doc := textPDF(87)
		id := a.uploadID(t, "long.pdf", doc)
		body := a.waitDone(t, id)
		if body["status"] != "COMPLETED" {
			t.Fatalf("status %v, want COMPLETED", body["status"])
		}
		details, _ := body["details"].(string)
		t.Logf("%d bytes of PDF, %d bytes of text", len(doc), len(details))
		if len(details) < 400<<10 || !strings.Contains(details, "Page 01 line 01") || !strings.Contains(details, "END OF DOCUMENT") {
			t.Errorf("details hold %d bytes, want all of the text (over 400 KB, first and last lines)", len(details))
		}
		client := s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
			o.BaseEndpoint = aws.String(st.S3.Endpoint)
			o.UsePathStyle = true
		})
		bucket := st.Template.PhysicalName("ReceiptsBucket")
		textKey := "tenant-a/" + id + ".details.txt"
		if _, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &textKey}); err != nil {
			t.Fatalf("text beside the file: %v", err)
		}
		if status, out := a.send(t, "DELETE", "/receipt/"+id, "", nil); status != 204 {
			t.Fatalf("delete: %d %s", status, out)
		}
		_, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &textKey})
		var nf *types.NotFound
		if !errors.As(err, &nf) {
			t.Errorf("text after delete: %v, want it gone", err)
		}
	})
}

// TestSwappedFileIsNotExtracted stores, under a receipt's key, bytes other
// than those it was validated with (same size, other SHA-256), as a second
// PUT to a presigned URL would: the processor refuses them.
func TestSwappedFileIsNotExtracted(t *testing.T) {
	st, _ := sharedStack(t)
	const tenant = "swapped"
	c := newClient(t, st, tenant)
	ctx := context.Background()
	jpeg, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	// Still a JPEG of the same size, with other bytes in its middle.
	swapped := bytes.Clone(jpeg)
	for i := len(swapped) / 2; i < len(swapped)/2+64; i++ {
		swapped[i] ^= 0x5a
	}
	id, err := receipt.NewID()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(jpeg)
	now := time.Now()
	rc := &receipt.Receipt{ID: id, Tenant: tenant, Status: receipt.Processing, FileKey: receipt.FileKey(tenant, id),
		ContentType: receipt.JPEG, Size: int64(len(jpeg)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: now, UpdatedAt: now}
	objects := files.New(s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(st.S3.Endpoint)
		o.UsePathStyle = true
	}), st.Template.PhysicalName("ReceiptsBucket"))
	if err := objects.Put(ctx, rc.FileKey, swapped, receipt.JPEG); err != nil {
		t.Fatal(err)
	}
	// The item's INSERT starts processing.
	if err := store.New(st.DB, st.Template.PhysicalName("ReceiptsTable")).Create(ctx, rc); err != nil {
		t.Fatal(err)
	}
	body := c.waitDone(t, id)
	if body["status"] != "FAILED" || body["details"] != "" {
		t.Errorf("status %v, details %q; want FAILED and nothing extracted", body["status"], body["details"])
	}
	if reason := storedError(t, st, tenant, id); !strings.Contains(reason, "is not the file validated at upload") {
		t.Errorf("stored reason %q", reason)
	}
}
