//go:build !integration

package prepare

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"slices"
	"strings"
	"testing"
)

// grayOfRows makes an image of the given rows of grey levels.
func grayOfRows(rows ...[]uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, len(rows[0]), len(rows)))
	for y, r := range rows {
		copy(g.Pix[y*g.Stride:], r)
	}
	return g
}

// TestUpright: an image stored as each EXIF orientation says (the stored
// pixels written out by hand from the standard's "0th row is the visual
// ..." wording) comes out as it was seen.
func TestUpright(t *testing.T) {
	seen := grayOfRows([]uint8{1, 2, 3}, []uint8{4, 5, 6})
	tests := []struct {
		orientation int
		stored      [][]uint8
	}{
		{1, [][]uint8{{1, 2, 3}, {4, 5, 6}}},
		{2, [][]uint8{{3, 2, 1}, {6, 5, 4}}},   // mirrored
		{3, [][]uint8{{6, 5, 4}, {3, 2, 1}}},   // upside down
		{4, [][]uint8{{4, 5, 6}, {1, 2, 3}}},   // mirrored upside down
		{5, [][]uint8{{1, 4}, {2, 5}, {3, 6}}}, // row 0 is the left side, column 0 the top
		{6, [][]uint8{{3, 6}, {2, 5}, {1, 4}}}, // row 0 is the right side, column 0 the top: a phone held upright
		{7, [][]uint8{{6, 3}, {5, 2}, {4, 1}}}, // row 0 is the right side, column 0 the bottom
		{8, [][]uint8{{4, 1}, {5, 2}, {6, 3}}}, // row 0 is the left side, column 0 the bottom
		{9, [][]uint8{{1, 2, 3}, {4, 5, 6}}},   // no such orientation: as stored
		{0, [][]uint8{{1, 2, 3}, {4, 5, 6}}},   // nor this
		{-1, [][]uint8{{1, 2, 3}, {4, 5, 6}}},  // nor this
	}
	for _, tt := range tests {
		got := upright(grayOfRows(tt.stored...), tt.orientation)
		if got.Rect.Dx() != 3 || got.Rect.Dy() != 2 || !slices.Equal(got.Pix, seen.Pix) {
			t.Errorf("orientation %d: got %v %v, want %v", tt.orientation, got.Rect, got.Pix, seen.Pix)
		}
	}
}

// TestUprightOfACrop: an image that is part of a larger one (a crop keeps
// its parent's coordinates) turns as well as a whole one.
func TestUprightOfACrop(t *testing.T) {
	big := grayOfRows([]uint8{9, 9, 9, 9}, []uint8{9, 3, 6, 9}, []uint8{9, 2, 5, 9}, []uint8{9, 1, 4, 9}, []uint8{9, 9, 9, 9})
	crop := big.SubImage(image.Rect(1, 1, 3, 4)).(*image.Gray)
	got := upright(crop, 6)
	if want := []uint8{1, 2, 3, 4, 5, 6}; !slices.Equal(got.Pix, want) {
		t.Errorf("got %v, want %v", got.Pix, want)
	}
}

func TestTurn(t *testing.T) {
	g := grayOfRows([]uint8{1, 2, 3}, []uint8{4, 5, 6})
	for q := range 5 {
		back := Turn(Turn(g, q), 4-q%4)
		if !slices.Equal(back.Pix, g.Pix) || back.Rect != g.Rect {
			t.Errorf("%d quarter turns and back: %v", q, back.Pix)
		}
	}
	if got := Turn(g, 1); !slices.Equal(got.Pix, []uint8{4, 1, 5, 2, 6, 3}) {
		t.Errorf("a quarter turn clockwise: %v", got.Pix)
	}
}

// exifJPEG returns a JPEG of g whose EXIF segment holds app1 (the TIFF
// structure after "Exif\0\0"), placed after a JFIF segment as cameras do.
func exifJPEG(t testing.TB, g image.Image, tiff []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, g, nil); err != nil {
		t.Fatal(err)
	}
	src := b.Bytes()
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	app1 = append(app1, seg...)
	return slices.Concat(src[:2], app1, src[2:])
}

