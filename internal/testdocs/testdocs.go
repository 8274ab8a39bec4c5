// Package testdocs generates documents for tests that need hostile or
// damaged files, so no large binary is committed: images whose headers
// declare far more pixels than their few bytes hold, and JPEGs with damage
// in their entropy-coded data.
package testdocs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"strings"
)

// PNG returns a white PNG of w×h pixels: the file is about a thousandth of
// the decoded size. colorType is PNG's (0 grey, 2 RGB, 4 grey and alpha, 6
// RGBA), depth 8 or 16 bits per sample.
func PNG(w, h int, colorType, depth byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk(&out, "IHDR", ihdr)
	samples := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[colorType]
	row := make([]byte, 1+w*samples*int(depth)/8) // filter 0, then white
	for i := 1; i < len(row); i++ {
		row[i] = 0xff
	}
	chunk(&out, "IDAT", repeated(row, h))
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// repeated returns the zlib stream of n copies of row. Compressing a
// gigabyte takes minutes under the race detector, so it compresses a block
// of rows a few times over, until the compressor's output for a block
// repeats, and repeats that output instead: the compressor is then in the
// same state after every block. The checksum is combined arithmetically.
func repeated(row []byte, n int) []byte {
	per := max(1, (1<<20)/len(row))
	if n < 5*per {
		return compressed(row, n)
	}
	block := bytes.Repeat(row, per)
	var buf bytes.Buffer
	z, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	var pieces [][]byte
	for range 4 {
		mark := buf.Len()
		_, _ = z.Write(block)
		_ = z.Flush()
		pieces = append(pieces, bytes.Clone(buf.Bytes()[mark:]))
	}
	if !bytes.Equal(pieces[1], pieces[2]) || !bytes.Equal(pieces[2], pieces[3]) {
		return compressed(row, n)
	}
	blocks, rest := n/per, n%per
	out := bytes.Clone(pieces[0]) // the zlib header and the first block
	for range blocks - 1 {
		out = append(out, pieces[1]...)
	}
	mark := buf.Len()
	_, _ = z.Write(bytes.Repeat(row, rest))
	_ = z.Close()
	out = append(out, buf.Bytes()[mark:]...)
	sum := adler32.Checksum(nil)
	blockSum := adler32.Checksum(block)
	for range blocks {
		sum = adler32Combine(sum, blockSum, int64(len(block)))
	}
	sum = adler32Combine(sum, adler32.Checksum(bytes.Repeat(row, rest)), int64(rest*len(row)))
	binary.BigEndian.PutUint32(out[len(out)-4:], sum)
	return out
}

// compressed is the plain way: every row through the compressor.
func compressed(row []byte, n int) []byte {
	var buf bytes.Buffer
	z, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	for range n {
		_, _ = z.Write(row)
	}
	_ = z.Close()
	return buf.Bytes()
}

// adler32Combine returns the Adler-32 of the concatenation of two byte
// strings from theirs and the second's length (zlib's adler32_combine).
func adler32Combine(a1, a2 uint32, len2 int64) uint32 {
	const mod = 65521
	rem := uint64(len2 % mod)
	s1 := uint64(a1 & 0xffff)
	s2 := rem * s1 % mod
	s1 += uint64(a2&0xffff) + mod - 1
	s2 += uint64(a1>>16) + uint64(a2>>16) + mod - rem
	s1 %= mod
	s2 %= mod
	return uint32(s1 | s2<<16)
}

func chunk(out *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	out.WriteString(typ)
	out.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}

// JPEG returns a baseline JPEG of a few hundred bytes whose frame header
// declares w×h pixels of one grey component. Its scan holds a handful of
// bytes; a decoder fills the rest of the frame in.
func JPEG(w, h int) []byte {
	var out bytes.Buffer
	out.Write([]byte{0xff, 0xd8})
	// DQT: one table of ones.
	out.Write([]byte{0xff, 0xdb, 0x00, 0x43, 0x00})
	out.Write(bytes.Repeat([]byte{1}, 64))
	// SOF0: 8-bit, h×w, one component, 1×1 sampling, table 0.
	out.Write([]byte{0xff, 0xc0, 0x00, 0x0b, 0x08, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 0x01, 0x01, 0x11, 0x00})
	// DHT: a DC table and an AC table, each with one code of length 1 for
	// symbol 0 (DC: no difference; AC: end of block).
	for _, class := range []byte{0x00, 0x10} {
		out.Write([]byte{0xff, 0xc4, 0x00, 0x14, class})
		out.Write([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	}
	// SOS and a scan of zero bits: every block flat grey.
	out.Write([]byte{0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00})
	out.Write(make([]byte, 238)) // 378 bytes in all
	out.Write([]byte{0xff, 0xd9})
	return out.Bytes()
}

// Damaged returns a copy of a baseline JPEG with n bytes overwritten in its
// entropy-coded data, as a bad sector or a flaky transfer leaves it: the
// header and the end marker are whole, the picture is not. The damage
// starts at the first stuffed 0xff00 past the middle of the scan, so the
// stray 0xff reads as a marker where none may be: Go's decoder gives up
// there, libjpeg warns and reads on.
func Damaged(jpg []byte, n int) []byte {
	out := bytes.Clone(jpg)
	sos := bytes.Index(out, []byte{0xff, 0xda})
	if sos < 0 {
		return out
	}
	start := sos + 2 + int(binary.BigEndian.Uint16(out[sos+2:]))
	mid := start + (len(out)-start)/2
	at := bytes.Index(out[mid:], []byte{0xff, 0x00})
	if at < 0 {
		return out
	}
	for i := mid + at + 1; i < mid+at+1+n && i < len(out)-2; i++ {
		out[i] = byte(0x5a + i%7) // never 0xff or 0x00
	}
	return out
}

// ScannedPDF returns a PDF of the given number of pages, each showing the
// same JPEG (w×h pixels) and no text layer, as a scanner makes them. The
// image is stored once, so a PDF of hundreds of pages stays small.
func ScannedPDF(jpg []byte, w, h, pages int) []byte {
	return scannedPDF(jpg, w, h, pages, pages)
}

// ReceiptThenBlank returns a scanned PDF (no text layer) of the given
// number of pages: the JPEG (w×h pixels) on the first, blank pages after
// it.
func ReceiptThenBlank(jpg []byte, w, h, pages int) []byte {
	return scannedPDF(jpg, w, h, pages, 1)
}

// scannedPDF is a PDF of pages pages, the first shown of them with the
// JPEG, the rest blank.
func scannedPDF(jpg []byte, w, h, pages, shown int) []byte {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			out.WriteString("\nstream\n")
			out.Write(stream)
			out.WriteString("\nendstream")
		}
		out.WriteString("\nendobj\n")
	}
	out.WriteString("%PDF-1.4\n")
	// 1 catalog, 2 page tree, 3 the JPEG and 4 its content, 5 a white pixel
	// and 6 its content; pages from 7 on.
	kids := make([]string, pages)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 7+i)
	}
	obj("<</Type /Catalog /Pages 2 0 R>>", nil)
	obj(fmt.Sprintf("<</Type /Pages /Kids [%s] /Count %d>>", strings.Join(kids, " "), pages), nil)
	obj(fmt.Sprintf("<</Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d>>", w, h, len(jpg)), jpg)
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", w, h)
	obj(fmt.Sprintf("<</Length %d>>", len(content)), []byte(content))
	obj("<</Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1>>", []byte{0xff})
	obj(fmt.Sprintf("<</Length %d>>", len(content)), []byte(content))
	for i := range pages {
		image, contents := 3, 4
		if i >= shown {
			image, contents = 5, 6
		}
		obj(fmt.Sprintf("<</Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R /Resources <</XObject <</Im0 %d 0 R>>>>>>", w, h, contents, image), nil)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}

