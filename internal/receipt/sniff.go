package receipt

import "bytes"

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
	return ""
}
