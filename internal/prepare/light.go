package prepare

import (
	"image"
	"slices"
)

// Lighting: the paper's brightness is estimated on blocks of about
// lightBlocks across the image's longer side; a spread between the dim and
// the bright blocks' paper above unevenLight (in grey levels) is lighting,
// not paper, and is evened out.
const (
	lightBlocks = 32
	unevenLight = 60
	// paperRank is how bright, among a block's pixels, its paper is: the
	// print in a block is darker than most of it.
	paperRank = 0.9
)

// evenLight evens out the light on a photo lit unevenly (a shadow, a dim
// corner, a flash's hot spot): each pixel is divided by the paper's
// brightness around it, estimated block by block and smoothed across the
// neighbouring blocks, so the paper is white everywhere and the print as
// dark against it as it was. A global threshold then separates print from
// paper all over the page, where before it took the dim side's paper for
// print or the bright side's print for paper. An evenly lit image is left
// as it is.
func evenLight(g *image.Gray) (*image.Gray, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	size := max(8, max(w, h)/lightBlocks)
	bw, bh := (w+size-1)/size, (h+size-1)/size
	if bw < 2 || bh < 2 {
		return nil, false
	}
	paper := make([]float64, bw*bh)
	var vals []uint8
	for by := range bh {
		for bx := range bw {
			vals = vals[:0]
			for y := by * size; y < min(h, (by+1)*size); y++ {
				vals = append(vals, g.Pix[y*g.Stride+bx*size:y*g.Stride+min(w, (bx+1)*size)]...)
			}
			slices.Sort(vals)
			paper[by*bw+bx] = float64(vals[int(paperRank*float64(len(vals)-1))])
		}
	}
	paper = smoothBlocks(paper, bw, bh)
	sorted := slices.Clone(paper)
	slices.Sort(sorted)
	lo, hi := sorted[len(sorted)/10], sorted[len(sorted)*9/10]
	if hi-lo < unevenLight || hi < 1 {
		return nil, false
	}
	out := image.NewGray(g.Rect)
	for y := range h {
		// The paper's brightness at this pixel, between the centres of
		// the blocks around it.
		fy := (float64(y)+0.5)/float64(size) - 0.5
		y0 := min(max(int(fy), 0), bh-1)
		y1 := min(y0+1, bh-1)
		ty := min(max(fy-float64(y0), 0), 1)
		for x := range w {
			fx := (float64(x)+0.5)/float64(size) - 0.5
			x0 := min(max(int(fx), 0), bw-1)
			x1 := min(x0+1, bw-1)
			tx := min(max(fx-float64(x0), 0), 1)
			p := (paper[y0*bw+x0]*(1-tx)+paper[y0*bw+x1]*tx)*(1-ty) + (paper[y1*bw+x0]*(1-tx)+paper[y1*bw+x1]*tx)*ty
			v := float64(g.Pix[y*g.Stride+x]) * 255 / max(p, 1)
			out.Pix[y*out.Stride+x] = uint8(min(v, 255))
		}
	}
	return out, true
}

// smoothBlocks replaces each block's paper brightness by the brightest of
// its neighbours' (a block full of print has little paper to show), then by
// the mean of its neighbourhood, so the estimate varies as light does:
// slowly.
func smoothBlocks(v []float64, w, h int) []float64 {
	around := func(src []float64, x, y int, f func(acc, v float64) float64, init float64) (float64, int) {
		acc, n := init, 0
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				if nx, ny := x+dx, y+dy; nx >= 0 && ny >= 0 && nx < w && ny < h {
					acc = f(acc, src[ny*w+nx])
					n++
				}
			}
		}
		return acc, n
	}
	brightest := make([]float64, len(v))
	mean := make([]float64, len(v))
	for y := range h {
		for x := range w {
			brightest[y*w+x], _ = around(v, x, y, func(a, b float64) float64 { return max(a, b) }, 0)
		}
	}
	for y := range h {
		for x := range w {
			sum, n := around(brightest, x, y, func(a, b float64) float64 { return a + b }, 0)
			mean[y*w+x] = sum / float64(n)
		}
	}
	return mean
}
