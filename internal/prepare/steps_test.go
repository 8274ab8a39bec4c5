//go:build !integration

package prepare

import (
	"image"
	"math"
	"testing"
)

// lines draws a receipt's print: paper at 235 and dark bars, each a line
// of text, slanted by deg degrees.
func lines(w, h int, deg float64) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	slope := math.Tan(deg * math.Pi / 180)
	for y := range h {
		for x := range w {
			g.Pix[y*g.Stride+x] = 235
		}
	}
	for row := 40; row < h-40; row += 30 {
		for x := w / 8; x < w*7/8; x++ {
			if x%9 > 6 { // gaps between letters
				continue
			}
			y0 := row + int(float64(x-w/2)*slope)
			for dy := range 10 {
				if y := y0 + dy; y >= 0 && y < h {
					g.Pix[y*g.Stride+x] = 30
				}
			}
		}
	}
	return g
}

// onBackground lays g on a background of grey level bg, at (x, y), in a
// canvas of w by h.
func onBackground(g *image.Gray, w, h, x, y int, bg uint8) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i := range out.Pix {
		out.Pix[i] = bg
	}
	for r := range g.Rect.Dy() {
		copy(out.Pix[(y+r)*out.Stride+x:], g.Pix[r*g.Stride:r*g.Stride+g.Rect.Dx()])
	}
	return out
}

func TestFindPaper(t *testing.T) {
	receipt := lines(300, 900, 0)
	tests := []struct {
		name string
		g    *image.Gray
		crop bool
		near image.Point // the crop's size, within 5%
	}{
		{"a narrow receipt on a dark scanner bed", onBackground(receipt, 1240, 1754, 500, 100, 40), true, image.Pt(306, 918)},
		{"a receipt on a grey table", onBackground(receipt, 600, 1100, 150, 100, 120), true, image.Pt(306, 918)},
		{"a scan of the paper alone", receipt, false, image.Point{}},
		{"paper nearly filling the frame", onBackground(receipt, 310, 910, 5, 5, 40), false, image.Point{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := findPaper(tt.g)
			if ok != tt.crop {
				t.Fatalf("cropped = %v, want %v", ok, tt.crop)
			}
			if !ok {
				return
			}
			if got := c.Rect.Size(); math.Abs(float64(got.X-tt.near.X)) > 0.05*float64(tt.near.X) || math.Abs(float64(got.Y-tt.near.Y)) > 0.05*float64(tt.near.Y) {
				t.Errorf("cropped to %v, want about %v", got, tt.near)
			}
			background := 0
			for _, v := range c.Pix {
				if v == 40 || v == 120 {
					background++
				}
			}
			if share := float64(background) / float64(len(c.Pix)); share > 0.12 {
				t.Errorf("%.0f%% of the crop is background", 100*share)
			}
		})
	}
}

func TestEvenLight(t *testing.T) {
	g := lines(600, 800, 0)
	// Light falls off to the right: the paper goes from 235 to under 120.
	for y := range 800 {
		for x := range 600 {
			f := 1 - 0.5*float64(x)/600
			g.Pix[y*g.Stride+x] = uint8(float64(g.Pix[y*g.Stride+x]) * f)
		}
	}
	e, ok := evenLight(g)
	if !ok {
		t.Fatal("unevenly lit page left as it was")
	}
	// Paper everywhere is now brighter than print anywhere.
	paperMin, inkMax := 255, 0
	level := lines(600, 800, 0)
	for y := range 800 {
		for x := range 600 {
			v := int(e.Pix[y*e.Stride+x])
			if level.Pix[y*600+x] == 235 {
				paperMin = min(paperMin, v)
			} else {
				inkMax = max(inkMax, v)
			}
		}
	}
	if paperMin <= inkMax+50 {
		t.Errorf("after evening: darkest paper %d, lightest print %d; want paper well above print", paperMin, inkMax)
	}
	if _, ok := evenLight(lines(600, 800, 0)); ok {
		t.Error("an evenly lit page was changed")
	}
}

func TestReadPGM(t *testing.T) {
	g := lines(30, 20, 0)
	back, err := ReadPGM(PGM(g))
	if err != nil || back.Rect != g.Rect || string(back.Pix) != string(g.Pix) {
		t.Fatalf("PGM round trip: %v, %v", back.Rect, err)
	}
	ppm := []byte("P6\n# a comment\n2 1\n255\n\xff\x00\x00\x00\x00\xff")
	if c, err := ReadPGM(ppm); err != nil || c.Pix[0] != 76 || c.Pix[1] != 29 {
		t.Errorf("PPM as luma: %v, %v; want 76 and 29", c, err)
	}
	short := []byte("P5 4 2 255\n\x10\x20\x30")
	if c, err := ReadPGM(short); err != nil || c.Pix[2] != 0x30 || c.Pix[3] != 255 || c.Pix[7] != 255 {
		t.Errorf("a PGM cut short: %v, %v; want what it has, then paper", c, err)
	}
	for _, bad := range []string{"", "P2 1 1 255\n0", "P5 0 1 255\n", "P5 99999999 1 255\n", "P5 1 1 65535\n\x00\x00", "GIF89a"} {
		if _, err := ReadPGM([]byte(bad)); err == nil {
			t.Errorf("ReadPGM(%q) accepted", bad)
		}
	}
}

// TestPrepareGrayOnABed: the whole preparation leaves the receipt alone,
// its margin painted paper.
func TestPrepareGrayOnABed(t *testing.T) {
	p := prepareGray(onBackground(lines(300, 900, 0), 1240, 1754, 500, 100, 40), nil)
	if size := p.Gray.Rect.Size(); size.X > 330 || size.Y > 990 {
		t.Errorf("prepared to %v, want the receipt's 300x900 and a margin (steps %q)", size, p.Steps)
	}
	if d := darkEdge(p.Gray); d > borderShare {
		t.Errorf("edge %.0f%% dark after preparation (steps %q)", 100*d, p.Steps)
	}
}

// TestCropToPrint: a receipt scanned on a large white page is cropped to
// its print; a receipt that fills its image is left as it is.
func TestCropToPrint(t *testing.T) {
	page := onBackground(lines(200, 300, 0), 1240, 1754, 500, 700, 235)
	c, ok := cropToPrint(page)
	if !ok {
		t.Fatal("a little print on an A4 page was not cropped")
	}
	if got := c.Rect.Size(); got.X > 260 || got.Y > 300 || got.X < 150 || got.Y < 200 {
		t.Errorf("cropped to %v, want about the print's 150x220 and a margin", got)
	}
	if _, ok := cropToPrint(lines(600, 800, 0)); ok {
		t.Error("a page of print was cropped")
	}
	blank := image.NewGray(image.Rect(0, 0, 200, 300))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if _, ok := cropToPrint(blank); ok {
		t.Error("a blank page was cropped")
	}
}