// TIFF is an uncompressed 8-bit grey TIFF of the given pages, each w by h
// pixels of mid grey: libtiff reads it, and its directories and strips lie
// where a TIFF's must.
func TIFF(w, h, pages int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	_ = binary.Write(&b, le, uint32(8))
	for p := range pages {
		const entries = 9
		ifd := b.Len()
		data := ifd + 2 + entries*12 + 4
		next := uint32(0)
		if p < pages-1 {
			next = uint32(data + w*h)
		}
		_ = binary.Write(&b, le, uint16(entries))
		for _, e := range [][3]uint32{
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(data)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)},
		} {
			_ = binary.Write(&b, le, uint16(e[0]))
			_ = binary.Write(&b, le, uint16(e[1]))
			_ = binary.Write(&b, le, uint32(1))
			if e[1] == 3 {
				_ = binary.Write(&b, le, uint16(e[2]))
				_ = binary.Write(&b, le, uint16(0))
			} else {
				_ = binary.Write(&b, le, e[2])
			}
		}
		_ = binary.Write(&b, le, next)
		b.Write(bytes.Repeat([]byte{0x80}, w*h))
	}
	return b.Bytes()
}

// WebP is the header of a WebP image of w by h pixels (its extended
// format's canvas chunk) and nothing more: what the upload's checks read.
func WebP(w, h int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(4+8+10))
	b.WriteString("WEBPVP8X")
	_ = binary.Write(&b, le, uint32(10))
	b.Write([]byte{0, 0, 0, 0})
	b.Write([]byte{byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16)})
	b.Write([]byte{byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)})
	return b.Bytes()
}

// HEIF is the box structure of a HEIC photo of w by h pixels (file type,
// metadata with the image's spatial extent, media data) and no image data
// to speak of: what the upload's checks read.
func HEIF(w, h int) []byte {
	box := func(typ string, payload ...[]byte) []byte {
		var b bytes.Buffer
		n := 8
		for _, p := range payload {
			n += len(p)
		}
		_ = binary.Write(&b, binary.BigEndian, uint32(n))
		b.WriteString(typ)
		for _, p := range payload {
			b.Write(p)
		}
		return b.Bytes()
	}
	full := []byte{0, 0, 0, 0} // a full box's version and flags
	ispe := make([]byte, 12)
	binary.BigEndian.PutUint32(ispe[4:], uint32(w))
	binary.BigEndian.PutUint32(ispe[8:], uint32(h))
	var out []byte
	out = append(out, box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic"))...)
	out = append(out, box("meta", full, box("hdlr", full, []byte("\x00\x00\x00\x00pict\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")),
		box("iprp", box("ipco", box("ispe", ispe))))...)
	out = append(out, box("mdat", make([]byte, 16))...)
	return out
}
