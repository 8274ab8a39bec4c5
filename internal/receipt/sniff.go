package receipt

import (
	"bytes"
	"image"
	_ "image/jpeg" // header decoders for Wellformed
	_ "image/png"
)

// The content types the service accepts, named by what their bytes say.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	PDF  = "application/pdf"
)

var signatures = []struct {
	magic       []byte
	contentType string
}{
	{[]byte("\x89PNG\r\n\x1a\n"), PNG},
	{[]byte("\xff\xd8\xff"), JPEG},
	{[]byte("%PDF-"), PDF},
}

// Sniff returns the content type of a document from its first bytes, or ""
// when it is none of the supported formats. A file's name and declared type
// are never trusted: a text file renamed x.png is still text.
func Sniff(head []byte) string {
	for _, s := range signatures {
		if bytes.HasPrefix(head, s.magic) {
			return s.contentType
		}
	}
	return sniffMore(head)
}

// Wellformed reports whether doc, whose magic bytes say contentType, is
// whole: an image whose header decodes and whose end marker is there, a PDF
// with its end-of-file marker. It catches truncated uploads and files that
// only borrow a format's first bytes, cheaply, without decoding pixels.
func Wellformed(doc []byte, contentType string) bool {
	switch contentType {
	case PNG:
		// The IEND chunk whole: zero length, type, and its CRC, which is
		// the same in every PNG. Bytes after it are not a cut.
		return decodes(doc) && bytes.Contains(tail(doc, 64), []byte("\x00\x00\x00\x00IEND\xaeB`\x82"))
	case JPEG:
		return decodes(doc) && bytes.Contains(tail(doc, 1024), []byte{0xff, 0xd9})
	case PDF:
		return bytes.Contains(tail(doc, 2048), []byte("%%EOF"))
	case WebP:
		return webpWhole(doc)
	case HEIC, HEIF:
		return heifWhole(doc)
	case TIFF:
		return tiffWhole(doc)
	}
	return false
}

func decodes(doc []byte) bool {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(doc))
	return err == nil && cfg.Width > 0 && cfg.Height > 0
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
