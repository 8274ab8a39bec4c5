package extract_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/receipt"
)

// installTesseract puts a shell script named tesseract first on PATH: it
// logs its arguments, one call a line, to the file it returns ($FAKE_LOG),
// and answers as the shell case patterns given (matched against its
// arguments) say.
func installTesseract(t *testing.T, cases string) (log string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"$*\" >> \"$FAKE_LOG\"\ncat > /dev/null\ncase \"$*\" in\n" + cases + "esac\n"
	if err := os.WriteFile(filepath.Join(dir, "tesseract"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	log = filepath.Join(dir, "calls")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_LOG", log)
	return log
}

// fakeTesseract puts a tesseract on PATH that logs its arguments and
// answers each kind of reading with the text given for it.
func fakeTesseract(t *testing.T, first, auto, sauvola, binarized string) (calls func() []string) {
	t.Helper()
	log := installTesseract(t, `*"--psm 4"*) printf '%s' "$FAKE_BINARIZED" ;;
*"--psm 7"*) printf '%s' "$FAKE_LINE" ;;
*thresholding_method=2*) printf '%s' "$FAKE_SAUVOLA" ;;
*"--psm 3"*) printf '%s' "$FAKE_AUTO" ;;
*) printf '%s' "$FAKE_FIRST" ;;
`)
	t.Setenv("FAKE_FIRST", tsvOf(first))
	t.Setenv("FAKE_AUTO", tsvOf(auto))
	t.Setenv("FAKE_SAUVOLA", tsvOf(sauvola))
	t.Setenv("FAKE_BINARIZED", tsvOf(binarized))
	return func() []string {
		b, _ := os.ReadFile(log)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
}

// tsvOf writes text as tesseract's TSV: one word a row, every word read
// with confidence 95, no boxes (so no line is looked at again).
func tsvOf(text string) string {
	var b strings.Builder
	b.WriteString("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n")
	for i, line := range strings.Split(text, "\n") {
		for j, w := range strings.Fields(line) {
			fmt.Fprintf(&b, "5\t1\t1\t1\t%d\t%d\t0\t0\t0\t0\t95\t%s\n", i+1, j+1, w)
		}
	}
	return b.String()
}

func TestTesseractReadsAgainForWhatIsMissing(t *testing.T) {
	const (
		shop    = "CORNER SHOP\nMILK 3.00\n"
		total   = "TOTAL 9.00\n"
		date    = "Date 25/12/2018\n"
		nothing = ""
	)
	tests := []struct {
		name                             string
		psm                              string // the first reading's; "" is the default
		first, auto, sauvola, binarized  string
		wantCalls                        int
		wantDate, wantTotal, wantTextHas string
	}{
		{"first reading has both", "", shop + date + total, nothing, nothing, nothing, 1, "2018-12-25", "9.00", "CORNER SHOP"},
		{"automatic segmentation finds the date", "", shop + total, date, nothing, nothing, 2, "2018-12-25", "9.00", "CORNER SHOP"},
		{"adaptive threshold finds the date", "", shop + total, shop, date, nothing, 3, "2018-12-25", "9.00", "CORNER SHOP"},
		{"each finds one", "", shop, total, date, nothing, 3, "2018-12-25", "9.00", "CORNER SHOP"},
		{"nobody finds the date", "", shop + total, shop, shop, nothing, 3, "", "9.00", "CORNER SHOP"},
		{"first reading automatic: not read so again", "3", "", shop + total, date, nothing, 2, "2018-12-25", "9.00", "CORNER SHOP"},
		{"first reading empty: binarized", "", "x", nothing, nothing, shop + date + total, 2, "2018-12-25", "9.00", "CORNER SHOP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := fakeTesseract(t, tt.first, tt.auto, tt.sauvola, tt.binarized)
			tess := extract.NewTesseract("eng")
			if tt.psm != "" {
				tess.PageSegMode = tt.psm
			}
			res, err := tess.Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			if got := calls(); len(got) != tt.wantCalls {
				t.Errorf("tesseract ran %d times, want %d: %q", len(got), tt.wantCalls, got)
			}
			if res.Fields.Date != tt.wantDate || res.Fields.Total != tt.wantTotal {
				t.Errorf("date, total = %q, %q; want %q, %q", res.Fields.Date, res.Fields.Total, tt.wantDate, tt.wantTotal)
			}
			if !strings.Contains(res.Text, tt.wantTextHas) {
				t.Errorf("text = %q", res.Text)
			}
		})
	}
}

// TestTesseractLooksAgainAtALowConfidenceTotal checks the targeted second
// look: the total's line alone is read again; a reading that agrees with
// the receipt's arithmetic raises the total's confidence, and another
// misreading of the label does not replace what the arithmetic corrected.
func TestTesseractLooksAgainAtALowConfidenceTotal(t *testing.T) {
	row := func(line, word, top int, conf, text string) string {
		return fmt.Sprintf("5\t1\t1\t1\t%d\t%d\t10\t%d\t40\t20\t%s\t%s\n", line, word, top, conf, text)
	}
	first := row(1, 1, 10, "96", "CORNER") + row(1, 2, 10, "96", "SHOP") +
		row(2, 1, 40, "96", "Date") + row(2, 2, 40, "96", "25/12/2018") +
		row(3, 1, 70, "90", "TOTAL") + row(3, 2, 70, "41", "34.00") +
		row(4, 1, 100, "95", "CASH") + row(4, 2, 100, "95", "50.00") +
		row(5, 1, 130, "95", "CHANGE") + row(5, 2, 130, "95", "19.00")
	tests := []struct {
		name        string
		again       string // the total's amount in its line read again
		minConf     float64
		wantWarning bool // the correction stays unconfirmed
	}{
		{"the line read again agrees with cash less change", "31.00", 0.8, false},
		{"the line read again misread otherwise", "84.00", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := fakeTesseract(t, "", "", "", "")
			t.Setenv("FAKE_FIRST", first)
			t.Setenv("FAKE_LINE", row(1, 1, 5, "95", "TOTAL")+row(1, 2, 5, "93", tt.again))
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			if got := calls(); len(got) < 2 || !strings.Contains(got[1], "--psm 7") {
				t.Errorf("tesseract calls = %q, want the page then the total's line", got)
			}
			if res.Fields.Total != "31.00" || res.Fields.Confidence["total"] < tt.minConf {
				t.Errorf("total = %q (confidence %v), want 31.00, cash less change, with confidence at least %v",
					res.Fields.Total, res.Fields.Confidence["total"], tt.minConf)
			}
			warned := slices.ContainsFunc(res.Fields.Warnings, func(w string) bool { return strings.Contains(w, "corrected to 31.00") })
			if warned != tt.wantWarning {
				t.Errorf("warnings = %q, want the correction's warning: %v", res.Fields.Warnings, tt.wantWarning)
			}
		})
	}
}

// TestTesseractReadsALowConfidenceAmountAlone: when the total's line read
// again has no amount, the amount is read alone, cropped to its word, and
// the reading the receipt supports (here the amount paid) wins, with a
// warning.
func TestTesseractReadsALowConfidenceAmountAlone(t *testing.T) {
	row := func(line, word, top int, conf, text string) string {
		return fmt.Sprintf("5\t1\t1\t1\t%d\t%d\t%d\t%d\t40\t20\t%s\t%s\n", line, word, 10+50*(word-1), top, conf, text)
	}
	first := row(1, 1, 10, "96", "CORNER") + row(1, 2, 10, "96", "SHOP") +
		row(2, 1, 40, "96", "Date") + row(2, 2, 40, "96", "25/12/2018") +
		row(3, 1, 70, "90", "TOTAL") + row(3, 2, 70, "41", "34.00") +
		row(4, 1, 100, "95", "VISA") + row(4, 2, 100, "95", "31.00")
	// The page; the line read again, which lost its amount; then each
	// reading of the amount alone.
	log := installTesseract(t, `*"--psm 7"*|*"--psm 8"*)
	if [ -e "$FAKE_LOG.line" ]; then printf '%s' "$FAKE_AMOUNT"; else touch "$FAKE_LOG.line"; printf '%s' "$FAKE_LINE"; fi ;;
*) printf '%s' "$FAKE_FIRST" ;;
`)
	t.Setenv("FAKE_FIRST", first)
	t.Setenv("FAKE_LINE", row(1, 1, 5, "60", "TOTAL")+row(1, 2, 5, "30", "~~"))
	t.Setenv("FAKE_AMOUNT", row(1, 1, 5, "93", "31.00"))
	res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fields.Total != "31.00" || res.Fields.Confidence["total"] < 0.8 {
		t.Errorf("total = %q (confidence %v), want 31.00, its amount read alone and agreeing with the card payment",
			res.Fields.Total, res.Fields.Confidence["total"])
	}
	if !slices.ContainsFunc(res.Fields.Warnings, func(w string) bool { return strings.Contains(w, "read again alone") }) {
		t.Errorf("warnings = %q, want one saying the amount was read again", res.Fields.Warnings)
	}
	calls, _ := os.ReadFile(log)
	if n := strings.Count(string(calls), "\n"); n != 2+4 {
		t.Errorf("tesseract ran %d times, want the page, the line and four readings of the amount:\n%s", n, calls)
	}
}

// TestTesseractLooksAgainAtALowConfidenceVendor checks the vendor's second
// look: only a name read with low confidence is read again, line by line,
// and the new reading wins only when it rates higher.
func TestTesseractLooksAgainAtALowConfidenceVendor(t *testing.T) {
	row := func(line, word, top int, conf, text string) string {
		return fmt.Sprintf("5\t1\t1\t1\t%d\t%d\t10\t%d\t40\t20\t%s\t%s\n", line, word, top, conf, text)
	}
	rest := row(2, 1, 40, "96", "Date") + row(2, 2, 40, "96", "25/12/2018") +
		row(3, 1, 70, "95", "TOTAL") + row(3, 2, 70, "95", "9.00")
	tests := []struct {
		name       string
		first      string // the name line's rows
		again      string // the name line read alone
		wantCalls  int
		wantVendor string
	}{
		{"low confidence, better reading",
			row(1, 1, 10, "40", "C0RNEB") + row(1, 2, 10, "35", "TRAD1NG"),
			row(1, 1, 5, "94", "CORNER") + row(1, 2, 5, "95", "TRADING"), 2, "CORNER TRADING"},
		{"low confidence, worse reading: the first stands",
			row(1, 1, 10, "45", "CORNER") + row(1, 2, 10, "40", "TRADING"),
			row(1, 1, 5, "20", "C0RNFR") + row(1, 2, 5, "15", "TR4D"), 2, "CORNER TRADING"},
		{"confident name: not read again",
			row(1, 1, 10, "96", "CORNER") + row(1, 2, 10, "96", "SHOP"),
			row(1, 1, 5, "99", "OTHER") + row(1, 2, 5, "99", "NAME"), 1, "CORNER SHOP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := fakeTesseract(t, "", "", "", "")
			t.Setenv("FAKE_FIRST", tt.first+rest)
			t.Setenv("FAKE_LINE", tt.again)
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			if got := calls(); len(got) != tt.wantCalls {
				t.Errorf("tesseract ran %d times, want %d: %q", len(got), tt.wantCalls, got)
			}
			if res.Fields.Vendor != tt.wantVendor {
				t.Errorf("vendor = %q (confidence %v), want %q", res.Fields.Vendor, res.Fields.Confidence["vendor"], tt.wantVendor)
			}
		})
	}
}

