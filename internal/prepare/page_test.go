//go:build !integration

package prepare

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// receiptImage draws a receipt: paper at 230 with a dark frame of the given
// width around it and lines of faint print (150) over most of it.
func receiptImage(w, h, frame int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(230)
			switch {
			case x < frame || y < frame || x >= w-frame || y >= h-frame:
				v = 20
			case x >= w/8 && x < w*7/8 && y >= h/8 && y < h*7/8 && x%3 == 0 && y%12 < 6:
				v = 150 // lines of print over most of the paper
			}
			g.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return g
}

// transparentReceipt is print on nothing: its background is transparent.
func transparentReceipt(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := h / 3; y < h/2; y++ {
		for x := w / 4; x < w*3/4; x += 3 {
			img.SetNRGBA(x, y, color.NRGBA{A: 255})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodePGM reads back what pgm wrote.
func decodePGM(t *testing.T, b []byte) *image.Gray {
	t.Helper()
	var w, h, maxv int
	n, err := fmt.Sscanf(string(b), "P5\n%d %d\n%d\n", &w, &h, &maxv)
	if err != nil || n != 3 || maxv != 255 {
		t.Fatalf("not a PGM: %q", b[:min(len(b), 20)])
	}
	header := len(fmt.Sprintf("P5\n%d %d\n255\n", w, h))
	if len(b) != header+w*h {
		t.Fatalf("PGM of %dx%d has %d bytes of pixels", w, h, len(b)-header)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	copy(g.Pix, b[header:])
	return g
}

// prep prepares src with the default pixel limit and no decoding tools.
func prep(t testing.TB, src []byte) Page {
	t.Helper()
	p, err := Image(context.Background(), src, Options{MaxPixels: limits.DefaultImagePixels})
	if err != nil {
		t.Fatalf("Image: %v", err)
	}
	return p
}

func TestImage(t *testing.T) {
	plain := encodePNG(t, receiptImage(300, 400, 0))
	framed := encodePNG(t, receiptImage(300, 400, 12))
	huge := encodePNG(t, receiptImage(8100, 120, 0))
	tests := []struct {
		name      string
		src       []byte
		untouched bool // handed over as uploaded
		decoded   bool
		size      image.Point
	}{
		{"plain receipt", plain, true, true, image.Pt(300, 400)},
		// Cropped to the paper (276x376) with a margin of 1% of its
		// longer side.
		{"receipt in a dark frame", framed, false, true, image.Pt(282, 382)},
		{"very large image", huge, false, true, image.Pt(2700, 40)},
		// Its print, a small part of it, is cropped out too.
		{"print on a transparent background", encodePNG(t, transparentReceipt(300, 400)), false, true, image.Pt(162, 75)},
		{"not an image", []byte("hello"), true, false, image.Point{}},
		{"over the pixel limit", testdocs.PNG(6400, 6400, 0, 8), true, false, image.Point{}},
		// 16-bit colour at the pixel limit decodes to 320 MB: tesseract's.
		{"16-bit colour at the pixel limit", testdocs.PNG(6324, 6324, 2, 16), true, false, image.Point{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := prep(t, tt.src)
			if got := bytes.Equal(p.Bytes, tt.src); got != tt.untouched {
				t.Errorf("untouched = %v, want %v (steps %q)", got, tt.untouched, p.Steps)
			}
			if (p.Gray != nil) != tt.decoded {
				t.Fatalf("decoded = %v, want %v", p.Gray != nil, tt.decoded)
			}
			if !tt.decoded {
				return
			}
			if got := p.Gray.Rect.Size(); got != tt.size {
				t.Errorf("size = %v, want %v (steps %q)", got, tt.size, p.Steps)
			}
			if !tt.untouched {
				if got := decodePGM(t, p.Bytes); !bytes.Equal(got.Pix, p.Gray.Pix) {
					t.Error("the PGM handed to tesseract is not the prepared image")
				}
			}
		})
	}
}

func TestRemoveBorderKeepsPrint(t *testing.T) {
	g := receiptImage(300, 400, 12)
	if share := darkEdge(g); share != 1 {
		t.Fatalf("dark edge = %v, want 1", share)
	}
	removeBorder(g)
	want := receiptImage(300, 400, 0) // the same receipt, no frame
	for i := range g.Pix {
		if g.Pix[i] != want.Pix[i] {
			t.Fatalf("pixel (%d,%d) = %d, want %d", i%300, i/300, g.Pix[i], want.Pix[i])
		}
	}
	if share := darkEdge(g); share != 0 {
		t.Errorf("dark edge after = %v, want 0", share)
	}
}

func TestPrintTouchingTheEdgeIsNotABorder(t *testing.T) {
	g := receiptImage(300, 400, 0)
	for x := range 100 { // a logo printed up to the top edge
		g.Pix[100+x] = 20
	}
	if share := darkEdge(g); share > borderShare {
		t.Errorf("dark edge = %v, counted as a border (> %v)", share, borderShare)
	}
}

func TestGrayOfJPEGIsItsLuma(t *testing.T) {
	// Grey with a tint: no colour is clamped on its way back to RGB, so
	// the luma plane and a conversion of each pixel agree.
	src := image.NewRGBA(image.Rect(0, 0, 61, 45))
	for y := range 45 {
		for x := range 61 {
			v := uint8(40 + x*2 + y)
			src.Set(x, y, color.RGBA{v, v + 10, v, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, nil); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	got := grayOf(img)
	for y := range 45 {
		for x := range 61 {
			want := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			if d := int(got.GrayAt(x, y).Y) - int(want); d < -2 || d > 2 {
				t.Fatalf("(%d,%d) = %d, want %d", x, y, got.GrayAt(x, y).Y, want)
			}
		}
	}
}

func TestShrinkAveragesBlocks(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 5, 2))
	copy(g.Pix, []uint8{0, 100, 200, 250, 9, 50, 50, 0, 50, 9})
	got := shrink(g, 2)
	if want := []uint8{50, 125}; got.Rect.Dx() != 2 || got.Rect.Dy() != 1 || !bytes.Equal(got.Pix, want) {
		t.Errorf("shrink = %v (%v), want %v", got.Pix, got.Rect, want)
	}
}

// pngHeader is the start of a PNG claiming the given size, enough for
// image.DecodeConfig and nothing more.
func pngHeader(w, h int) []byte {
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	_ = png.Encode(&b, img)
	out := b.Bytes()
	// IHDR's width and height follow the 8-byte signature, length and
	// type; its checksum covers type and data.
	binary.BigEndian.PutUint32(out[16:], uint32(w))
	binary.BigEndian.PutUint32(out[20:], uint32(h))
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

func FuzzImage(f *testing.F) {
	f.Add(encodePNG(f, receiptImage(40, 60, 3)))
	f.Add(encodePNG(f, receiptImage(60, 30, 0)))
	f.Add(pngHeader(40000, 40000))
	f.Add(testdocs.JPEG(40, 30))
	var j bytes.Buffer
	if err := jpeg.Encode(&j, receiptImage(64, 80, 4), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(j.Bytes())
	f.Add(testdocs.Damaged(j.Bytes(), 3))
	f.Add(exifJPEG(f, receiptImage(64, 80, 4), orientationTIFF(binary.LittleEndian, 6, 3, 1)))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Image(context.Background(), src, Options{MaxPixels: limits.DefaultImagePixels})
		if err != nil {
			if receipt.Sniff(src) == receipt.PNG || receipt.Sniff(src) == receipt.JPEG {
				t.Fatalf("a PNG or JPEG is tesseract's to judge, not refused: %v", err)
			}
			return
		}
		if p.Gray == nil {
			if !bytes.Equal(p.Bytes, src) {
				t.Fatal("an image we could not decode was changed")
			}
			return
		}
		if long := max(p.Gray.Rect.Dx(), p.Gray.Rect.Dy()); long > maxSide*2 {
			t.Fatalf("prepared image is %v, longer than twice %d", p.Gray.Rect, maxSide)
		}
	})
}

func TestTransparencyIsPaper(t *testing.T) {
	p := prep(t, encodePNG(t, transparentReceipt(30, 40)))
	if got := p.Gray.GrayAt(0, 0).Y; got != 255 {
		t.Errorf("background = %d, want 255", got)
	}
	if got := p.Gray.GrayAt(30/4, 40/3).Y; got != 0 {
		t.Errorf("print = %d, want 0", got)
	}
}

// TestImageMemory holds what preparing an image at the pixel limit
// allocates (an upper bound of its peak) under the decode budget, so that
// the processor's two workers stay well inside its memory.
func TestImageMemory(t *testing.T) {
	side := 6324 // 39.99 megapixels
	tests := []struct {
		name    string
		src     []byte
		maxHeap int64
	}{
		{"grey 8-bit", testdocs.PNG(side, side, 0, 8), maxDecodeBytes},
		{"colour 8-bit", testdocs.PNG(side, side, 2, 8), maxDecodeBytes * 5 / 4},
		{"colour 16-bit", testdocs.PNG(side, side, 2, 16), 1 << 20},
		{"grey 16-bit", testdocs.PNG(side, side, 0, 16), maxDecodeBytes},
		{"jpeg bomb", testdocs.JPEG(30000, 30000), 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p := prep(t, tt.src)
			runtime.ReadMemStats(&after)
			got := int64(after.TotalAlloc - before.TotalAlloc)
			t.Logf("%s: %d MiB allocated, decoded %v", tt.name, got>>20, p.Gray != nil)
			if got > tt.maxHeap {
				t.Errorf("preparePage allocated %d MiB, want at most %d MiB", got>>20, tt.maxHeap>>20)
			}
		})
	}
}

func TestDecodeBytes(t *testing.T) {
	tests := []struct {
		h    receipt.ImageHeader
		want int64
	}{
		{receipt.ImageHeader{Width: 10, Height: 10, Components: 1, BitDepth: 8}, 200},
		{receipt.ImageHeader{Width: 10, Height: 10, Components: 1, BitDepth: 16}, 300},
		{receipt.ImageHeader{Width: 10, Height: 10, Components: 3, BitDepth: 8}, 500},
		{receipt.ImageHeader{Width: 10, Height: 10, Components: 4, BitDepth: 16}, 900},
		{receipt.ImageHeader{Width: 10, Height: 10, Components: 3, BitDepth: 8, Progressive: true}, 1700},
	}
	for _, tt := range tests {
		if got := decodeBytes(tt.h); got != tt.want {
			t.Errorf("decodeBytes(%+v) = %d, want %d", tt.h, got, tt.want)
		}
	}
}
