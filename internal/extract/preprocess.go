package extract

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // decoders for the formats we accept
	"image/png"
)

// binarize turns an image into black text on white. Tesseract's own
// segmentation gives up on faint thermal or dot-matrix print that a clean
// threshold makes legible. Otsu's threshold alone splits a scan's dark
// borders from the paper and drops faint print with the paper, so the
// threshold sits just under the paper's brightness (the median), never below
// Otsu's.
func binarize(src []byte) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	b := img.Bounds()
	g := image.NewGray(b)
	draw.Draw(g, b, img, b.Min, draw.Src)
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