// orientationTIFF is a TIFF structure in the given byte order whose first
// IFD holds an unrelated tag and then Orientation, of the given type and
// count.
func orientationTIFF(order binary.ByteOrder, o, typ uint16, count uint32) []byte {
	b := make([]byte, 8+2+2*12+4)
	if order == binary.LittleEndian {
		copy(b, "II")
	} else {
		copy(b, "MM")
	}
	order.PutUint16(b[2:], 42)
	order.PutUint32(b[4:], 8)
	order.PutUint16(b[8:], 2)
	e := b[10:]
	order.PutUint16(e, 0x010F) // Make, ASCII, pointing nowhere useful
	order.PutUint16(e[2:], 2)
	order.PutUint32(e[4:], 4)
	e = b[22:]
	order.PutUint16(e, 0x0112)
	order.PutUint16(e[2:], typ)
	order.PutUint32(e[4:], count)
	order.PutUint16(e[8:], o)
	return b
}

func TestEXIFOrientation(t *testing.T) {
	g := receiptImage(40, 60, 0)
	tiff := orientationTIFF(binary.BigEndian, 6, 3, 1)
	tests := []struct {
		name string
		src  []byte
		want int
	}{
		{"little endian", exifJPEG(t, g, orientationTIFF(binary.LittleEndian, 6, 3, 1)), 6},
		{"big endian", exifJPEG(t, g, tiff), 6},
		{"upside down", exifJPEG(t, g, orientationTIFF(binary.BigEndian, 3, 3, 1)), 3},
		{"empty", nil, 1},
		{"an empty EXIF segment", exifJPEG(t, g, nil), 1},
		{"orientation 9", exifJPEG(t, g, orientationTIFF(binary.BigEndian, 9, 3, 1)), 1},
		{"orientation 0", exifJPEG(t, g, orientationTIFF(binary.BigEndian, 0, 3, 1)), 1},
		{"a LONG, not a SHORT", exifJPEG(t, g, orientationTIFF(binary.BigEndian, 6, 4, 1)), 1},
		{"two values", exifJPEG(t, g, orientationTIFF(binary.BigEndian, 6, 3, 2)), 1},
		{"not TIFF", exifJPEG(t, g, append([]byte("XX"), tiff[2:]...)), 1},
		{"IFD past the end", exifJPEG(t, g, append(slices.Clone(tiff[:4]), 0, 0, 0xFF, 0xFF)), 1},
		{"entries cut short", exifJPEG(t, g, tiff[:20]), 1},
		{"segment longer than the file", exifJPEG(t, g, tiff)[:30], 1},
		{"not a JPEG", encodePNG(t, g), 1},
	}
	for _, tt := range tests {
		if got := exifOrientation(tt.src); got != tt.want {
			t.Errorf("%s: orientation %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestImageTurnsByEXIF: a phone's portrait photo, stored sideways with
// Orientation 6, is prepared upright; the same pixels without the tag are
// left as they are.
func TestImageTurnsByEXIF(t *testing.T) {
	upright := receiptImage(300, 400, 0)
	sideways := Turn(upright, 3) // stored a quarter turn anticlockwise
	tagged := exifJPEG(t, sideways, orientationTIFF(binary.LittleEndian, 6, 3, 1))
	p := prep(t, tagged)
	if p.Gray == nil || p.Gray.Rect.Dx() != 300 || p.Gray.Rect.Dy() != 400 {
		t.Fatalf("prepared %v, want 300x400 upright", p.Gray)
	}
	if !strings.Contains(strings.Join(p.Steps, ","), "EXIF orientation 6") {
		t.Errorf("steps %v do not say the image was turned", p.Steps)
	}
	plain := exifJPEG(t, sideways, orientationTIFF(binary.LittleEndian, 1, 3, 1))
	if p := prep(t, plain); p.Gray == nil || p.Gray.Rect.Dx() != 400 {
		t.Errorf("orientation 1: prepared %v, want it as stored, 400 wide", p.Gray)
	}
}
