package extract

import (
	"image"
	"strconv"
	"strings"

	"github.com/receipts-api/receipts/internal/parse"
)

// readTSV turns tesseract's TSV output into lines of words with their
// boxes and confidences. A blank line separates paragraphs, as in
// tesseract's plain text, since the parser reads block ends. Lines are
// bounded like those of plain text.
func readTSV(tsv string) []parse.Line {
	var (
		lines   []parse.Line
		cur     *parse.Line
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
				lines = append(lines, parse.Line{})
			}
			lines = append(lines, parse.Line{Words: []parse.Word{}})
			cur = &lines[len(lines)-1]
			lineKey, parKey = key, par
		}
		if len(cur.Text)+1+len(text) > parse.MaxLineBytes {
			continue
		}
		if cur.Text != "" {
			cur.Text += " "
		}
		conf, _ := strconv.ParseFloat(f[10], 64)
		box := tsvBox(f[6:10])
		cur.Words = append(cur.Words, parse.Word{Start: len(cur.Text), End: len(cur.Text) + len(text), Conf: min(max(conf/100, 0), 1), Box: box})
		cur.Text += text
		cur.Box = cur.Box.Union(box)
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
func linesText(lines []parse.Line) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// meanConf is the mean word confidence over lines, 1 when the engine gave
// none.
func meanConf(lines []parse.Line) float64 {
	sum, n := 0.0, 0
	for _, l := range lines {
		for _, w := range l.Words {
			sum += w.Conf
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return sum / float64(n)
}