func TestTesseractMissingEngineIsNotTheDocumentsFault(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: printedPNG(t), ContentType: receipt.PNG})
	if err == nil || errors.Is(err, extract.ErrUnreadable) {
		t.Errorf("err = %v, want a retryable error", err)
	}
}

// TestTesseractReadsSmallPrintAgain: a page whose capitals are under 16
// pixels high is read a second time (enlarged), and only once more.
func TestTesseractReadsSmallPrintAgain(t *testing.T) {
	for _, tt := range []struct {
		height    int
		wantReads int
	}{{12, 2}, {16, 1}} {
		t.Run(fmt.Sprintf("%d pixels", tt.height), func(t *testing.T) {
			row := func(line, word, top int, text string) string {
				return fmt.Sprintf("5\t1\t1\t1\t%d\t%d\t%d\t%d\t40\t%d\t95\t%s\n", line, word, 10+50*(word-1), top, tt.height, text)
			}
			page := row(1, 1, 10, "CORNER") + row(1, 2, 10, "SHOP") +
				row(2, 1, 40, "DATE") + row(2, 2, 40, "25/12/2018") +
				row(3, 1, 70, "TOTAL") + row(3, 2, 70, "9.00")
			calls := fakeTesseract(t, "", "", "", "")
			t.Setenv("FAKE_FIRST", page)
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			if got := calls(); len(got) != tt.wantReads || res.Fields.Total != "9.00" {
				t.Errorf("tesseract calls = %q, total %q; want %d reading(s) of the page and 9.00", got, res.Fields.Total, tt.wantReads)
			}
		})
	}
}

