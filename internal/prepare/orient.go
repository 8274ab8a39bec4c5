package prepare

import (
	"encoding/binary"
	"image"
)

// A phone stores most photos as its sensor lies and says in the JPEG's
// EXIF Orientation tag how to turn them for viewing: a receipt taken in
// portrait is stored sideways with Orientation 6. Tesseract reads the
// pixels as stored, so a receipt whose tag is not applied reads as noise.

// exifOrientation returns the Orientation tag (1 to 8) of a JPEG's EXIF
// segment, or 1 (as stored) when it has none or it does not read. Only
// the segments before the image data are looked at, each within its
// declared length.
func exifOrientation(src []byte) int {
	if len(src) < 4 || src[0] != 0xFF || src[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(src); {
		if src[i] != 0xFF {
			return 1
		}
		marker := src[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data, or its end
			return 1
		}
		n := int(binary.BigEndian.Uint16(src[i+2:]))
		if n < 2 || i+2+n > len(src) {
			return 1
		}
		seg := src[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of the first IFD of a TIFF structure
// (EXIF's), or 0.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	if order.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int64(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0
	}
	count := int64(order.Uint16(t[ifd:]))
	for k := int64(0); k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		const orientationTag, short = 0x0112, 3
		if order.Uint16(t[e:]) != orientationTag {
			continue
		}
		if order.Uint16(t[e+2:]) != short || order.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if o := int(order.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}

// upright turns (and, for 2, 4, 5 and 7, mirrors) an image stored with EXIF
// orientation o so that it reads as it was seen.
func upright(g *image.Gray, o int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	// from maps a pixel of the upright image to the stored one.
	var from func(x, y int) (int, int)
	ow, oh := w, h
	switch o {
	case 2:
		from = func(x, y int) (int, int) { return w - 1 - x, y }
	case 3:
		from = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case 4:
		from = func(x, y int) (int, int) { return x, h - 1 - y }
	case 5:
		from = func(x, y int) (int, int) { return y, x }
	case 6:
		from = func(x, y int) (int, int) { return y, h - 1 - x }
	case 7:
		from = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
	case 8:
		from = func(x, y int) (int, int) { return w - 1 - y, x }
	default:
		return g
	}
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	for y := 0; y < oh; y++ {
		row := out.Pix[y*out.Stride : y*out.Stride+ow]
		for x := range row {
			sx, sy := from(x, y)
			row[x] = g.Pix[g.PixOffset(g.Rect.Min.X+sx, g.Rect.Min.Y+sy)]
		}
	}
	return out
}

// Turn returns g turned clockwise by quarter turns (1, 2 or 3).
func Turn(g *image.Gray, quarters int) *image.Gray {
	switch quarters % 4 {
	case 1:
		return upright(g, 6)
	case 2:
		return upright(g, 3)
	case 3:
		return upright(g, 8)
	}
	return g
}
