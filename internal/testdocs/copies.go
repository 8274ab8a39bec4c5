package testdocs

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
)

// Smaller returns a grey JPEG of a JPEG at num/den of its size, each pixel the mean of the
// area it covers: another file of the same receipt, as a photo from
// further away or a scan at a lower resolution would give.
func Smaller(src []byte, num, den int) ([]byte, error) {
	img, err := jpeg.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w*num/den, h*num/den))
	for y := range out.Rect.Dy() {
		y0, y1 := y*den/num, min((y+1)*den/num+1, h)
		for x := range out.Rect.Dx() {
			x0, x1 := x*den/num, min((x+1)*den/num+1, w)
			sum, n := 0, 0
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					sum += int(g.Pix[sy*g.Stride+sx])
					n++
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
