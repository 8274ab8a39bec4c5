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

func TestEnlargeBy(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 10, 4))
	for i := range g.Pix {
		g.Pix[i] = 200
	}
	g.Pix[0] = 0
	out := enlargeBy(g, 26, 13)
	if out.Rect != image.Rect(0, 0, 20, 8) {
		t.Fatalf("enlarged to %v, want 20x8", out.Rect)
	}
	if out.Pix[0] != 0 || out.Pix[out.Stride*7+19] != 200 {
		t.Errorf("corners %d and %d, want 0 and 200", out.Pix[0], out.Pix[out.Stride*7+19])
	}
	if odd := enlargeBy(g, 26, 14); odd.Rect != image.Rect(0, 0, 18, 7) {
		t.Errorf("enlarged by 26/14 to %v, want 18x7", odd.Rect)
	}
	if r := scaleRect(image.Rect(13, 13, 27, 40), 14, 26); r != image.Rect(7, 7, 15, 22) {
		t.Errorf("scaleRect = %v, want (7,7)-(15,22): rounded outwards", r)
	}
}