// TestTesseractReadsTheLinesOfAMissingDateAgain: when no reading of the
// page gives a date, the line that vouches for one is read again in three
// ways, and the date most of them give wins (the earliest on a tie), with
// a warning; a date the page gave is not read again.
func TestTesseractReadsTheLinesOfAMissingDateAgain(t *testing.T) {
	row := func(line, word, top int, text string) string {
		return fmt.Sprintf("5\t1\t1\t1\t%d\t%d\t%d\t%d\t40\t20\t95\t%s\n", line, word, 10+50*(word-1), top, text)
	}
	rest := row(2, 1, 40, "CORNER") + row(2, 2, 40, "SHOP") + row(3, 1, 70, "TOTAL") + row(3, 2, 70, "9.00")
	const (
		a = "25/12/2018"
		b = "28/12/2018"
		c = "26/12/2018"
	)
	tests := []struct {
		name      string
		dateWord  string    // the first reading of the date, on the first line with "Date"
		looks     [3]string // the three readings of that line
		wantDate  string
		wantCalls int
	}{
		{"most readings agree", "2S/1Z/Z01B", [3]string{a, b, b}, "2018-12-28", 1 + 2 + 3},
		{"all differ: the first", "2S/1Z/Z01B", [3]string{a, b, c}, "2018-12-25", 1 + 2 + 3},
		{"one reads a date", "2S/1Z/Z01B", [3]string{"~~", "~~", c}, "2018-12-26", 1 + 2 + 3},
		{"none reads a date", "2S/1Z/Z01B", [3]string{"~~", "~~", "~~"}, "", 1 + 2 + 3},
		{"the page gave one: not read again", a, [3]string{b, b, b}, "2018-12-25", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The page, its two whole readings for what is missing (nothing
			// more), then the date's line read again, a reading a call.
			log := installTesseract(t, `*"--psm 7"*) n=$(grep -c -- "--psm 7" "$FAKE_LOG"); eval "printf '%s' \"\$FAKE_LOOK$n\"" ;;
*"--psm 3"*|*thresholding_method=2*) printf '%s' "$FAKE_REST" ;;
*) printf '%s' "$FAKE_FIRST" ;;
`)
			t.Setenv("FAKE_FIRST", row(1, 1, 10, "Date")+row(1, 2, 10, tt.dateWord)+rest)
			t.Setenv("FAKE_REST", rest)
			for k, look := range tt.looks {
				t.Setenv(fmt.Sprintf("FAKE_LOOK%d", k+1), row(1, 1, 5, "Date")+row(1, 2, 5, look))
			}
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			calls, _ := os.ReadFile(log)
			if n := strings.Count(string(calls), "\n"); n != tt.wantCalls {
				t.Errorf("tesseract ran %d times, want %d:\n%s", n, tt.wantCalls, calls)
			}
			if res.Fields.Date != tt.wantDate {
				t.Errorf("date = %q, want %q", res.Fields.Date, tt.wantDate)
			}
			warned := slices.ContainsFunc(res.Fields.Warnings, func(w string) bool { return strings.Contains(w, "read again") })
			if want := tt.wantDate != "" && tt.dateWord != a; warned != want {
				t.Errorf("warnings = %q, want a warning about the date read again: %v", res.Fields.Warnings, want)
			}
		})
	}
}

