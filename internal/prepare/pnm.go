package prepare

import (
	"bytes"
	"fmt"
	"image"
	"strconv"
)

// PGM encodes grey levels as a binary PGM: tesseract reads it, and unlike
// PNG it costs nothing to write.
func PGM(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	header := fmt.Sprintf("P5\n%d %d\n255\n", w, h)
	out := make([]byte, 0, len(header)+w*h)
	out = append(out, header...)
	for y := range h {
		out = append(out, g.Pix[y*g.Stride:y*g.Stride+w]...)
	}
	return out
}

// maxPNMSide bounds a side of a PNM a tool wrote; the pixel limit checked
// on the upload's own header bounds its area.
const maxPNMSide = 1 << 16

// ReadPGM decodes a binary PGM (P5) or PPM (P6) of 8-bit samples, as the
// decoders write them, to grey levels. A PPM's colours are weighed as
// luma. An image cut short (a decoder stopped) keeps what it has and is
// paper below.
func ReadPGM(b []byte) (*image.Gray, error) {
	if len(b) < 2 || b[0] != 'P' || b[1] != '5' && b[1] != '6' {
		return nil, fmt.Errorf("not a binary PGM or PPM: %w", ErrUnreadable)
	}
	channels := 1
	if b[1] == '6' {
		channels = 3
	}
	pos := 2
	var v [3]int
	for i := range v {
		n, next, ok := pnmNumber(b, pos)
		if !ok {
			return nil, fmt.Errorf("PNM header: %w", ErrUnreadable)
		}
		v[i], pos = n, next
	}
	w, h, maxval := v[0], v[1], v[2]
	if w <= 0 || h <= 0 || w > maxPNMSide || h > maxPNMSide || maxval != 255 || pos >= len(b) {
		return nil, fmt.Errorf("PNM of %dx%d, max %d: %w", w, h, maxval, ErrUnreadable)
	}
	pix := b[pos+1:] // one whitespace byte ends the header
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		k := i * channels
		switch {
		case k+channels > len(pix):
			g.Pix[i] = 255
		case channels == 1:
			g.Pix[i] = pix[k]
		default:
			g.Pix[i] = uint8((299*int(pix[k]) + 587*int(pix[k+1]) + 114*int(pix[k+2]) + 500) / 1000)
		}
	}
	return g, nil
}

// pnmNumber reads the next decimal number of a PNM header from pos,
// skipping whitespace and comments.
func pnmNumber(b []byte, pos int) (int, int, bool) {
	for pos < len(b) {
		switch {
		case b[pos] == '#':
			end := bytes.IndexByte(b[pos:], '\n')
			if end < 0 {
				return 0, 0, false
			}
			pos += end + 1
		case b[pos] == ' ' || b[pos] == '\n' || b[pos] == '\r' || b[pos] == '\t':
			pos++
		default:
			start := pos
			for pos < len(b) && b[pos] >= '0' && b[pos] <= '9' && pos-start < 9 {
				pos++
			}
			n, err := strconv.Atoi(string(b[start:pos]))
			return n, pos, err == nil
		}
	}
	return 0, 0, false
}
