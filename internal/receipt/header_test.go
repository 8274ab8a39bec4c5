//go:build !integration

package receipt_test

import (
	"errors"
	"testing"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// jpegWith returns a JPEG's first bytes: SOI, an APP0 segment, fill bytes,
// then a frame header of the given marker declaring w×h and n components.
func jpegWith(marker byte, w, h, n int) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x06, 'J', 'F', 'I', 'F', 0xff, 0xff}
	return append(b, 0xff, marker, 0x00, byte(8+3*n), 0x08, byte(h>>8), byte(h), byte(w>>8), byte(w), byte(n))
}

func TestReadImageHeader(t *testing.T) {
	tests := []struct {
		name    string
		doc     []byte
		typ     string
		want    receipt.ImageHeader
		wantErr bool
	}{
		{"png grey", testdocs.PNG(30, 20, 0, 8), receipt.PNG, receipt.ImageHeader{Width: 30, Height: 20, Components: 1, BitDepth: 8}, false},
		{"png rgb 16-bit", testdocs.PNG(7, 9, 2, 16), receipt.PNG, receipt.ImageHeader{Width: 7, Height: 9, Components: 3, BitDepth: 16}, false},
		{"jpeg baseline", testdocs.JPEG(30000, 30000), receipt.JPEG, receipt.ImageHeader{Width: 30000, Height: 30000, Components: 1, BitDepth: 8}, false},
		{"jpeg extended", jpegWith(0xc1, 640, 480, 3), receipt.JPEG, receipt.ImageHeader{Width: 640, Height: 480, Components: 3, BitDepth: 8}, false},
		{"jpeg progressive", jpegWith(0xc2, 65535, 65535, 3), receipt.JPEG, receipt.ImageHeader{Width: 65535, Height: 65535, Components: 3, BitDepth: 8, Progressive: true}, false},
		{"jpeg lossless", jpegWith(0xc3, 100, 200, 1), receipt.JPEG, receipt.ImageHeader{Width: 100, Height: 200, Components: 1, BitDepth: 8}, false},
		{"jpeg arithmetic progressive", jpegWith(0xca, 100, 200, 1), receipt.JPEG, receipt.ImageHeader{Width: 100, Height: 200, Components: 1, BitDepth: 8, Progressive: true}, false},
		{"jpeg huffman table is no frame", append([]byte{0xff, 0xd8, 0xff, 0xc4, 0x00, 0x02}, jpegWith(0xc0, 5, 6, 1)[2:]...), receipt.JPEG, receipt.ImageHeader{Width: 5, Height: 6, Components: 1, BitDepth: 8}, false},
		{"jpeg without frame", []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0, 0, 0xff, 0xd9}, receipt.JPEG, receipt.ImageHeader{}, true},
		{"jpeg cut in its frame header", jpegWith(0xc0, 5, 6, 1)[:16], receipt.JPEG, receipt.ImageHeader{}, true},
		{"jpeg segment shorter than its length", []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0xff, 0xd9}, receipt.JPEG, receipt.ImageHeader{}, true},
		{"jpeg garbage between segments", []byte{0xff, 0xd8, 0x00, 0x00, 0x00, 0x00}, receipt.JPEG, receipt.ImageHeader{}, true},
		{"png cut short", testdocs.PNG(30, 20, 0, 8)[:20], receipt.PNG, receipt.ImageHeader{}, true},
		{"pdf", []byte("%PDF-1.4"), receipt.PDF, receipt.ImageHeader{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := receipt.ReadImageHeader(tt.doc, tt.typ)
			if tt.wantErr {
				if !errors.Is(err, receipt.ErrNoHeader) {
					t.Fatalf("ReadImageHeader = %+v, %v; want ErrNoHeader", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ReadImageHeader = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCheckPixels(t *testing.T) {
	tests := []struct {
		name  string
		doc   []byte
		typ   string
		limit int64
		want  string // the error's text, "" for none
	}{
		{"png under", testdocs.PNG(100, 100, 0, 8), receipt.PNG, 10_000, ""},
		{"png over", testdocs.PNG(101, 100, 0, 8), receipt.PNG, 10_000, "image of 101x100 pixels is over the limit of 10000 pixels"},
		{"jpeg bomb", testdocs.JPEG(30000, 30000), receipt.JPEG, 40_000_000, "image of 30000x30000 pixels is over the limit of 40000000 pixels"},
		{"600 DPI A4 scan", jpegWith(0xc2, 4960, 7016, 3), receipt.JPEG, 40_000_000, ""},
		{"pdf is for the page limits", []byte("%PDF-1.4"), receipt.PDF, 1, ""},
		{"unreadable header is for Wellformed", []byte{0xff, 0xd8}, receipt.JPEG, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := receipt.CheckPixels(tt.doc, tt.typ, tt.limit)
			got := ""
			if err != nil {
				got = err.Error()
				var pe *receipt.PixelError
				if !errors.As(err, &pe) {
					t.Errorf("error %T is no *PixelError", err)
				}
			}
			if got != tt.want {
				t.Errorf("CheckPixels = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzReadImageHeader(f *testing.F) {
	f.Add(testdocs.JPEG(30, 20))
	f.Add(jpegWith(0xc2, 5, 6, 3))
	f.Add(testdocs.PNG(3, 2, 6, 16))
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, typ := range []string{receipt.PNG, receipt.JPEG} {
			if h, err := receipt.ReadImageHeader(doc, typ); err == nil && (h.Width < 0 || h.Height < 0) {
				t.Fatalf("negative size %+v", h)
			}
		}
	})
}
