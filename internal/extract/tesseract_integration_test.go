//go:build integration

package extract_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/receipt"
)

// textPDF is a one-page PDF with a text layer, so pdftotext reads it.
const textPDF = `%PDF-1.4
1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj
2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj
3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources <</Font <</F1 5 0 R>>>>>> endobj
4 0 obj <</Length 88>> stream
BT /F1 12 Tf 20 150 Td (CORNER SHOP) Tj 0 -20 Td (Date 25/12/2018) Tj 0 -20 Td (TOTAL 9.00) Tj ET
endstream endobj
5 0 obj <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>> endobj
trailer <</Root 1 0 R>>
%%EOF
`

func shared(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "..", "shared", "receipts"}, parts...)...))
	if err != nil {
		t.Fatalf("shared receipt: %v", err)
	}
	return b
}

func TestTesseract(t *testing.T) {
	tests := []struct {
		name        string
		doc         extract.Document
		wantText    []string // substrings
		wantErr     error
		wantAnyText bool
	}{
		{"receipt photo", extract.Document{Bytes: shared(t, "sroie", "img", "000.jpg"), ContentType: receipt.JPEG},
			[]string{"BOOK", "JOHOR"}, nil, true},
		// Read as it is, the scanner's dark border takes tesseract's
		// threshold and the faint print reads as nothing.
		{"faint print in a dark border", extract.Document{Bytes: shared(t, "sroie", "img", "600.jpg"), ContentType: receipt.JPEG},
			[]string{"MEGAH RETAIL", "09/05/2018"}, nil, true},
		{"600 DPI scan", extract.Document{Bytes: shared(t, "sroie", "img", "285.jpg"), ContentType: receipt.JPEG},
			[]string{"UNIHAKKA", "Nett Total: $8.20"}, nil, true},
		{"pdf with a text layer", extract.Document{Bytes: []byte(textPDF), ContentType: receipt.PDF},
			[]string{"CORNER SHOP", "TOTAL 9.00"}, nil, true},
		{"scanned pdf", extract.Document{Bytes: shared(t, "other", "scanned-serbian-receipt.pdf"), ContentType: receipt.PDF},
			nil, nil, true},
		{"corrupt jpeg", extract.Document{Bytes: append([]byte("\xff\xd8\xff\xe0"), make([]byte, 256)...), ContentType: receipt.JPEG},
			nil, extract.ErrUnreadable, false},
		{"corrupt pdf", extract.Document{Bytes: []byte("%PDF-1.4 garbage"), ContentType: receipt.PDF},
			nil, extract.ErrUnreadable, false},
		{"blank image", extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG},
			nil, extract.ErrUnreadable, false},
	}
	tess := extract.NewTesseract("eng")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tess.Extract(context.Background(), tt.doc)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAnyText && len(strings.TrimSpace(res.Text)) < 20 {
				t.Errorf("text = %q", res.Text)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(res.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, res.Text)
				}
			}
		})
	}
}

// TestTesseractSerbianScan reads the scanned Serbian receipt, whose scan
// cuts the first letter of every line ("купан износ" for "Укупан износ").
func TestTesseractSerbianScan(t *testing.T) {
	res, err := extract.NewTesseract("srp+srp_latn+eng").Extract(context.Background(),
		extract.Document{Bytes: shared(t, "other", "scanned-serbian-receipt.pdf"), ContentType: receipt.PDF})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Fields
	if f.Total != "2400.00" || f.Date != "2023-03-20" || f.Currency != "RSD" || f.Tax != "400.00" {
		t.Errorf("total, date, currency, tax = %q, %q, %q, %q; want 2400.00, 2023-03-20, RSD, 400.00", f.Total, f.Date, f.Currency, f.Tax)
	}
}
