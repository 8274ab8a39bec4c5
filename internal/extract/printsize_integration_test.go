//go:build integration

package extract

import (
	"bytes"
	"context"
	"image"
	"image/draw"
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
	full := image.NewGray(img.Bounds())
	draw.Draw(full, full.Rect, img, img.Bounds().Min, draw.Src)
	var half bytes.Buffer
	if err := png.Encode(&half, halve(full)); err != nil {
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

// halve scales grey levels down by two, each pixel the mean of four.
func halve(g *image.Gray) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, g.Rect.Dx()/2, g.Rect.Dy()/2))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			at := func(dx, dy int) int { return int(g.Pix[(2*y+dy)*g.Stride+2*x+dx]) }
			out.Pix[y*out.Stride+x] = uint8((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4)
		}
	}
	return out
}
