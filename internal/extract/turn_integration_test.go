//go:build integration

package extract

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/prepare"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// TestTurnedReceipts: a receipt scanned sideways or upside down, with no
// EXIF orientation, is read turned upright; so is a phone's photo stored
// sideways with Orientation 6. As it lies, tesseract reads none of its
// fields.
func TestTurnedReceipts(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "receipts", "sroie", "img", "000.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	encode := func(g *image.Gray) []byte {
		var out bytes.Buffer
		if err := png.Encode(&out, g); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	var stored bytes.Buffer
	if err := jpeg.Encode(&stored, prepare.Turn(g, 3), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  []byte
		typ  string
	}{
		{"a quarter turn clockwise", encode(prepare.Turn(g, 1)), receipt.PNG},
		{"a quarter turn anticlockwise", encode(prepare.Turn(g, 3)), receipt.PNG},
		{"upside down", encode(prepare.Turn(g, 2)), receipt.PNG},
		{"stored sideways, EXIF orientation 6", testdocs.WithOrientation(stored.Bytes(), 6), receipt.JPEG},
	}
	tess := NewTesseract("eng")
	t.Run("as it lies", func(t *testing.T) {
		lines, err := tess.read(context.Background(), encode(prepare.Turn(g, 1)), tess.firstArgs()...)
		if err != nil {
			t.Fatal(err)
		}
		if !weakReading(lines) {
			t.Fatalf("a sideways receipt read with a mean confidence of %.2f; the test no longer reads a page lying the wrong way", meanConf(lines))
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := tess.Extract(context.Background(), Document{Bytes: tt.doc, ContentType: tt.typ, Received: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Fields.Total != "9.00" || res.Fields.Date != "2018-12-25" {
				t.Errorf("total %q, date %q; want 9.00 and 2018-12-25", res.Fields.Total, res.Fields.Date)
			}
		})
	}
}
