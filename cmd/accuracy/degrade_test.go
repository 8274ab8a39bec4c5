//go:build !integration

package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// TestDegrade: each degradation returns a JPEG of the expected size that
// differs from the input in the expected way.
func TestDegrade(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := 40; y < 60; y++ { // a black bar across the middle
		for x := 20; x < 180; x++ {
			g.Pix[y*g.Stride+x] = 0
		}
	}
	var src bytes.Buffer
	if err := png.Encode(&src, g); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		size       image.Point
		darkest    [2]uint8 // within
		lightest   [2]uint8 // within
		barAtEdges bool     // the bar's ends moved off its row
	}{
		{"scale70", image.Pt(140, 70), [2]uint8{0, 10}, [2]uint8{245, 255}, false},
		{"jpeg25", image.Pt(200, 100), [2]uint8{0, 30}, [2]uint8{225, 255}, false},
		{"rotate1.5", image.Pt(200, 100), [2]uint8{0, 10}, [2]uint8{245, 255}, true},
		{"lowcontrast", image.Pt(200, 100), [2]uint8{50, 70}, [2]uint8{200, 220}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := degrade(src.Bytes(), tt.name, "receipt")
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("not a JPEG: %v", err)
			}
			if got := img.Bounds().Size(); got != tt.size {
				t.Fatalf("size %v, want %v", got, tt.size)
			}
			lo, hi := uint8(255), uint8(0)
			for y := range tt.size.Y {
				for x := range tt.size.X {
					v, _, _, _ := img.At(x, y).RGBA()
					lo, hi = min(lo, uint8(v>>8)), max(hi, uint8(v>>8))
				}
			}
			if lo < tt.darkest[0] || lo > tt.darkest[1] || hi < tt.lightest[0] || hi > tt.lightest[1] {
				t.Errorf("grey levels %d..%d, want the darkest within %v and the lightest within %v", lo, hi, tt.darkest, tt.lightest)
			}
			// Rotated, the bar's left end sits lower than its right end.
			left, _, _, _ := img.At(25, 38).RGBA()
			right, _, _, _ := img.At(175, 38).RGBA()
			if moved := left>>8 > 128 && right>>8 < 128 || left>>8 < 128 && right>>8 > 128; moved != tt.barAtEdges {
				t.Errorf("bar ends at row 38: left %d, right %d; want moved = %v", left>>8, right>>8, tt.barAtEdges)
			}
		})
	}
	// Quality 25 compresses harder than the others' 90.
	low, _ := degrade(src.Bytes(), "jpeg25", "receipt")
	var high bytes.Buffer
	if err := jpeg.Encode(&high, g, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if len(low) >= high.Len() {
		t.Errorf("jpeg25 wrote %d bytes, quality 90 %d: not compressed harder", len(low), high.Len())
	}
	if _, err := degrade(src.Bytes(), "smudge", "receipt"); err == nil {
		t.Error("an unknown degradation was accepted")
	}
}

// TestDegradeAsTaken: the scanner bed is a dark A4 page around the
// receipt, the phone photo a 750x1000 frame with the receipt turned on a
// table; both are the same at every run.
func TestDegradeAsTaken(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 300, 900))
	for i := range g.Pix {
		g.Pix[i] = 250
	}
	var src bytes.Buffer
	if err := png.Encode(&src, g); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		size image.Point
	}{{"bed", image.Pt(2480, 3508)}, {"photo", image.Pt(750, 1000)}} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := degrade(src.Bytes(), tt.name, "receipt")
			if err != nil {
				t.Fatal(err)
			}
			again, _ := degrade(src.Bytes(), tt.name, "receipt")
			if !bytes.Equal(out, again) {
				t.Error("two runs differ")
			}
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got != tt.size {
				t.Fatalf("size %v, want %v", got, tt.size)
			}
			corner, _, _, _ := img.At(3, 3).RGBA()
			light := 0
			for y := 0; y < tt.size.Y; y += 4 {
				for x := 0; x < tt.size.X; x += 4 {
					if v, _, _, _ := img.At(x, y).RGBA(); v>>8 > 180 {
						light++
					}
				}
			}
			if corner>>8 > 160 || light == 0 {
				t.Errorf("corner %d, %d light samples: want the paper on a darker background", corner>>8, light)
			}
		})
	}
}
