package receipt

import (
	"encoding/binary"
	"fmt"
)

// The formats phones, web apps and scanners send besides PNG, JPEG and
// PDF: iPhones save photos as HEIC, Android and the web send WebP,
// scanners and fax services TIFF.
const (
	WebP = "image/webp"
	HEIC = "image/heic" // HEIF holding HEVC-coded images: an iPhone's photos
	HEIF = "image/heif" // other HEIF images
	TIFF = "image/tiff"
)

// sniffMore names the formats whose magic is not a fixed prefix.
func sniffMore(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP
	case len(head) >= 4 && (string(head[:4]) == "II*\x00" || string(head[:4]) == "MM\x00*"):
		return TIFF
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		switch string(head[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis":
			return HEIC
		case "mif1", "msf1", "heif":
			return HEIF
		}
	}
	return ""
}

// webpHeader reads the size of a WebP image from its first chunk: VP8X
// (the extended format's canvas), VP8L (lossless) or VP8 (lossy).
func webpHeader(doc []byte) (ImageHeader, error) {
	if len(doc) < 30 || string(doc[:4]) != "RIFF" || string(doc[8:12]) != "WEBP" {
		return ImageHeader{}, fmt.Errorf("webp: %w", ErrNoHeader)
	}
	d := doc[20:]
	h := ImageHeader{Components: 3, BitDepth: 8}
	switch string(doc[12:16]) {
	case "VP8X":
		h.Width = 1 + (int(d[4]) | int(d[5])<<8 | int(d[6])<<16)
		h.Height = 1 + (int(d[7]) | int(d[8])<<8 | int(d[9])<<16)
		h.Components = 4
	case "VP8L":
		if d[0] != 0x2f {
			return ImageHeader{}, fmt.Errorf("webp lossless signature: %w", ErrNoHeader)
		}
		bits := binary.LittleEndian.Uint32(d[1:5])
		h.Width = 1 + int(bits&0x3fff)
		h.Height = 1 + int(bits>>14&0x3fff)
		h.Components = 4
	case "VP8 ":
		if d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			return ImageHeader{}, fmt.Errorf("webp lossy start code: %w", ErrNoHeader)
		}
		h.Width = int(binary.LittleEndian.Uint16(d[6:8]) & 0x3fff)
		h.Height = int(binary.LittleEndian.Uint16(d[8:10]) & 0x3fff)
	default:
		return ImageHeader{}, fmt.Errorf("webp chunk %q: %w", doc[12:16], ErrNoHeader)
	}
	return h, nil
}

// webpWhole reports a WebP as long as its RIFF header says.
func webpWhole(doc []byte) bool {
	if len(doc) < 12 {
		return false
	}
	size := int64(binary.LittleEndian.Uint32(doc[4:8])) + 8
	_, err := webpHeader(doc)
	return err == nil && int64(len(doc)) >= size
}

// Bounds on walking a HEIF file's boxes: the header boxes come first and
// are few.
const (
	maxBoxes    = 4096
	maxBoxDepth = 6
)

// box is an ISO base media file format box: its type and its payload.
type box struct {
	typ  string
	data []byte
}

// boxes splits b into boxes; false when one runs past the end.
func boxes(b []byte) ([]box, bool) {
	var out []box
	for len(b) > 0 && len(out) < maxBoxes {
		if len(b) < 8 {
			return out, false
		}
		size := uint64(binary.BigEndian.Uint32(b[:4]))
		head := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b)) // to the end of the file
		case 1:
			if len(b) < 16 {
				return out, false
			}
			size, head = binary.BigEndian.Uint64(b[8:16]), 16
		}
		if size < head || size > uint64(len(b)) {
			return out, false
		}
		out = append(out, box{typ: string(b[4:8]), data: b[head:size]})
		b = b[size:]
	}
	return out, len(b) == 0
}

// heifHeader reads the largest image spatial extent ("ispe") a HEIF file
// declares: the primary image's, whether whole or a grid of tiles.
func heifHeader(doc []byte) (ImageHeader, error) {
	top, _ := boxes(doc)
	h := ImageHeader{Components: 3, BitDepth: 8}
	var walk func(bs []box, depth int)
	walk = func(bs []box, depth int) {
		for _, b := range bs {
			switch b.typ {
			case "meta":
				if len(b.data) >= 4 && depth < maxBoxDepth {
					inner, _ := boxes(b.data[4:]) // a full box: version and flags first
					walk(inner, depth+1)
				}
			case "iprp", "ipco":
				if depth < maxBoxDepth {
					inner, _ := boxes(b.data)
					walk(inner, depth+1)
				}
			case "ispe":
				if len(b.data) >= 12 {
					w := int(binary.BigEndian.Uint32(b.data[4:8]))
					ht := int(binary.BigEndian.Uint32(b.data[8:12]))
					if int64(w)*int64(ht) > h.Pixels() {
						h.Width, h.Height = w, ht
					}
				}
			}
		}
	}
	walk(top, 0)
	if h.Width == 0 || h.Height == 0 {
		return ImageHeader{}, fmt.Errorf("heif: no image size: %w", ErrNoHeader)
	}
	return h, nil
}

