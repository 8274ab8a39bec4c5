package extract

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // decoders for the formats we accept
	"image/png"

	"github.com/receipts-api/receipts/internal/lenientjpeg"
	"github.com/receipts-api/receipts/internal/receipt"
)

// page is an image ready for tesseract: the bytes to hand it, and the
// grey levels they hold when we could decode them (nil otherwise, and
// tesseract gets the original to decode itself).
type page struct {
	bytes []byte
	gray  *image.Gray
	// damage is what cut the decoding of a damaged image short; what
	// decoded before it is in gray.
	damage error
}

// maxSide bounds the longer side of what tesseract reads. An A4 page
// scanned at 600 DPI (7016 px) takes two to three times as long to read as
// at 300 DPI, and reads no better; phone photos are as large.
const maxSide = 4000

// maxDecodeBytes bounds the memory of decoding an image ourselves, two of
// which may run at once in the processor. The pixel limit alone is not
// enough: at 40 megapixels a 16-bit PNG decodes to 320 MB and a progressive
// colour JPEG holds 480 MB of coefficients. An image over it goes to
// tesseract as uploaded, and tesseract decodes it under its memory limit.
const maxDecodeBytes = 192 << 20

// decodeBytes estimates what decoding an image with Go's decoders costs, in
// bytes, from its header: the decoded image, the grey copy we make of it,
// and for a progressive JPEG the coefficients kept until its last scan.
func decodeBytes(h receipt.ImageHeader) int64 {
	var perPixel int64
	switch {
	case h.Components <= 1 && h.BitDepth <= 8: // grey, paletted, JPEG luma
		perPixel = 1
	case h.Components == 1: // 16-bit grey
		perPixel = 2
	case h.BitDepth > 8: // 16-bit colour decodes to 8 bytes a pixel
		perPixel = 8
	default: // 8-bit colour, 4:4:4 at worst for a JPEG
		perPixel = 4
	}
	if h.Progressive {
		perPixel += 4 * int64(h.Components) // one int32 per coefficient
	}
	return h.Pixels() * (perPixel + 1)
}

// borderShare is how much of an image's edge must be dark before it counts
// as a scanner's or a table's border around the receipt.
const borderShare = 0.2

// preparePage turns an uploaded image into what tesseract reads best:
// smaller when it is very large, and without a dark border around the
// paper. A dark border makes tesseract's global threshold fall between the
// border and the paper, so faint print goes white with the paper and a
// legible receipt reads as empty. An image that needs neither is handed
// over untouched, so tesseract decodes it as it always would.
//
// Nothing is decoded beyond maxPixels, or beyond maxDecodeBytes of memory.
// A damaged JPEG (a few bad bytes in its entropy-coded data, a scan cut
// short) is decoded as far as its data goes, the rest left white, and
// handed over as decoded: Leptonica refuses such a file outright.
func preparePage(src []byte, maxPixels int64) page {
	typ := receipt.Sniff(src)
	h, err := receipt.ReadImageHeader(src, typ)
	if err != nil || h.Pixels() > maxPixels || decodeBytes(h) > maxDecodeBytes {
		return page{bytes: src}
	}
	var damage error
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil && typ == receipt.JPEG {
		img, damage = lenientjpeg.Decode(bytes.NewReader(src))
	}
	if img == nil {
		return page{bytes: src}
	}
	g := grayOf(img)
	// Tesseract may see what a transparent pixel hides, often black; ours
	// are composed on white. It cannot read a damaged file at all.
	changed := !opaque(img) || damage != nil
	if long := max(g.Rect.Dx(), g.Rect.Dy()); long > maxSide {
		g = shrink(g, (long+maxSide-1)/maxSide)
		changed = true
	}
	if darkEdge(g) > borderShare {
		removeBorder(g)
		changed = true
	}
	if !changed {
		return page{bytes: src, gray: g}
	}
	return page{bytes: pgm(g), gray: g, damage: damage}
}

// grayOf returns an image's grey levels. A JPEG's luma plane already is
// one, and copying it is ten times faster than converting pixel by pixel.
func grayOf(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	if y, ok := img.(*image.YCbCr); ok {
		for r := 0; r < b.Dy(); r++ {
			copy(g.Pix[r*g.Stride:r*g.Stride+b.Dx()], y.Y[y.YOffset(b.Min.X, b.Min.Y+r):])
		}
		return g
	}
	// Transparency is paper: what shows through is a page's background.
	draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(g, g.Rect, img, b.Min, draw.Over)
	return g
}

func opaque(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return !ok || o.Opaque()
}

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

// pgm encodes grey levels as a binary PGM: tesseract reads it, and unlike
// PNG it costs nothing to write.
func pgm(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	header := fmt.Sprintf("P5\n%d %d\n255\n", w, h)
	out := make([]byte, 0, len(header)+w*h)
	out = append(out, header...)
	for y := range h {
		out = append(out, g.Pix[y*g.Stride:y*g.Stride+w]...)
	}
	return out
}

// binarize turns grey levels into black text on white. Tesseract's own
// segmentation gives up on faint thermal or dot-matrix print that a clean
// threshold makes legible. Otsu's threshold alone splits a scan's dark
// borders from the paper and drops faint print with the paper, so the
// threshold sits just under the paper's brightness (the median), never below
// Otsu's.
func binarize(src *image.Gray) ([]byte, error) {
	g := image.NewGray(src.Rect)
	copy(g.Pix, src.Pix)
	t := uint8(max(int(otsu(g.Pix)), int(median(g.Pix))-paperMargin))
	for i, p := range g.Pix {
		if p <= t {
			g.Pix[i] = 0
		} else {
			g.Pix[i] = 255
		}
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, g); err != nil {
		return nil, fmt.Errorf("encode image: %w", err)
	}
	return out.Bytes(), nil
}

// paperMargin is how much darker than the paper a pixel must be to be ink.
const paperMargin = 50

func median(pix []uint8) uint8 {
	var hist [256]int
	for _, p := range pix {
		hist[p]++
	}
	seen := 0
	for i, h := range hist {
		if seen += h; seen*2 >= len(pix) {
			return uint8(i)
		}
	}
	return 255
}

// otsu returns the threshold that best separates pixels into two classes
// (maximum between-class variance).
func otsu(pix []uint8) uint8 {
	var hist [256]float64
	for _, p := range pix {
		hist[p]++
	}
	total := float64(len(pix))
	var sum float64
	for i, h := range hist {
		sum += float64(i) * h
	}
	var (
		sumB, wB, best float64
		threshold      uint8
	)
	for i, h := range hist {
		wB += h
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * h
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, threshold = v, uint8(i)
		}
	}
	return threshold
}
