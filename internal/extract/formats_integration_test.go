//go:build integration

package extract_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/prepare"
	"github.com/receipts-api/receipts/internal/receipt"
)

// TestFormatsPhonesAndScannersSend reads a labelled receipt as an
// iPhone's HEIC photo, a WebP and a two-page TIFF, each made from the
// dev set's image with Debian's own encoders (libheif, libwebp, libtiff),
// and finds its fields in each.
func TestFormatsPhonesAndScannersSend(t *testing.T) {
	dir := t.TempDir()
	jpg := filepath.Join(dir, "receipt.jpg")
	if err := os.WriteFile(jpg, shared(t, "sroie", "img", "000.jpg"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %q: %v\n%s", name, args, err, out)
		}
	}
	run("heif-enc", "-q", "90", jpg, "-o", filepath.Join(dir, "receipt.heic"))
	run("cwebp", "-quiet", "-q", "90", jpg, "-o", filepath.Join(dir, "receipt.webp"))
	// A long receipt scanned as two pages: its upper and its lower half.
	pgm, err := exec.Command("djpeg", "-grayscale", "-pnm", jpg).Output()
	if err != nil {
		t.Fatal(err)
	}
	g, err := prepare.ReadPGM(pgm)
	if err != nil {
		t.Fatal(err)
	}
	half := g.Rect.Dy() / 2
	for i, r := range []image.Rectangle{image.Rect(0, 0, g.Rect.Dx(), half+20), image.Rect(0, half-20, g.Rect.Dx(), g.Rect.Dy())} {
		page := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(page, page.Rect, g, r.Min, draw.Src)
		name := filepath.Join(dir, fmt.Sprintf("page%d", i))
		if err := os.WriteFile(name+".pgm", prepare.PGM(page), 0o600); err != nil {
			t.Fatal(err)
		}
		run("ppm2tiff", name+".pgm", name+".tif")
	}
	run("tiffcp", filepath.Join(dir, "page0.tif"), filepath.Join(dir, "page1.tif"), filepath.Join(dir, "receipt.tif"))

	tests := []struct {
		file, typ string
		pages     int
	}{
		{"receipt.heic", receipt.HEIC, 1},
		{"receipt.webp", receipt.WebP, 1},
		{"receipt.tif", receipt.TIFF, 2},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := receipt.Sniff(doc); got != tt.typ || !receipt.Wellformed(doc, got) {
				t.Fatalf("sniffed %q, whole %v; want %q", got, receipt.Wellformed(doc, got), tt.typ)
			}
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{
				Bytes: doc, ContentType: tt.typ, Received: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Fields.Total != "9.00" || res.Fields.Date != "2018-12-25" || res.Fields.Country != "MY" {
				t.Errorf("total %q, date %q, country %q; want 9.00, 2018-12-25, MY", res.Fields.Total, res.Fields.Date, res.Fields.Country)
			}
			if !strings.Contains(res.Text, "BOOK") || strings.Count(res.Text, "\f") != tt.pages-1 {
				t.Errorf("text %q: want the vendor's BOOK and %d pages", res.Text, tt.pages)
			}
		})
	}
}

// TestUnreadableFormatsFail: a file that only borrows a format's header is
// unreadable, not retried.
func TestUnreadableFormatsFail(t *testing.T) {
	for _, tt := range []struct {
		typ string
		doc []byte
	}{
		{receipt.HEIC, []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")},
		{receipt.WebP, []byte("RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x07\x00\x00")},
	} {
		_, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: tt.doc, ContentType: tt.typ})
		if err == nil || !strings.Contains(err.Error(), "unreadable") {
			t.Errorf("%s: %v, want an unreadable document", tt.typ, err)
		}
	}
}

// TestTextractGetsAPNGOfAPhoto: Textract reads no HEIC or WebP, so the
// photo is decoded and sent as a PNG.
func TestTextractGetsAPNGOfAPhoto(t *testing.T) {
	dir := t.TempDir()
	jpg := filepath.Join(dir, "receipt.jpg")
	if err := os.WriteFile(jpg, shared(t, "sroie", "img", "000.jpg"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("heif-enc", "-q", "80", jpg, "-o", filepath.Join(dir, "receipt.heic")).CombinedOutput(); err != nil {
		t.Fatalf("heif-enc: %v\n%s", err, out)
	}
	heic, err := os.ReadFile(filepath.Join(dir, "receipt.heic"))
	if err != nil {
		t.Fatal(err)
	}
	tx, srv := newTextract(t, map[string][]reply{"AnalyzeExpense": {{200, "analyze-expense-receipt.json", ""}}})
	if _, err := tx.Extract(context.Background(), extract.Document{Bytes: heic, ContentType: receipt.HEIC}); err != nil {
		t.Fatal(err)
	}
	sent, _ := srv.requests["AnalyzeExpense"][0]["Document"].(map[string]any)["Bytes"].(string)
	b, err := base64.StdEncoding.DecodeString(sent)
	if err != nil || receipt.Sniff(b) != receipt.PNG {
		t.Errorf("Textract got %q..., want a PNG (%v)", b[:min(len(b), 8)], err)
	}
}