// TestTesseractReadsAgainInTheCountrysLanguage: a receipt from a country
// whose language the page was not read in, missing a field, is read again
// with that language's model, which fills it in; an English receipt is
// not read again.
func TestTesseractReadsAgainInTheCountrysLanguage(t *testing.T) {
	const german = "REWE Markt GmbH\nHauptstraße 1\n33100 Paderborn\nSUMME EUR 9,00\nBAR 10,00\nRÜCKGELD 1,00\nVielen Dank für Ihren Einkauf\n"
	tests := []struct {
		name, first, own    string
		wantOwn             bool
		wantDate, wantTotal string
	}{
		{"German, its date read only in German", german, german + "Datum 02.03.2020 09:48\n", true, "2020-03-02", "9.00"},
		{"German, nothing better in German", german, german, true, "", "9.00"},
		{"English: read once", "CORNER SHOP\nTOTAL 9.00\nDate 25/12/2018\nCASH 10.00\nCHANGE 1.00\n", "", false, "2018-12-25", "9.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := installTesseract(t, `*"-l deu"*) printf '%s' "$FAKE_OWN" ;;
*) printf '%s' "$FAKE_FIRST" ;;
`)
			t.Setenv("FAKE_FIRST", tsvOf(tt.first))
			t.Setenv("FAKE_OWN", tsvOf(tt.own))
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: blankPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(log)
			if read := strings.Contains(string(b), "-l deu"); read != tt.wantOwn {
				t.Errorf("read in German: %v, want %v (calls %q)", read, tt.wantOwn, b)
			}
			if res.Fields.Date != tt.wantDate || res.Fields.Total != tt.wantTotal {
				t.Errorf("date, total = %q, %q; want %q, %q", res.Fields.Date, res.Fields.Total, tt.wantDate, tt.wantTotal)
			}
			if filled := slices.Contains(res.Fields.Warnings, "date: read in deu"); filled != (tt.wantDate != "" && tt.wantOwn) {
				t.Errorf("warnings %q", res.Fields.Warnings)
			}
		})
	}
}

// TestTesseractReadsAWeakSmallImageEnlarged: a small image whose first
// reading is doubtful is read again enlarged, and the surer reading kept.
func TestTesseractReadsAWeakSmallImageEnlarged(t *testing.T) {
	tests := []struct {
		name         string
		firstConf    int
		wantEnlarged bool
		wantTotal    string
	}{
		{"a doubtful reading", 40, true, "9.00"},
		{"a sure reading", 95, false, "8.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The enlarged page is a larger input: the script tells them
			// apart by its size.
			dir := t.TempDir()
			script := "#!/bin/sh\necho \"$*\" >> \"$FAKE_LOG\"\nif [ \"$(wc -c)\" -gt 300000 ]; then printf '%s' \"$FAKE_BIG\"; else printf '%s' \"$FAKE_FIRST\"; fi\n"
			if err := os.WriteFile(filepath.Join(dir, "tesseract"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			log := filepath.Join(dir, "calls")
			t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
			t.Setenv("FAKE_LOG", log)
			t.Setenv("FAKE_FIRST", tsvOfConf("SHOP\nTOTAL 8.00\nDate 25/12/2018\n", tt.firstConf))
			t.Setenv("FAKE_BIG", tsvOfConf("CORNER SHOP\nTOTAL 9.00\nDate 25/12/2018\nCASH 10.00\nCHANGE 1.00\n", 90))
			res, err := extract.NewTesseract("eng").Extract(context.Background(), extract.Document{Bytes: printedPNG(t), ContentType: receipt.PNG})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(log)
			calls := strings.Count(string(b), "\n")
			if enlarged := calls > 1; enlarged != tt.wantEnlarged {
				t.Errorf("read %d times, want enlarged: %v", calls, tt.wantEnlarged)
			}
			if res.Fields.Total != tt.wantTotal {
				t.Errorf("total %q, want %q", res.Fields.Total, tt.wantTotal)
			}
		})
	}
}

// tsvOfConf is tsvOf with every word read at confidence conf.
func tsvOfConf(text string, conf int) string {
	return strings.ReplaceAll(tsvOf(text), "\t95\t", fmt.Sprintf("\t%d\t", conf))
}
