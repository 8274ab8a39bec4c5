package extract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// tiffPDF turns a TIFF into a PDF with libtiff's tiff2pdf, which wraps each
// page's image as it is, so Poppler renders and counts the pages as it does
// a scan's. tiff2pdf reads only a file: it lives in the process's temporary
// folder and is removed before this returns.
func (t *Tesseract) tiffPDF(ctx context.Context, doc []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "tiff-")
	if err != nil {
		return nil, fmt.Errorf("tiff: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.tif")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		return nil, fmt.Errorf("tiff: %w", err)
	}
	pdf, err := t.run(ctx, nil, "tiff2pdf", in)
	if err != nil {
		return nil, fmt.Errorf("tiff: %w", err)
	}
	return pdf, nil
}
