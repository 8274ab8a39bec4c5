//go:build !integration

package receipt

import (
	"testing"

	"github.com/receipts-api/receipts/internal/testdocs"
)

// TestFormatsPhonesSend: HEIC/HEIF, WebP and TIFF are sniffed by their
// bytes, their headers give the pixels the limit is checked against, and a
// file one byte short is not whole.
func TestFormatsPhonesSend(t *testing.T) {
	heif := testdocs.HEIF(4032, 3024)
	mif1 := append([]byte(nil), heif...)
	copy(mif1[8:12], "mif1")
	tests := []struct {
		name  string
		doc   []byte
		typ   string
		w, h  int
		pages int
	}{
		{"an iPhone's HEIC", heif, HEIC, 4032, 3024, 0},
		{"a HEIF", mif1, HEIF, 4032, 3024, 0},
		{"a WebP", testdocs.WebP(1200, 1600), WebP, 1200, 1600, 0},
		{"a two-page TIFF", testdocs.TIFF(30, 40, 2), TIFF, 30, 40, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.doc); got != tt.typ {
				t.Fatalf("Sniff = %q, want %q", got, tt.typ)
			}
			if !Supported(tt.typ) || !Wellformed(tt.doc, tt.typ) {
				t.Errorf("supported %v, whole %v; want both", Supported(tt.typ), Wellformed(tt.doc, tt.typ))
			}
			if Wellformed(tt.doc[:len(tt.doc)-1], tt.typ) {
				t.Error("one byte short, still whole")
			}
			h, err := ReadImageHeader(tt.doc, tt.typ)
			if err != nil || h.Width != tt.w || h.Height != tt.h {
				t.Errorf("header %dx%d, %v; want %dx%d", h.Width, h.Height, err, tt.w, tt.h)
			}
			if err := CheckPixels(tt.doc, tt.typ, int64(tt.w*tt.h)-1); err == nil {
				t.Error("one pixel over the limit passed")
			}
			if tt.pages > 0 && TIFFPageCount(tt.doc) != tt.pages {
				t.Errorf("%d pages, want %d", TIFFPageCount(tt.doc), tt.pages)
			}
		})
	}
	if !SameType(HEIF, HEIC) || SameType(WebP, PNG) {
		t.Error("HEIC and HEIF are one type to a client; WebP and PNG are not")
	}
}