// heifWhole reports a HEIF file whose boxes reach its end exactly and that
// holds its metadata and its media data.
func heifWhole(doc []byte) bool {
	top, ok := boxes(doc)
	if !ok {
		return false
	}
	var meta, mdat bool
	for _, b := range top {
		meta = meta || b.typ == "meta"
		mdat = mdat || b.typ == "mdat"
	}
	_, err := heifHeader(doc)
	return meta && mdat && err == nil
}

// maxTIFFPages bounds the pages of a TIFF whose headers are read.
const maxTIFFPages = 1000

// tiffPages reads the headers of a TIFF's pages (its image file
// directories), and whether every directory and every page's strips or
// tiles lie within the file.
func tiffPages(doc []byte) ([]ImageHeader, bool) {
	if len(doc) < 8 {
		return nil, false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if doc[0] == 'M' {
		bo = binary.BigEndian
	}
	var pages []ImageHeader
	whole := true
	seen := map[uint32]bool{}
	for off := bo.Uint32(doc[4:8]); off != 0 && len(pages) < maxTIFFPages; {
		if seen[off] || int64(off)+2 > int64(len(doc)) {
			return pages, false
		}
		seen[off] = true
		n := int(bo.Uint16(doc[off:]))
		end := int64(off) + 2 + int64(n)*12
		if end+4 > int64(len(doc)) {
			return pages, false
		}
		h := ImageHeader{Components: 1, BitDepth: 1}
		var dataOff, dataLen []uint32
		for k := range n {
			e := doc[int64(off)+2+int64(k)*12:]
			tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), bo.Uint32(e[4:])
			v := tiffValue(bo, e[8:12], typ)
			switch tag {
			case 256:
				h.Width = int(v)
			case 257:
				h.Height = int(v)
			case 258:
				h.BitDepth = int(v)
			case 277:
				h.Components = int(v)
			case 273, 324: // strip or tile offsets
				dataOff = tiffValues(bo, doc, e, typ, count)
			case 279, 325: // their byte counts
				dataLen = tiffValues(bo, doc, e, typ, count)
			}
		}
		whole = whole && len(dataOff) > 0 && len(dataOff) == len(dataLen)
		for k := range min(len(dataOff), len(dataLen)) {
			whole = whole && int64(dataOff[k])+int64(dataLen[k]) <= int64(len(doc))
		}
		pages = append(pages, h)
		off = bo.Uint32(doc[end:])
	}
	return pages, whole
}

// tiffValue reads a directory entry's single SHORT or LONG value.
func tiffValue(bo binary.ByteOrder, v []byte, typ uint16) uint32 {
	if typ == 3 { // SHORT
		return uint32(bo.Uint16(v))
	}
	return bo.Uint32(v)
}

// maxTIFFValues bounds the strip offsets read of one page.
const maxTIFFValues = 1 << 16

// tiffValues reads an entry's SHORT or LONG values, inline or at their
// offset; nil when they lie outside the file.
func tiffValues(bo binary.ByteOrder, doc, e []byte, typ uint16, count uint32) []uint32 {
	size := uint32(4)
	if typ == 3 {
		size = 2
	}
	if count == 0 || count > maxTIFFValues {
		return nil
	}
	data := e[8:12]
	if count*size > 4 {
		off := bo.Uint32(e[8:12])
		if int64(off)+int64(count*size) > int64(len(doc)) {
			return nil
		}
		data = doc[off : off+count*size]
	}
	out := make([]uint32, count)
	for k := range out {
		out[k] = tiffValue(bo, data[uint32(k)*size:], typ)
	}
	return out
}

// tiffHeader is the largest page's header of a TIFF.
func tiffHeader(doc []byte) (ImageHeader, error) {
	pages, _ := tiffPages(doc)
	var h ImageHeader
	for _, p := range pages {
		if p.Pixels() > h.Pixels() {
			h = p
		}
	}
	if h.Width == 0 || h.Height == 0 {
		return ImageHeader{}, fmt.Errorf("tiff: no image size: %w", ErrNoHeader)
	}
	return h, nil
}

// TIFFPageCount returns how many pages a TIFF holds, as far as its
// headers can be read (at most maxTIFFPages).
func TIFFPageCount(doc []byte) int {
	pages, _ := tiffPages(doc)
	return len(pages)
}

// tiffWhole reports a TIFF whose directories and pages' data lie within
// the file.
func tiffWhole(doc []byte) bool {
	pages, whole := tiffPages(doc)
	return whole && len(pages) > 0
}
