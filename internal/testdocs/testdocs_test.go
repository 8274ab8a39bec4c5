//go:build !integration

package testdocs

import (
	"bytes"
	"compress/zlib"
	"hash/adler32"
	"image"
	"image/color"
	"image/png"
	"io"
	"testing"
)

// TestRepeated holds the shortcut to the plain compressor's output, byte
// for byte once decompressed, checksum included.
func TestRepeated(t *testing.T) {
	tests := []struct {
		name string
		row  []byte
		n    int
	}{
		{"short", []byte{0, 1, 2, 3}, 10},
		{"blocks and a rest", append([]byte{0}, bytes.Repeat([]byte{0xff}, 300)...), 20000},
		{"whole blocks", append([]byte{0}, bytes.Repeat([]byte{0xff}, 1<<10)...), 1023 * 8},
		{"patterned", append([]byte{0}, bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 500)...), 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := zlib.NewReader(bytes.NewReader(repeated(tt.row, tt.n)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(z) // the reader checks the Adler-32
			if err != nil {
				t.Fatalf("decompress: %v", err)
			}
			if want := bytes.Repeat(tt.row, tt.n); !bytes.Equal(got, want) {
				t.Fatalf("decompressed %d bytes, want %d copies of the row (%d bytes)", len(got), tt.n, len(want))
			}
		})
	}
}

func TestAdler32Combine(t *testing.T) {
	a, b := bytes.Repeat([]byte("receipt"), 40000), bytes.Repeat([]byte{0xff, 0}, 70000)
	if got, want := adler32Combine(adler32.Checksum(a), adler32.Checksum(b), int64(len(b))), adler32.Checksum(append(a, b...)); got != want {
		t.Errorf("combined %08x, want %08x", got, want)
	}
}

func TestPNGDecodes(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(PNG(300, 20000, 0, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 300, 20000) || img.At(299, 19999) != (color.Gray{Y: 0xff}) {
		t.Errorf("decoded %v, last pixel %v; want 300x20000, white", img.Bounds(), img.At(299, 19999))
	}
}
