//go:build integration

package extract_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/jpeg"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// TestImageBombs feeds images that declare far more pixels than their bytes
// hold to the extractor: refused from the header, and, when the pixel check
// is lifted, stopped by the subprocess's memory limit. Each ends with a
// permanent error within 30 s. The memory they take, subprocesses included,
// is measured by the local Lambda host in internal/local/stack's
// TestImageBombs: the rusage of children here would count this test
// process's own memory, which each child shares between fork and exec.
func TestImageBombs(t *testing.T) {
	bombs := []struct {
		name string
		doc  extract.Document
	}{
		{"png 30000x30000", extract.Document{Bytes: testdocs.PNG(30000, 30000, 0, 8), ContentType: receipt.PNG}},
		{"378-byte jpeg 30000x30000", extract.Document{Bytes: testdocs.JPEG(30000, 30000), ContentType: receipt.JPEG}},
		{"16-bit png 8944x8944", extract.Document{Bytes: testdocs.PNG(8944, 8944, 2, 16), ContentType: receipt.PNG}},
	}
	for _, pixelCheck := range []bool{true, false} {
		for _, b := range bombs {
			name := b.name
			if !pixelCheck {
				name += " past the pixel check"
			}
			t.Run(name, func(t *testing.T) {
				tess := extract.NewTesseract("eng")
				if !pixelCheck {
					tess.Limits.ImagePixels = 1 << 40
				}
				start := time.Now()
				_, err := tess.Extract(context.Background(), b.doc)
				took := time.Since(start)
				if !errors.Is(err, extract.ErrOverLimit) || !errors.Is(err, extract.ErrUnreadable) {
					t.Fatalf("Extract = %v, want a permanent ErrOverLimit", err)
				}
				if took > 30*time.Second {
					t.Errorf("took %v, want under 30 s", took)
				}
				t.Logf("%v in %v", err, took.Round(time.Millisecond))
			})
		}
	}
}

func TestToolMemoryLimit(t *testing.T) {
	tess := extract.NewTesseract("eng")
	tess.Limits.ToolMemoryMB = 40 // not even tesseract's libraries fit
	_, err := tess.Extract(context.Background(), extract.Document{Bytes: shared(t, "sroie", "img", "000.jpg"), ContentType: receipt.JPEG})
	if !errors.Is(err, extract.ErrOverLimit) || !strings.Contains(err.Error(), "over its 40 MiB memory limit") {
		t.Fatalf("Extract = %v, want tesseract over its 40 MiB memory limit", err)
	}
}

// TestPDFPages reads only the first pages of a long scanned PDF, and says so.
func TestPDFPages(t *testing.T) {
	doc := testdocs.ScannedPDF(shared(t, "sroie", "img", "000.jpg"), 463, 1013, 500)
	tess := extract.NewTesseract("eng")
	tess.Limits.Pages = 2
	res, err := tess.Extract(context.Background(), extract.Document{Bytes: doc, ContentType: receipt.PDF})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(res.Text, "\f"); got != 1 {
		t.Errorf("text holds %d pages, want 2", got+1)
	}
	want := "pages: 500 in document, first 2 read"
	if len(res.Fields.Warnings) != 1 || res.Fields.Warnings[0] != want {
		t.Errorf("warnings = %q, want [%q]", res.Fields.Warnings, want)
	}
}

// TestDamagedJPEG reads a receipt whose entropy-coded data has a few bytes
// overwritten: Go's decoder refuses it, tesseract's libjpeg reads around
// the damage, and the receipt has its text.
func TestDamagedJPEG(t *testing.T) {
	for _, n := range []int{4, 16} {
		doc := testdocs.Damaged(shared(t, "sroie", "img", "000.jpg"), n)
		if !receipt.Wellformed(doc, receipt.JPEG) {
			t.Fatal("the damaged JPEG must still pass the upload's checks")
		}
		_, _, decodeErr := image.Decode(bytes.NewReader(doc))
		res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: doc, ContentType: receipt.JPEG})
		if err != nil {
			t.Fatalf("%d bytes damaged (Go's decoder: %v): %v", n, decodeErr, err)
		}
		t.Logf("%d bytes damaged; Go's decoder: %v", n, decodeErr)
		if decodeErr == nil {
			t.Fatalf("%d bytes damaged: Go's decoder read it; the test needs damage it refuses", n)
		}
		if !strings.Contains(res.Text, "BOOK") {
			t.Errorf("%d bytes damaged: text %q lacks the vendor's BOOK", n, res.Text)
		}
		if len(res.Fields.Warnings) != 1 || !strings.HasPrefix(res.Fields.Warnings[0], "image: damaged") {
			t.Errorf("%d bytes damaged: warnings %q, want one saying the image is damaged", n, res.Fields.Warnings)
		}
	}
}

// TestKilledLeavesNoTempFiles kills an extraction, tools and all, as Lambda
// does to a function that times out or runs out of memory: deferred
// clean-up never runs then, so nothing may be on disk to clean up.
func TestKilledLeavesNoTempFiles(t *testing.T) {
	tmp := t.TempDir()
	for _, after := range []time.Duration{300 * time.Millisecond, time.Second, 2 * time.Second} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperExtractScannedPDF$")
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "EXTRACT_HELPER=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Fatalf("killed after %v, it left %v in TMPDIR", after, left[0].Name())
		}
	}
}

// TestHelperExtractScannedPDF is the process TestKilledLeavesNoTempFiles
// kills; run on its own, it does nothing.
func TestHelperExtractScannedPDF(t *testing.T) {
	if os.Getenv("EXTRACT_HELPER") != "1" {
		return
	}
	doc := testdocs.ScannedPDF(shared(t, "sroie", "img", "000.jpg"), 463, 1013, 5)
	_, _ = extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: doc, ContentType: receipt.PDF})
}
