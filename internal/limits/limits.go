// Package limits holds the bounds on what one document may cost, and reads
// them from the environment in one place. Each is documented in the README
// and declared in template.yaml by the functions that use it.
package limits

import (
	"fmt"
	"os"
	"strconv"
)

// Defaults, chosen so that a receipt scanned at 600 DPI passes and a file
// that only claims to be huge does not.
const (
	// DefaultImagePixels lets through an A4 page at 600 DPI (4960x7016,
	// 34.8 megapixels) with a margin.
	DefaultImagePixels = 40_000_000
	// DefaultPages is how many pages of a scanned PDF are read.
	DefaultPages = 10
	// DefaultToolMemoryMB is the address space of each tesseract or
	// Poppler process: about four times what tesseract needs for a 600 DPI
	// page, and room for two at once in the processor's 1024 MB.
	DefaultToolMemoryMB = 512
)

// Limits are the bounds in force.
type Limits struct {
	// ImagePixels (MAX_IMAGE_PIXELS) is the most pixels an image may
	// declare in its header; larger images are refused at upload and
	// never decoded.
	ImagePixels int64
	// Pages (MAX_PAGES) is how many pages of a PDF without a text layer
	// are rendered and read; the rest are counted and reported.
	Pages int
	// ToolMemoryMB (MAX_TOOL_MEMORY_MB) is the address-space limit of every
	// OCR and PDF subprocess.
	ToolMemoryMB int
}

// Default returns the default limits.
func Default() Limits {
	return Limits{ImagePixels: DefaultImagePixels, Pages: DefaultPages, ToolMemoryMB: DefaultToolMemoryMB}
}

// FromEnv returns the limits the environment sets, the default for each it
// leaves unset. A value that is not a whole number from 1 to 2^40 is an
// error, so a typo fails the function's start rather than lifting a bound.
func FromEnv() (Limits, error) {
	l := Default()
	for _, s := range []struct {
		name string
		set  func(int64)
	}{
		{"MAX_IMAGE_PIXELS", func(v int64) { l.ImagePixels = v }},
		{"MAX_PAGES", func(v int64) { l.Pages = int(v) }},
		{"MAX_TOOL_MEMORY_MB", func(v int64) { l.ToolMemoryMB = int(v) }},
	} {
		raw := os.Getenv(s.name)
		if raw == "" {
			continue
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v <= 0 || v > 1<<40 {
			return Limits{}, fmt.Errorf("%s=%q: want a positive whole number", s.name, raw)
		}
		s.set(v)
	}
	return l, nil
}
