package extract

import (
	"image"
	"strconv"
	"strings"
)

// wordSpan is one OCR word within a textLine: its byte offsets in the
// line and tesseract's confidence in it, 0 to 1.
type wordSpan struct {
	start, end int
	conf       float64
	box        image.Rectangle // where the word is on the page; empty when unknown
}

// readTSV turns tesseract's TSV output into lines of words with their
// boxes and confidences. A blank line separates paragraphs, as in
// tesseract's plain text, since the parser reads block ends. Lines are
// bounded like those of plain text.
func readTSV(tsv string) []textLine {
	var (
		lines   []textLine
		cur     *textLine
		lineKey string
		parKey  string
	)
	for row := range strings.SplitSeq(tsv, "\n") {
		f := strings.Split(strings.TrimRight(row, "\r"), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(strings.ToValidUTF8(f[11], ""))
		if text == "" {
			continue
		}
		par := f[1] + "/" + f[2] + "/" + f[3]
		key := par + "/" + f[4]
		if cur == nil || key != lineKey {
			if cur != nil && par != parKey {
				lines = append(lines, textLine{})
			}
			lines = append(lines, textLine{conf: []wordSpan{}})
			cur = &lines[len(lines)-1]
			lineKey, parKey = key, par
		}
		if len(cur.raw)+1+len(text) > maxLineBytes {
			continue
		}
		if cur.raw != "" {
			cur.raw += " "
		}
		conf, _ := strconv.ParseFloat(f[10], 64)
		box := tsvBox(f[6:10])
		cur.conf = append(cur.conf, wordSpan{start: len(cur.raw), end: len(cur.raw) + len(text), conf: min(max(conf/100, 0), 1), box: box})
		cur.raw += text
		cur.box = cur.box.Union(box)
	}
	for i := range lines {
		lines[i].up = keyUpper(lines[i].raw)
	}
	return lines
}

// tsvBox reads left, top, width and height.
func tsvBox(f []string) image.Rectangle {
	var v [4]int
	for i := range v {
		v[i], _ = strconv.Atoi(f[i])
	}
	return image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
}

// linesText writes lines back as plain text.
func linesText(lines []textLine) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.raw)
	}
	return b.String()
}

// confIn returns the lowest word confidence among the words of l that
// overlap [start, end), or 1 when the line carries no confidences (plain
// text, whose engine gave none).
func (l textLine) confIn(start, end int) float64 {
	if l.conf == nil {
		return 1
	}
	c, found := 1.0, false
	for _, w := range l.conf {
		if w.end > start && w.start < end {
			c, found = min(c, w.conf), true
		}
	}
	if !found {
		return 1
	}
	return c
}
