// Package prepare turns an uploaded image into what tesseract reads best:
// decoded (damaged JPEGs as far as their data goes, WebP and HEIC through
// Debian's tools), turned upright as its EXIF orientation says, smaller when it is very large, the paper found on a
// scanner bed or a table and cropped out, its lighting evened out, without
// a dark border around the paper, and cropped to its print when that is a
// little of a large page. Every step is bounded by the pixel limit, and
// each runs only where the image needs it.
package prepare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // decoders for the formats we accept
	"image/png"
	"os"
	"strings"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/tool"
)

// Page is an image ready for tesseract: the bytes to hand it, and the
// grey levels they hold when we could decode them (nil otherwise, and
// tesseract gets the original to decode itself).
type Page struct {
	Bytes []byte
	Gray  *image.Gray
	// Damage is what cut the decoding of a damaged image short; what
	// decoded before it is in Gray.
	Damage error
	// Steps say what was done to the image, for logs and tests.
	Steps []string
}

// Options bound the preparation.
type Options struct {
	// MaxPixels is the most pixels an image may have to be decoded here.
	MaxPixels int64
	// Tools runs the decoders of formats Go does not read (WebP, HEIC) and
	// of damaged JPEGs; nil leaves them to tesseract, or refuses them.
	Tools *tool.Runner
}

// ErrUnreadable means the image could not be decoded at all.
var ErrUnreadable = errors.New("image unreadable")

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

// Image prepares an uploaded image. A PNG or JPEG that needs nothing is
// handed over untouched, so tesseract decodes it as it always would; one
// too large to decode here within maxDecodeBytes is handed over as it is
// too. A WebP or HEIC image, which tesseract does not read, is decoded
// with Debian's tools (dwebp, heif-convert) under the tools' limits, or is
// unreadable. Nothing is decoded beyond MaxPixels.
func Image(ctx context.Context, src []byte, opt Options) (Page, error) {
	typ := receipt.Sniff(src)
	h, err := receipt.ReadImageHeader(src, typ)
	if err != nil || h.Pixels() > opt.MaxPixels {
		if native(typ) || typ == "" {
			// Tesseract's to decode, or to refuse.
			return Page{Bytes: src}, nil
		}
		return Page{}, fmt.Errorf("%s header: %w", typ, ErrUnreadable)
	}
	var (
		g      *image.Gray
		damage error
		steps  []string
	)
	switch {
	case native(typ) && decodeBytes(h) > maxDecodeBytes:
		return Page{Bytes: src}, nil
	case native(typ):
		img, _, err := image.Decode(bytes.NewReader(src))
		switch {
		case err == nil:
			g = grayOf(img)
			if !opaque(img) {
				// Tesseract may see what a transparent pixel hides, often
				// black; ours are composed on white.
				steps = append(steps, "transparency made paper")
			}
		case typ == receipt.JPEG && opt.Tools != nil:
			// Leptonica, and so tesseract, refuse a damaged JPEG outright.
			g, damage, err = djpeg(ctx, *opt.Tools, src)
			if err != nil {
				return Page{Bytes: src}, nil
			}
			steps = append(steps, "decoded as far as it goes")
		default:
			return Page{Bytes: src}, nil
		}
	default:
		if opt.Tools == nil {
			return Page{}, fmt.Errorf("%s: no decoder: %w", typ, ErrUnreadable)
		}
		if g, err = decodeWithTool(ctx, *opt.Tools, src, typ); err != nil {
			return Page{}, err
		}
		steps = append(steps, "decoded from "+typ)
	}
	if typ == receipt.JPEG {
		if o := exifOrientation(src); o > 1 {
			g = upright(g, o)
			steps = append(steps, fmt.Sprintf("turned upright (EXIF orientation %d)", o))
		}
	}
	p := prepareGray(g, steps)
	p.Damage = damage
	if len(p.Steps) == 0 {
		return Page{Bytes: src, Gray: g}, nil
	}
	return p, nil
}

// Gray prepares grey levels decoded elsewhere (a rendered PDF page).
func Gray(g *image.Gray) Page {
	return prepareGray(g, []string{"rendered"})
}

