//go:build !integration

package extract

import (
	"image"
	"reflect"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/parse"
)

func TestReadTSV(t *testing.T) {
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"4\t1\t1\t1\t1\t0\t10\t10\t100\t20\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t10\t10\t40\t20\t96.5\tTOTAL\n" +
		"5\t1\t1\t1\t1\t2\t60\t12\t50\t18\t41\t9.00\n" +
		"5\t1\t1\t2\t1\t1\t10\t50\t40\t20\t90\tTHANK\n" +
		"5\t1\t1\t2\t1\t2\t10\t50\t40\t20\t90\t \n" +
		"garbage row\n" +
		"5\t1\t1\t2\t2\t1\t10\t80\t40\t20\t-1\tyou\n"
	lines := readTSV(tsv)
	var got []string
	for _, l := range lines {
		got = append(got, l.Text)
	}
	if want := "TOTAL 9.00||THANK|you"; strings.Join(got, "|") != want {
		t.Fatalf("lines = %q, want %q (a blank line between paragraphs)", strings.Join(got, "|"), want)
	}
	total := lines[0]
	if total.Text != "TOTAL 9.00" || total.Box != image.Rect(10, 10, 110, 30) {
		t.Errorf("line = %q at %v, want TOTAL 9.00 at (10,10)-(110,30)", total.Text, total.Box)
	}
	want := []parse.Word{
		{Start: 0, End: 5, Conf: 0.965, Box: image.Rect(10, 10, 50, 30)},
		{Start: 6, End: 10, Conf: 0.41, Box: image.Rect(60, 12, 110, 30)},
	}
	if !reflect.DeepEqual(total.Words, want) {
		t.Errorf("words = %+v, want %+v", total.Words, want)
	}
	if w := lines[3].Words; len(w) != 1 || w[0].Conf != 0 {
		t.Errorf("words of a line read with confidence -1 = %+v, want one of confidence 0", w)
	}
}

func TestReadTSVBoundsLines(t *testing.T) {
	var b strings.Builder
	for i := range 400 {
		b.WriteString("5\t1\t1\t1\t1\t" + string(rune('1'+i%9)) + "\t0\t0\t1\t1\t90\tWORD\n")
	}
	lines := readTSV(b.String())
	if len(lines) != 1 || len(lines[0].Text) > parse.MaxLineBytes {
		t.Errorf("%d lines, first %d bytes; want one line of at most %d", len(lines), len(lines[0].Text), parse.MaxLineBytes)
	}
}
