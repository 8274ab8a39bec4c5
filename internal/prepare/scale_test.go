//go:build !integration

package prepare

import (
	"image"
	"testing"
)

func TestEnlargeBy(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 10, 4))
	for i := range g.Pix {
		g.Pix[i] = 200
	}
	g.Pix[0] = 0
	out := EnlargeBy(g, 26, 13)
	if out.Rect != image.Rect(0, 0, 20, 8) {
		t.Fatalf("enlarged to %v, want 20x8", out.Rect)
	}
	if out.Pix[0] != 0 || out.Pix[out.Stride*7+19] != 200 {
		t.Errorf("corners %d and %d, want 0 and 200", out.Pix[0], out.Pix[out.Stride*7+19])
	}
	if odd := EnlargeBy(g, 26, 14); odd.Rect != image.Rect(0, 0, 18, 7) {
		t.Errorf("enlarged by 26/14 to %v, want 18x7", odd.Rect)
	}
	if r := ScaleRect(image.Rect(13, 13, 27, 40), 14, 26); r != image.Rect(7, 7, 15, 22) {
		t.Errorf("scaleRect = %v, want (7,7)-(15,22): rounded outwards", r)
	}
}

// TestEnlargeCropIsBounded: a second look never builds an image over
// MaxLookPixels, whatever box the OCR reported.
func TestEnlargeCropIsBounded(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 4000, 4000))
	tests := []struct {
		name      string
		r         image.Rectangle
		f         int
		wantOK    bool
		wantScale int
	}{
		{"a word, enlarged 4x", image.Rect(100, 100, 300, 140), 4, true, 4},
		{"a line across the page, 2x", image.Rect(0, 100, 4000, 160), 2, true, 2},
		{"a tall box, enlarged less", image.Rect(0, 0, 2000, 1500), 2, true, 1},
		{"the whole page", g.Rect, 2, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok := EnlargeCrop(g, tt.r, tt.f)
			if ok != tt.wantOK {
				t.Fatalf("EnlargeCrop(%v, %d) ok = %v, want %v", tt.r, tt.f, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if out.Rect.Dx() != tt.r.Dx()*tt.wantScale || out.Rect.Dx()*out.Rect.Dy() > MaxLookPixels {
				t.Errorf("EnlargeCrop(%v, %d) = %v, want %dx and at most %d pixels", tt.r, tt.f, out.Rect, tt.wantScale, MaxLookPixels)
			}
		})
	}
}
