//go:build integration

package extract

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// TestSmallPrint: a receipt scanned at half the resolution prints its
// capitals under smallPrint pixels; read as it is, tesseract takes the 5
// of its total for a 9. Read again enlarged, the total is right.
func TestSmallPrint(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "receipts", "sroie", "img", "095.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var half bytes.Buffer
	if err := png.Encode(&half, shrink(grayOf(img), 2)); err != nil {
		t.Fatal(err)
	}
	tess := NewTesseract("eng")
	lines, err := tess.read(context.Background(), half.Bytes(), "--psm", tess.PageSegMode)
	if err != nil {
		t.Fatal(err)
	}
	if h := capHeight(lines); h == 0 || h >= smallPrint {
		t.Fatalf("print height at half size = %d pixels, want under %d: the test no longer reads small print", h, smallPrint)
	}
	res, err := tess.Extract(context.Background(), Document{Bytes: half.Bytes(), ContentType: receipt.PNG, Received: time.Date(2018, 2, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fields.Total != "31.45" || res.Fields.Date != "2018-01-07" {
		t.Errorf("total %q, date %q; want 31.45 and 2018-01-07", res.Fields.Total, res.Fields.Date)
	}
}
