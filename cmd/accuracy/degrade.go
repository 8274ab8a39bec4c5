package main

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/receipts-api/receipts/internal/testdocs"
)

// degradations turn a receipt's image into one that another scanner or
// phone might have delivered: the labelled receipts once more, slightly
// worse, to show how much of the accuracy is fitted to these very images.
// Each returns the image and the JPEG quality to save it at; r, seeded by
// the receipt's name, makes the random ones the same at every run.
var degradations = map[string]func(g *image.Gray, r *rand.Rand) (*image.Gray, int){
	// A scan at lower resolution, or a photo from further away.
	"scale70": func(g *image.Gray, _ *rand.Rand) (*image.Gray, int) { return testdocs.ScaleDown(g, 7, 10), 90 },
	// Heavy JPEG compression.
	"jpeg25": func(g *image.Gray, _ *rand.Rand) (*image.Gray, int) { return g, 25 },
	// Paper laid a little askew.
	"rotate1.5": func(g *image.Gray, _ *rand.Rand) (*image.Gray, int) { return rotate(g, 1.5), 90 },
	// A narrow receipt on a flatbed scanner's dark bed, as a whole A4 page.
	"bed": onScannerBed,
	// The same under a scanner's white lid: a little print on a white page.
	"lid":   underWhiteLid,
	"photo": phonePhoto,
	// Scanned or photographed sideways, a quarter turn either way, with no
	// EXIF orientation to say so; and upside down.
	"sideways": func(g *image.Gray, r *rand.Rand) (*image.Gray, int) {
		return turn(g, 1+2*r.IntN(2)), 90
	},
	"upsidedown": func(g *image.Gray, _ *rand.Rand) (*image.Gray, int) { return turn(g, 2), 90 },
	// A phone's portrait photo as phones store it: sideways, with EXIF
	// Orientation 6 saying to turn it a quarter clockwise (see exifTagged).
	"exif": func(g *image.Gray, _ *rand.Rand) (*image.Gray, int) { return turn(g, 3), 90 },
	// Faded print on grey paper.
	"lowcontrast": func(g *image.Gray, _ *rand.Rand) (*image.Gray, int) {
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
		if n == "" {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// degrade applies the named degradation to a JPEG or PNG and returns a
// JPEG; seed names the receipt, so that it is degraded the same way every
// time.
func degrade(src []byte, name, seed string) ([]byte, error) {
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
	h := fnv.New64a()
	h.Write([]byte(seed))
	out, quality := f(g, rand.New(rand.NewPCG(h.Sum64(), 1)))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if o, ok := exifTagged[name]; ok {
		return testdocs.WithOrientation(b.Bytes(), o), nil
	}
	return b.Bytes(), nil
}

// exifTagged are the degradations whose JPEG carries an EXIF Orientation.
var exifTagged = map[string]uint16{"exif": 6}

// turn turns g clockwise by quarter turns.
func turn(g *image.Gray, quarters int) *image.Gray {
	for range quarters % 4 {
		w, h := g.Rect.Dx(), g.Rect.Dy()
		out := image.NewGray(image.Rect(0, 0, h, w))
		for y := range w {
			for x := range h {
				out.Pix[y*out.Stride+x] = g.GrayAt(g.Rect.Min.X+y, g.Rect.Min.Y+h-1-x).Y
			}
		}
		g = out
	}
	return g
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

// onScannerBed lays the receipt on the dark bed of a flatbed scanner and
// scans the whole A4 page at 300 dpi: a wide, noisy, dark border around a
// narrow receipt, with a shadow along the paper's edge.
func onScannerBed(g *image.Gray, r *rand.Rand) (*image.Gray, int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	W, H := max(2480, w+300), max(3508, h+200)
	out := image.NewGray(image.Rect(0, 0, W, H))
	base := 30 + r.IntN(30)
	for y := range H {
		for x := range W {
			v := base + y*12/H + r.IntN(11) - 5
			out.Pix[y*out.Stride+x] = uint8(min(max(v, 0), 255))
		}
	}
	x0 := 80 + r.IntN(max(1, W-w-160))
	y0 := 40 + r.IntN(max(1, H-h-80))
	for y := range h {
		copy(out.Pix[(y0+y)*out.Stride+x0:], g.Pix[y*g.Stride:y*g.Stride+w])
	}
	// The paper's edge throws a shadow on the bed beside it.
	for y := y0; y < y0+h; y++ {
		for k := 1; k <= 6; k++ {
			if x := x0 + w + k - 1; x < W {
				out.Pix[y*out.Stride+x] = uint8(max(0, int(out.Pix[y*out.Stride+x])-20))
			}
		}
	}
	return out, 85
}

// underWhiteLid lays the receipt on a scanner under its white lid and
// scans the whole A4 page at 300 dpi: a little print on a lot of white.
func underWhiteLid(g *image.Gray, r *rand.Rand) (*image.Gray, int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	W, H := max(2480, w+300), max(3508, h+200)
	out := image.NewGray(image.Rect(0, 0, W, H))
	lid := 238 + r.IntN(12)
	for y := range H {
		for x := range W {
			out.Pix[y*out.Stride+x] = uint8(min(lid+r.IntN(7)-3, 255))
		}
	}
	x0 := 80 + r.IntN(max(1, W-w-160))
	y0 := 40 + r.IntN(max(1, H-h-80))
	for y := range h {
		copy(out.Pix[(y0+y)*out.Stride+x0:], g.Pix[y*g.Stride:y*g.Stride+w])
	}
	return out, 85
}

// phonePhoto makes a phone's photo of the receipt: the paper at an angle on
// a table, small in pixels (about 750x1000 for the whole frame), lit
// unevenly, a little soft, compressed.
func phonePhoto(g *image.Gray, r *rand.Rand) (*image.Gray, int) {
	angle := (2 + 5*r.Float64()) * float64(1-2*r.IntN(2))
	const W, H = 750, 1000
	w, h := g.Rect.Dx(), g.Rect.Dy()
	// The receipt fills 70 to 90% of the frame's height, or its width.
	scale := min(float64(H)*(0.7+0.2*r.Float64())/float64(h), float64(W)*0.9/float64(w))
	a := angle * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	cx, cy := float64(W)/2+float64(r.IntN(41)-20), float64(H)/2+float64(r.IntN(41)-20)
	table := 95 + r.IntN(50)
	// Light falls off from one side to the other, and towards the corners.
	lx, ly := math.Cos(r.Float64()*2*math.Pi), math.Sin(r.Float64()*2*math.Pi)
	out := image.NewGray(image.Rect(0, 0, W, H))
	at := func(x, y int) float64 { return float64(g.Pix[y*g.Stride+x]) }
	for y := range H {
		for x := range W {
			dx, dy := float64(x)-cx, float64(y)-cy
			// Where this pixel is on the receipt, before scaling.
			sx := (dx*cos+dy*sin)/scale + float64(w)/2
			sy := (-dx*sin+dy*cos)/scale + float64(h)/2
			var v float64
			if sx < 0 || sy < 0 || sx >= float64(w-1) || sy >= float64(h-1) {
				v = float64(table + (x*7+y*13)%9 - 4)
			} else {
				// The mean of the source pixels under this one, so that a
				// large receipt shrinks without aliasing.
				n, sum := 0.0, 0.0
				step := max(1, int(1/scale/2))
				for oy := -step; oy <= step; oy += max(1, step) {
					for ox := -step; ox <= step; ox += max(1, step) {
						px, py := min(max(int(sx)+ox, 0), w-1), min(max(int(sy)+oy, 0), h-1)
						sum += at(px, py)
						n++
					}
				}
				v = sum / n
			}
			light := 0.82 + 0.18*((dx*lx+dy*ly)/float64(W)) - 0.15*(dx*dx+dy*dy)/float64(W*W+H*H)*2
			out.Pix[y*out.Stride+x] = uint8(min(max(v*light, 0), 255))
		}
	}
	return blur(out), 80
}

// blur softens an image with a 3x3 box filter.
func blur(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect)
	for y := range h {
		for x := range w {
			sum, n := 0, 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if px, py := x+dx, y+dy; px >= 0 && py >= 0 && px < w && py < h {
						sum += int(g.Pix[py*g.Stride+px])
						n++
					}
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}
