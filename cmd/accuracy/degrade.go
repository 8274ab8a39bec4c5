package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"slices"
	"strings"
)

// degradations turn a receipt's image into one that another scanner or
// phone might have delivered: the labelled receipts once more, slightly
// worse, to show how much of the accuracy is fitted to these very images.
var degradations = map[string]func(*image.Gray) (*image.Gray, int){
	// A scan at lower resolution, or a photo from further away.
	"scale70": func(g *image.Gray) (*image.Gray, int) { return scaleDown(g, 7, 10), 90 },
	// Heavy JPEG compression.
	"jpeg25": func(g *image.Gray) (*image.Gray, int) { return g, 25 },
	// Paper laid a little askew.
	"rotate1.5": func(g *image.Gray) (*image.Gray, int) { return rotate(g, 1.5), 90 },
	// Faded print on grey paper.
	"lowcontrast": func(g *image.Gray) (*image.Gray, int) {
		out := image.NewGray(g.Rect)
		for i, p := range g.Pix {
			out.Pix[i] = uint8(60 + int(p)*150/255)
		}
		return out, 85
	},
}

func degradationNames() string {
	var names []string
	for n := range degradations {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// degrade applies the named degradation to a JPEG or PNG and returns a JPEG.
func degrade(src []byte, name string) ([]byte, error) {
	f, ok := degradations[name]
	if !ok {
		return nil, fmt.Errorf("unknown degradation %q (one of %s)", name, degradationNames())
	}
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	g := image.NewGray(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	out, quality := f(g)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b.Bytes(), nil
}

// scaleDown shrinks g by num/den (below 1), each pixel the mean of the
// source area it covers.
func scaleDown(g *image.Gray, num, den int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w*num/den, h*num/den))
	for y := range out.Rect.Dy() {
		y0, y1 := y*den/num, min((y+1)*den/num+1, h)
		for x := range out.Rect.Dx() {
			x0, x1 := x*den/num, min((x+1)*den/num+1, w)
			sum, n := 0, 0
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					sum += int(g.Pix[sy*g.Stride+sx])
					n++
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}

// rotate turns g by deg degrees about its centre, interpolating linearly;
// what comes in from outside is white paper.
func rotate(g *image.Gray, deg float64) *image.Gray {
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	w, h := g.Rect.Dx(), g.Rect.Dy()
	cx, cy := float64(w)/2, float64(h)/2
	out := image.NewGray(g.Rect)
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 255
		}
		return float64(g.Pix[y*g.Stride+x])
	}
	for y := range h {
		dy := float64(y) - cy
		for x := range w {
			dx := float64(x) - cx
			sx, sy := cx+dx*cos-dy*sin, cy+dx*sin+dy*cos
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
			bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
			out.Pix[y*out.Stride+x] = color.Gray{uint8(top*(1-fy) + bot*fy + 0.5)}.Y
		}
	}
	return out
}
