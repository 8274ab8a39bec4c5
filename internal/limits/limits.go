// Package limits holds the bounds on what one document may cost, and reads
// them from the environment in one place. Each is documented in docs/limits.md
// and declared in template.yaml by the functions that use it.
package limits

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Defaults, chosen so that a receipt scanned at 600 DPI passes and a file
// that only claims to be huge does not, for a processor with a 120 s
// timeout.
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
	// DefaultDocTime leaves 20 s of the processor's timeout to read the
	// file and write the result.
	DefaultDocTime = 100 * time.Second
	// DefaultInlineDetails keeps the item far below DynamoDB's 400 KB with
	// room for the fields.
	DefaultInlineDetails = 100 << 10
	// DefaultDetails keeps GET's answer well within Lambda's 6 MB
	// response.
	DefaultDetails = 1 << 20
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
	// DocTime (DOC_TIME_LIMIT) is the wall time one document may take to
	// extract; past it the receipt ends FAILED, and is not retried. It
	// must leave the function time to write the result before its own
	// timeout.
	DocTime time.Duration
	// InlineDetails (DETAILS_INLINE_LIMIT) is the largest text, in bytes,
	// stored in the receipt's item; a longer one goes to S3 beside the
	// file (DynamoDB items stop at 400 KB).
	InlineDetails int
	// Details (DETAILS_LIMIT) is the longest text kept, in bytes; a longer
	// one is cut there and marked truncated, so GET's answer fits
	// Lambda's 6 MB response.
	Details int
}

// Default returns the default limits.
func Default() Limits {
	return Limits{
		ImagePixels: DefaultImagePixels, Pages: DefaultPages, ToolMemoryMB: DefaultToolMemoryMB,
		DocTime: DefaultDocTime, InlineDetails: DefaultInlineDetails, Details: DefaultDetails,
	}
}

// FromEnv returns the limits the environment sets, the default for each it
// leaves unset. A malformed value is an error, so a typo fails the
// function's start rather than lifts a bound.
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
	if v := os.Getenv("DOC_TIME_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Limits{}, fmt.Errorf("DOC_TIME_LIMIT=%q: want a positive duration such as 100s", v)
		}
		l.DocTime = d
	}
	if v := os.Getenv("DETAILS_INLINE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 300<<10 {
			return Limits{}, fmt.Errorf("DETAILS_INLINE_LIMIT=%q: want a number of bytes from 1 to 307200", v)
		}
		l.InlineDetails = n
	}
	if v := os.Getenv("DETAILS_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < l.InlineDetails || n > 4<<20 {
			return Limits{}, fmt.Errorf("DETAILS_LIMIT=%q: want a number of bytes from DETAILS_INLINE_LIMIT (%d) to 4194304", v, l.InlineDetails)
		}
		l.Details = n
	}
	return l, nil
}
