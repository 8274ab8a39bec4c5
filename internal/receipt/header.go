package receipt

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ImageHeader is what an image's header says about its pixels, read
// without decoding any of them.
type ImageHeader struct {
	Width, Height int
	// Components is the number of colour samples per pixel (alpha
	// included), BitDepth the bits of each.
	Components, BitDepth int
	// Progressive is a JPEG whose scans refine the whole frame: a decoder
	// keeps every coefficient of the frame until the last scan.
	Progressive bool
}

// Pixels is the image's size in pixels.
func (h ImageHeader) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// ErrNoHeader means an image's header could not be found or read.
var ErrNoHeader = errors.New("no image header")

// ReadImageHeader reads the header of a PNG (IHDR), a JPEG (its first
// SOFn frame header, baseline, progressive, lossless or arithmetic-coded),
// a WebP (its first chunk), a HEIC or HEIF image (the largest image extent
// it declares) or a TIFF (its largest page).
func ReadImageHeader(doc []byte, contentType string) (ImageHeader, error) {
	switch contentType {
	case PNG:
		return pngHeader(doc)
	case JPEG:
		return jpegHeader(doc)
	case WebP:
		return webpHeader(doc)
	case HEIC, HEIF:
		return heifHeader(doc)
	case TIFF:
		return tiffHeader(doc)
	}
	return ImageHeader{}, fmt.Errorf("%s: %w", contentType, ErrNoHeader)
}

// pngHeader reads IHDR, which the format requires to be the first chunk.
func pngHeader(doc []byte) (ImageHeader, error) {
	if len(doc) < 8+8+13 || string(doc[12:16]) != "IHDR" {
		return ImageHeader{}, fmt.Errorf("png: %w", ErrNoHeader)
	}
	d := doc[16:]
	h := ImageHeader{
		Width:    int(binary.BigEndian.Uint32(d[0:4])),
		Height:   int(binary.BigEndian.Uint32(d[4:8])),
		BitDepth: int(d[8]),
	}
	switch d[9] { // colour type
	case 0, 3:
		h.Components = 1
	case 4:
		h.Components = 2
	case 2:
		h.Components = 3
	case 6:
		h.Components = 4
	default:
		return ImageHeader{}, fmt.Errorf("png colour type %d: %w", d[9], ErrNoHeader)
	}
	return h, nil
}

// jpegHeader walks the markers up to the first frame header.
func jpegHeader(doc []byte) (ImageHeader, error) {
	if len(doc) < 4 || doc[0] != 0xff || doc[1] != 0xd8 {
		return ImageHeader{}, fmt.Errorf("jpeg: %w", ErrNoHeader)
	}
	for i := 2; i+4 <= len(doc); {
		if doc[i] != 0xff {
			return ImageHeader{}, fmt.Errorf("jpeg: no marker at byte %d: %w", i, ErrNoHeader)
		}
		m := doc[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // markers without a segment
			i += 2
			continue
		case m == 0xd9 || m == 0xda: // end of image, or a scan before any frame
			return ImageHeader{}, fmt.Errorf("jpeg: no frame header: %w", ErrNoHeader)
		}
		n := int(binary.BigEndian.Uint16(doc[i+2:]))
		if n < 2 { // the length counts its own two bytes
			return ImageHeader{}, fmt.Errorf("jpeg: segment length %d: %w", n, ErrNoHeader)
		}
		seg := doc[i+4 : min(len(doc), i+2+n)]
		// SOF0..SOF15, except DHT (c4), JPG (c8) and DAC (cc).
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			if len(seg) < 6 {
				return ImageHeader{}, fmt.Errorf("jpeg: short frame header: %w", ErrNoHeader)
			}
			return ImageHeader{
				BitDepth:    int(seg[0]),
				Height:      int(binary.BigEndian.Uint16(seg[1:3])),
				Width:       int(binary.BigEndian.Uint16(seg[3:5])),
				Components:  int(seg[5]),
				Progressive: m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce,
			}, nil
		}
		i += 2 + n
	}
	return ImageHeader{}, fmt.Errorf("jpeg: no frame header: %w", ErrNoHeader)
}

// PixelError is an image whose header declares more pixels than the limit.
type PixelError struct {
	Width, Height int
	Limit         int64
}

func (e *PixelError) Error() string {
	return fmt.Sprintf("image of %dx%d pixels is over the limit of %d pixels", e.Width, e.Height, e.Limit)
}

// CheckPixels returns a *PixelError when doc is an image whose header
// declares more than limit pixels. Anything else, a PDF or an image whose
// header cannot be read, passes: sniffing and Wellformed judge those.
func CheckPixels(doc []byte, contentType string, limit int64) error {
	h, err := ReadImageHeader(doc, contentType)
	if err != nil || h.Pixels() <= limit {
		return nil
	}
	return &PixelError{Width: h.Width, Height: h.Height, Limit: limit}
}
