//go:build !integration

package extract

import (
	"context"
	"image"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/parse"
)

// wordsAt is a line of words, each h pixels high, read with confidence conf.
func wordsAt(text string, h int, conf float64) parse.Line {
	l := parse.Line{Text: text, Words: []parse.Word{}}
	x := 0
	for i, w := range strings.Fields(text) {
		start := strings.Index(text[x:], w) + x
		l.Words = append(l.Words, parse.Word{Start: start, End: start + len(w), Conf: conf, Box: image.Rect(i*100, 0, i*100+80, h)})
		x = start + len(w)
	}
	return l
}

func TestCapHeight(t *testing.T) {
	tests := []struct {
		name  string
		lines []parse.Line
		want  int
	}{
		{"capitals and digits", []parse.Line{wordsAt("TOTAL 12.50 CASH 20.00 CHANGE 7.50", 14, 0.9)}, 14},
		{"the median line's height", []parse.Line{
			wordsAt("TOTAL 12.50 CASH", 14, 0.9), wordsAt("GST 0.60", 30, 0.9), wordsAt("ROUNDING 0.00 TAX", 15, 0.9)}, 15},
		{"small letters do not tell", []parse.Line{wordsAt("Thank you for shopping with us", 10, 0.9), wordsAt("TOTAL 12.50", 20, 0.9)}, 0},
		{"doubtful words do not tell", []parse.Line{wordsAt("TOTAL 12.50 CASH 20.00 CHANGE 7.50", 14, 0.5)}, 0},
		{"short words do not tell", []parse.Line{wordsAt("RM 1 A B 2 X", 14, 0.9)}, 0},
		{"no boxes", []parse.Line{{Text: "TOTAL 12.50 CASH 20.00 CHANGE"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := capHeight(tt.lines); got != tt.want {
				t.Errorf("capHeight = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestReadSmallPrintBounds: print that is not small is not read again, and
// no enlarged page exceeds maxLookPixels; neither runs tesseract.
func TestReadSmallPrintBounds(t *testing.T) {
	tess := &Tesseract{Languages: "eng"}
	tests := []struct {
		name string
		size image.Point
		h    int
	}{
		{"print of a usual size", image.Pt(800, 2000), smallPrint},
		{"print height unknown", image.Pt(800, 2000), 0},
		{"a page too large once enlarged", image.Pt(2000, 3000), 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := image.NewGray(image.Rectangle{Max: tt.size})
			if _, ok := tess.readSmallPrint(context.Background(), g, tt.h, nil); ok {
				t.Errorf("read again at print height %d on a %v page", tt.h, tt.size)
			}
		})
	}
}
