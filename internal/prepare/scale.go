package prepare

import "image"

// shrink scales an image down by an integer factor, each pixel the mean of
// the f×f block it replaces.
func shrink(g *image.Gray, f int) *image.Gray {
	w, h := g.Rect.Dx()/f, g.Rect.Dy()/f
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sum := 0
			for dy := range f {
				row := g.Pix[(y*f+dy)*g.Stride+x*f:]
				for dx := range f {
					sum += int(row[dx])
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (f * f))
		}
	}
	return out
}

// MaxLookPixels bounds an enlarged image: a line or a word is a few
// hundred thousand pixels enlarged, but a "line" that OCR debris stretched
// over a whole 4000-pixel page would be hundreds of megabytes.
const MaxLookPixels = 8 << 20

// EnlargeCrop crops r out of g and enlarges it by f, or less when f would
// make it larger than MaxLookPixels; false when even the crop is.
func EnlargeCrop(g *image.Gray, r image.Rectangle, f int) (*image.Gray, bool) {
	area := r.Dx() * r.Dy()
	if area == 0 || area > MaxLookPixels {
		return nil, false
	}
	for f > 1 && area*f*f > MaxLookPixels {
		f--
	}
	return EnlargeBy(g.SubImage(r).(*image.Gray), f, 1), true
}

// EnlargeBy scales grey levels up by num/den (at least 1), interpolating
// linearly so the edges of print stay smooth.
func EnlargeBy(g *image.Gray, num, den int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w*num/den, h*num/den))
	at := func(x, y int) int {
		x, y = min(max(x, 0), w-1), min(max(y, 0), h-1)
		return int(g.Pix[y*g.Stride+x])
	}
	for y := range out.Rect.Dy() {
		sy := y * 256 * den / num
		y0, fy := sy>>8, sy&255
		for x := range out.Rect.Dx() {
			sx := x * 256 * den / num
			x0, fx := sx>>8, sx&255
			top := at(x0, y0)*(256-fx) + at(x0+1, y0)*fx
			bot := at(x0, y0+1)*(256-fx) + at(x0+1, y0+1)*fx
			out.Pix[y*out.Stride+x] = uint8((top*(256-fy) + bot*fy) >> 16)
		}
	}
	return out
}

// ScaleRect scales r by num/den, rounding outwards.
func ScaleRect(r image.Rectangle, num, den int) image.Rectangle {
	if r.Empty() {
		return r
	}
	return image.Rect(r.Min.X*num/den, r.Min.Y*num/den, (r.Max.X*num+den-1)/den, (r.Max.Y*num+den-1)/den)
}

// smallCopy returns g shrunk by a whole factor so that its longer side is
// at most side, and the factor.
func smallCopy(g *image.Gray, side int) (*image.Gray, int) {
	f := max(1, (max(g.Rect.Dx(), g.Rect.Dy())+side-1)/side)
	if f == 1 {
		return g, 1
	}
	return shrink(g, f), f
}
