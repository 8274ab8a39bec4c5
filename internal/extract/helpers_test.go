package extract_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

func blankPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 200, 300))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// printedPNG is a white page with a few dark bars, as text would leave.
func printedPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 40; y < 260; y += 40 {
		for x := 40; x < 360; x++ {
			for dy := range 12 {
				img.Pix[(y+dy)*img.Stride+x] = 0
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
