package lenientjpeg_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/receipts-api/receipts/internal/lenientjpeg"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// TestDecode decodes a generated photo of a receipt, whole and damaged.
// The integration tests do the same with a real one (real_test.go).
func TestDecode(t *testing.T) {
	testDecode(t, receiptJPEG(t))
}

// receiptJPEG is a colour JPEG of dark lines of varying length on paper,
// about the size of a phone's photo of a receipt scaled down.
func receiptJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 960))
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			ink := y%24 < 10 && x > 30 && x < 60+(y*37)%400 && (x/7+y/24)%5 != 0
			v := uint8(235 - (x+y)%9)
			if ink {
				v = uint8(30 + (x*y)%40)
			}
			img.Set(x, y, color.RGBA{v, v, v - 10, 0xff})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testDecode(t *testing.T, whole []byte) {
	t.Helper()
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