// prepareGray runs the steps an image needs on its grey levels.
func prepareGray(g *image.Gray, steps []string) Page {
	if long := max(g.Rect.Dx(), g.Rect.Dy()); long > maxSide {
		g = shrink(g, (long+maxSide-1)/maxSide)
		steps = append(steps, "shrunk")
	}
	if c, ok := findPaper(g); ok {
		g = c
		steps = append(steps, "paper cropped")
	}
	if e, ok := evenLight(g); ok {
		g = e
		steps = append(steps, "lighting evened")
	}
	if darkEdge(g) > borderShare {
		removeBorder(g)
		steps = append(steps, "border painted")
	}
	if c, ok := cropToPrint(g); ok {
		g = c
		steps = append(steps, "print cropped")
	}
	return Page{Bytes: PGM(g), Gray: g, Steps: steps}
}

// native reports the formats Go and tesseract both decode.
func native(typ string) bool { return typ == receipt.PNG || typ == receipt.JPEG }

// maxWarnings bounds what a decoder's warnings may say in a receipt.
const maxWarnings = 200

// djpeg decodes a damaged JPEG with libjpeg-turbo as far as its data
// goes, the rest grey, and says what cut it short. djpeg may exit non-zero
// although it wrote the image, so what it wrote decides.
func djpeg(ctx context.Context, r tool.Runner, src []byte) (*image.Gray, error, error) {
	res, err := r.Run(ctx, src, "djpeg", "-grayscale", "-pnm")
	if err != nil {
		return nil, nil, err
	}
	g, err := ReadPGM(res.Stdout)
	if err != nil {
		return nil, nil, fmt.Errorf("djpeg wrote no image (%s): %w", tool.FirstLine(string(res.Stderr)), ErrUnreadable)
	}
	msg := strings.TrimPrefix(tool.FirstLine(string(res.Stderr)), "djpeg: ")
	if msg == "" {
		msg = "decoder stopped early"
	}
	if len(msg) > maxWarnings {
		msg = msg[:maxWarnings]
	}
	return g, errors.New(msg), nil
}

// decodeWithTool decodes a WebP with libwebp's dwebp (stdin to stdout) or
// a HEIC or HEIF image with libheif's heif-convert, which reads and writes
// only files: they live in the process's temporary folder and are removed
// before it returns.
func decodeWithTool(ctx context.Context, r tool.Runner, src []byte, typ string) (*image.Gray, error) {
	switch typ {
	case receipt.WebP:
		out, err := r.Output(ctx, src, "dwebp", "-ppm", "-o", "-", "--", "-")
		if err != nil {
			return nil, fmt.Errorf("decode webp: %w", toolErr(err))
		}
		return decodeAny(out)
	case receipt.HEIC:
		dir, err := os.MkdirTemp("", "heif-")
		if err != nil {
			return nil, fmt.Errorf("decode heic: %w", err)
		}
		defer os.RemoveAll(dir)
		in, out := dir+"/in.heic", dir+"/out.png"
		if err := os.WriteFile(in, src, 0o600); err != nil {
			return nil, fmt.Errorf("decode heic: %w", err)
		}
		if _, err := r.Output(ctx, nil, "heif-convert", in, out); err != nil {
			return nil, fmt.Errorf("decode heic: %w", toolErr(err))
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return nil, fmt.Errorf("decode heic: heif-convert wrote nothing: %w", ErrUnreadable)
		}
		return decodeAny(b)
	}
	return nil, fmt.Errorf("%s: no decoder: %w", typ, ErrUnreadable)
}

// toolErr keeps a tool's own errors (over its memory limit) and makes a
// rejected input an unreadable image.
func toolErr(err error) error {
	if errors.Is(err, tool.ErrRejected) {
		return fmt.Errorf("%w: %w", err, ErrUnreadable)
	}
	return err
}

// decodeAny decodes what a tool wrote: a PNG, or a PNM.
func decodeAny(b []byte) (*image.Gray, error) {
	if bytes.HasPrefix(b, []byte("P5")) || bytes.HasPrefix(b, []byte("P6")) {
		return ReadPGM(b)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoded image: %v: %w", err, ErrUnreadable)
	}
	return grayOf(img), nil
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

// Binarize turns grey levels into black text on white. Tesseract's own
// segmentation gives up on faint thermal or dot-matrix print that a clean
// threshold makes legible. Otsu's threshold alone splits a scan's dark
// borders from the paper and drops faint print with the paper, so the
// threshold sits just under the paper's brightness (the median), never below
// Otsu's.
func Binarize(src *image.Gray) ([]byte, error) {
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
