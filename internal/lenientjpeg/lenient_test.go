//go:build integration

package lenientjpeg_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"testing"

	"github.com/receipts-api/receipts/internal/lenientjpeg"
	"github.com/receipts-api/receipts/internal/testdocs"
)

func TestDecode(t *testing.T) {
	whole, err := os.ReadFile("../../../shared/receipts/sroie/img/000.jpg")
	if err != nil {
		t.Fatal(err)
	}
	want, err := jpeg.Decode(bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		doc        []byte
		wantDamage bool
		wantImage  bool
	}{
		{"whole", whole, false, true},
		{"damaged entropy-coded data", testdocs.Damaged(whole, 4), true, true},
		{"cut in its scan", whole[:len(whole)*2/3], true, true},
		{"cut before its frame", whole[:20], true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := lenientjpeg.Decode(bytes.NewReader(tt.doc))
			if (err != nil) != tt.wantDamage || (img != nil) != tt.wantImage {
				t.Fatalf("Decode = %T, %v; want an image %v, an error %v", img, err, tt.wantImage, tt.wantDamage)
			}
			if img == nil {
				return
			}
			got := img.(*image.YCbCr)
			w := want.(*image.YCbCr)
			if got.Rect != w.Rect {
				t.Fatalf("size %v, want %v", got.Rect, w.Rect)
			}
			// The first rows decode as image/jpeg decodes them.
			rows := got.Rect.Dy()
			if tt.wantDamage {
				rows = 16
			}
			for y := range rows {
				for x := range got.Rect.Dx() {
					if got.Y[got.YOffset(x, y)] != w.Y[w.YOffset(x, y)] {
						t.Fatalf("pixel (%d, %d) = %d, want %d", x, y, got.Y[got.YOffset(x, y)], w.Y[w.YOffset(x, y)])
					}
				}
			}
			// What never decoded is paper.
			if tt.wantDamage {
				if last := got.Y[got.YOffset(got.Rect.Dx()-1, got.Rect.Dy()-1)]; last != 0xff {
					t.Errorf("last pixel = %d, want white", last)
				}
			}
		})
	}
}
