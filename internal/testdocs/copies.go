package testdocs

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"slices"
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
	out := ScaleDown(g, num, den)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WithOrientation returns a JPEG with an EXIF segment, holding only the
// Orientation tag o, put right after its start as a camera writes it: a
// phone's portrait photo is stored sideways with Orientation 6.
func WithOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, // big endian, first IFD at 8
		0, 1, // one entry: Orientation, a SHORT, one value
		0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0,
		0, 0, 0, 0} // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	n := len(seg) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, seg...)
	return slices.Concat(jpg[:2], app1, jpg[2:])
}

// ScaleDown shrinks g by num/den (below 1), each pixel the mean of the
// source area it covers.
func ScaleDown(g *image.Gray, num, den int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w*num/den, h*num/den))
	for y := range out.Rect.Dy() {
		y0, y1 := y*den/num, min((y+1)*den/num+1, h)
		for x := range out.Rect.Dx() {
			x0, x1 := x*den/num, min((x+1)*den/num+1, w)
			sum, n := 0, 0
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					sum += int(g.Pix[g.PixOffset(g.Rect.Min.X+sx, g.Rect.Min.Y+sy)])
					n++
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}
