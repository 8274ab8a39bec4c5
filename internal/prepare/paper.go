package prepare

import "image"

// darkEdge returns the share of an image's edge pixels on the dark side of
// its Otsu threshold.
func darkEdge(g *image.Gray) float64 {
	t := otsu(g.Pix)
	dark, n := 0, 0
	eachEdgePixel(g, func(x, y int) {
		n++
		if g.Pix[y*g.Stride+x] <= t {
			dark++
		}
	})
	if n == 0 {
		return 0
	}
	return float64(dark) / float64(n)
}

// eachEdgePixel calls f with the coordinates of every pixel on the image's
// edge (corners twice).
func eachEdgePixel(g *image.Gray, f func(x, y int)) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	for x := range w {
		f(x, 0)
		f(x, h-1)
	}
	for y := range h {
		f(0, y)
		f(w-1, y)
	}
}

// removeBorder paints the paper's colour over every dark region that
// touches the image's edge. Print does not reach the edge of a receipt;
// what does is the scanner lid, the table or a shadow.
func removeBorder(g *image.Gray) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	t, paper := otsu(g.Pix), median(g.Pix)
	if paper <= t {
		return // no paper lighter than the dark: nothing to tell apart
	}
	var stack []int32 // a pixel index; images are bounded well below 2^31
	push := func(x, y int) {
		if i := y*g.Stride + x; g.Pix[i] <= t {
			// Painting on push marks the pixel as seen: paper is above t.
			g.Pix[i] = paper
			stack = append(stack, int32(i))
		}
	}
	eachEdgePixel(g, push)
	for len(stack) > 0 {
		i := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		x, y := i%g.Stride, i/g.Stride
		if x > 0 {
			push(x-1, y)
		}
		if x < w-1 {
			push(x+1, y)
		}
		if y > 0 {
			push(x, y-1)
		}
		if y < h-1 {
			push(x, y+1)
		}
	}
}

// paperSide is the longer side of the copy the paper is looked for on.
const paperSide = 600

// Bounds on cropping: the paper must be a good part of the image, and a
// crop that keeps nearly all of it is not worth making (the border is
// painted over instead).
const (
	minPaperShare = 0.04
	maxCropShare  = 0.9
)

// findPaper crops an image to the paper in it, when the paper lies on a
// darker background (a scanner's bed, a table) along the image's edges:
// the largest region brighter than the image's Otsu threshold, found on a
// small copy, and its bounding box with a margin. Tesseract then reads the
// receipt alone: a dark bed's edge reads as lines of dashes that take the
// text beside them along, and a whole A4 bed takes far longer to read.
func findPaper(g *image.Gray) (*image.Gray, bool) {
	if darkEdge(g) <= borderShare {
		return nil, false
	}
	small, f := smallCopy(g, paperSide)
	box, area := largestBright(small, otsu(small.Pix))
	sw, sh := small.Rect.Dx(), small.Rect.Dy()
	if area < int(minPaperShare*float64(sw*sh)) || box.Dx()*box.Dy() > int(maxCropShare*float64(sw*sh)) {
		return nil, false
	}
	margin := max(2, max(box.Dx(), box.Dy())/100)
	r := image.Rect((box.Min.X-margin)*f, (box.Min.Y-margin)*f, (box.Max.X+margin)*f, (box.Max.Y+margin)*f).Intersect(g.Rect)
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		copy(out.Pix[y*out.Stride:y*out.Stride+r.Dx()], g.Pix[(r.Min.Y+y)*g.Stride+r.Min.X:])
	}
	return out, true
}

// largestBright returns the bounding box and the size of the largest
// 4-connected region of pixels above t.
func largestBright(g *image.Gray, t uint8) (image.Rectangle, int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	seen := make([]bool, w*h)
	var (
		best      image.Rectangle
		bestArea  int
		stack     []int32
		component image.Rectangle
	)
	for start := range seen {
		if seen[start] || g.Pix[(start/w)*g.Stride+start%w] <= t {
			continue
		}
		area := 0
		component = image.Rect(start%w, start/w, start%w+1, start/w+1)
		seen[start] = true
		stack = append(stack[:0], int32(start))
		for len(stack) > 0 {
			i := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			area++
			component = component.Union(image.Rect(x, y, x+1, y+1))
			for _, n := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if n[0] < 0 || n[1] < 0 || n[0] >= w || n[1] >= h {
					continue
				}
				if j := n[1]*w + n[0]; !seen[j] && g.Pix[n[1]*g.Stride+n[0]] > t {
					seen[j] = true
					stack = append(stack, int32(j))
				}
			}
		}
		if area > bestArea {
			best, bestArea = component, area
		}
	}
	return best, bestArea
}

// Cropping to the print: a receipt scanned on a large white page (the
// scanner's lid, an A4 sheet) is a little print on a lot of paper. Below
// printShare of the image, the print is cropped out with a margin of
// printMargin of its size, so that what is read, and enlarged when small,
// is the print.
const (
	printShare  = 0.5
	printMargin = 0.04
	// minInkRow is how many ink pixels a row or column of the small copy
	// needs to count as print: specks and dust have fewer.
	minInkRow = 2
)

// cropToPrint crops an image to the box around its print, when that box
// is a small part of it.
func cropToPrint(g *image.Gray) (*image.Gray, bool) {
	small, f := smallCopy(g, paperSide)
	w, h := small.Rect.Dx(), small.Rect.Dy()
	if w < 8 || h < 8 {
		return nil, false
	}
	t := uint8(max(int(otsu(small.Pix)), int(median(small.Pix))-paperMargin))
	rows, cols := make([]int, h), make([]int, w)
	for y := range h {
		for x := range w {
			if small.Pix[y*small.Stride+x] <= t {
				rows[y]++
				cols[x]++
			}
		}
	}
	y0, y1 := inkSpan(rows)
	x0, x1 := inkSpan(cols)
	if y0 < 0 || x0 < 0 || float64((x1-x0)*(y1-y0)) > printShare*float64(w*h) {
		return nil, false
	}
	mx, my := int(printMargin*float64(x1-x0))+2, int(printMargin*float64(y1-y0))+2
	r := image.Rect((x0-mx)*f, (y0-my)*f, (x1+mx)*f, (y1+my)*f).Intersect(g.Rect)
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		copy(out.Pix[y*out.Stride:y*out.Stride+r.Dx()], g.Pix[(r.Min.Y+y)*g.Stride+r.Min.X:])
	}
	return out, true
}

// inkSpan returns the first and one past the last index whose count is at
// least minInkRow; -1 and 0 when none is.
func inkSpan(counts []int) (int, int) {
	first, last := -1, -1
	for i, c := range counts {
		if c >= minInkRow {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last + 1
}
