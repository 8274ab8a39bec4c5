package extract

import (
	"image"
	"strings"
	"testing"
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
		got = append(got, l.raw)
	}
	if want := "TOTAL 9.00||THANK|you"; strings.Join(got, "|") != want {
		t.Fatalf("lines = %q, want %q (a blank line between paragraphs)", strings.Join(got, "|"), want)
	}
	total := lines[0]
	if total.up != "TOTAL 9.00" || total.box != image.Rect(10, 10, 110, 30) {
		t.Errorf("line = %q at %v, want TOTAL 9.00 at (10,10)-(110,30)", total.up, total.box)
	}
	if c := total.confIn(6, 10); c != 0.41 {
		t.Errorf("confidence of the amount = %v, want 0.41", c)
	}
	if c := total.confIn(0, 10); c != 0.41 {
		t.Errorf("confidence of the line = %v, want the lowest word's, 0.41", c)
	}
	if c := lines[3].confIn(0, 3); c != 0 {
		t.Errorf("confidence -1 reads as %v, want 0", c)
	}
	if c := (textLine{raw: "TOTAL 9.00"}).confIn(0, 5); c != 1 {
		t.Errorf("plain text confidence = %v, want 1 (the engine gave none)", c)
	}
}

func TestReadTSVBoundsLines(t *testing.T) {
	var b strings.Builder
	for i := range 400 {
		b.WriteString("5\t1\t1\t1\t1\t" + string(rune('1'+i%9)) + "\t0\t0\t1\t1\t90\tWORD\n")
	}
	lines := readTSV(b.String())
	if len(lines) != 1 || len(lines[0].raw) > maxLineBytes {
		t.Errorf("%d lines, first %d bytes; want one line of at most %d", len(lines), len(lines[0].raw), maxLineBytes)
	}
}
