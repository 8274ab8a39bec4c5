package prepare

import (
	"image"
	"math"
)

// Bounds of the skew search: receipts photographed or laid askew lean by a
// few degrees; one on its side is another matter (tesseract's page
// orientation is not guessed here).
const (
	maxSkew       = 10.0 // degrees either way
	minSkew       = 2.5  // below it, tesseract reads rows of text as well as level
	skewSide      = 1000 // the longer side of the copy the angle is measured on
	maxSkewPoints = 150000
	// minSkewGain is how much sharper the rows must project at the best
	// angle than level before an image is turned.
	minSkewGain = 1.15
)

// straighten turns a slanted receipt's lines level: it finds the angle at
// which the rows of ink project most sharply onto the vertical (the sum of
// the squared counts of ink per row peaks when each line of text falls in
// rows of its own), on a small copy, and turns the image by it. The
// corners that come in are paper.
func straighten(g *image.Gray) (*image.Gray, float64, bool) {
	small, _ := smallCopy(g, skewSide)
	pts := inkPoints(small)
	if len(pts) < 200 {
		return nil, 0, false
	}
	level := projection(pts, 0)
	best, bestScore := 0.0, level
	for a := -maxSkew; a <= maxSkew; a += 0.5 {
		if s := projection(pts, a); s > bestScore {
			best, bestScore = a, s
		}
	}
	for a := best - 0.4; a <= best+0.4; a += 0.1 {
		if s := projection(pts, a); s > bestScore {
			best, bestScore = a, s
		}
	}
	if math.Abs(best) < minSkew || bestScore < minSkewGain*level {
		return nil, 0, false
	}
	return rotateGray(g, best), best, true
}

// inkPoints returns the coordinates of the ink in g, evenly sampled down to
// maxSkewPoints: pixels darker than the paper by the margin print has.
func inkPoints(g *image.Gray) [][2]int32 {
	t := uint8(max(int(otsu(g.Pix)), int(median(g.Pix))-paperMargin))
	w, h := g.Rect.Dx(), g.Rect.Dy()
	n := 0
	for y := range h {
		for x := range w {
			if g.Pix[y*g.Stride+x] <= t {
				n++
			}
		}
	}
	step := max(1, (n+maxSkewPoints-1)/maxSkewPoints)
	pts := make([][2]int32, 0, min(n, maxSkewPoints))
	k := 0
	for y := range h {
		for x := range w {
			if g.Pix[y*g.Stride+x] <= t {
				if k%step == 0 {
					pts = append(pts, [2]int32{int32(x), int32(y)})
				}
				k++
			}
		}
	}
	return pts
}

// projection scores how sharply the points fall into rows when turned by
// deg: the sum of squares of the points per row.
func projection(pts [][2]int32, deg float64) float64 {
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	// The points come from an image at most skewSide on a side, so a
	// turned row lies within twice that either way.
	const span = 2 * skewSide
	rows := make([]int32, 2*span+1)
	for _, p := range pts {
		r := int(math.Round(float64(p[1])*cos-float64(p[0])*sin)) + span
		rows[min(max(r, 0), 2*span)]++
	}
	sum := 0.0
	for _, c := range rows {
		sum += float64(c) * float64(c)
	}
	return sum
}

// rotateGray turns g by deg degrees (the angle the straightened lines had)
// about its centre, on a canvas large enough to hold all of it, the new
// corners paper, interpolating linearly.
func rotateGray(g *image.Gray, deg float64) *image.Gray {
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	W := int(math.Ceil(w*math.Abs(cos) + h*math.Abs(sin)))
	H := int(math.Ceil(w*math.Abs(sin) + h*math.Abs(cos)))
	paper := float64(median(g.Pix))
	out := image.NewGray(image.Rect(0, 0, W, H))
	iw, ih := g.Rect.Dx(), g.Rect.Dy()
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= iw || y >= ih {
			return paper
		}
		return float64(g.Pix[y*g.Stride+x])
	}
	cx, cy, CX, CY := w/2, h/2, float64(W)/2, float64(H)/2
	for y := range H {
		dy := float64(y) - CY
		for x := range W {
			dx := float64(x) - CX
			// The source of a pixel of the level image lies turned back by
			// the slant.
			sx, sy := cx+dx*cos-dy*sin, cy+dx*sin+dy*cos
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
			bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
			out.Pix[y*out.Stride+x] = uint8(top*(1-fy) + bot*fy + 0.5)
		}
	}
	return out
}
