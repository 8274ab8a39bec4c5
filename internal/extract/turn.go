package extract

import (
	"context"
	"fmt"
	"slices"

	"github.com/receipts-api/receipts/internal/parse"
	"github.com/receipts-api/receipts/internal/prepare"
)

// A receipt scanned sideways or upside down, or photographed so with no
// EXIF orientation to say so (many apps strip it), reads as noise:
// tesseract reads lines across the page as it lies. Tesseract's own
// orientation detection (--psm 0) misjudges receipts, upright ones
// included, so a weak reading is instead compared with the page read
// turned a quarter each way and upside down. A page lying the wrong way
// still yields many words, all read unsurely (a mean confidence of 0.25 to
// 0.5 on the SROIE receipts turned), where the right turn reads surely
// (0.6 to 0.85): a turn is kept when its words' mean confidence is at
// least weakConf and turnGain above the page's as it lies, and it reads
// about as many words. Each is read at its size, as the page was first:
// enlarging a turned page by the print size its noise suggests could cost
// minutes.
const turnGain = 0.2

// quarterTurns are tried in this order: a quarter turn is the common case
// (a phone held across the receipt, a scanner fed sideways).
var quarterTurns = []int{1, 3, 2}

// minTurnWords is how many words a reading must have to be of a page lying
// the wrong way: such a page reads as many words of noise, where a blank
// page (the rest of a scanned PDF) reads as none and is not worth three
// more readings.
const minTurnWords = 5

// turnBelow is the mean confidence under which a reading may be of a page
// lying the wrong way. The SROIE tuning receipts turned a quarter read at
// 0.26 to 0.46 as they lie; the few upright ones under weakConf read at
// 0.46 to 0.57, and each costs three readings more.
const turnBelow = 0.5

// weakReading reports a reading that may be of a page lying the wrong way:
// words enough, read with little confidence.
func weakReading(lines []parse.Line) bool {
	return wordCount(lines) >= minTurnWords && meanConf(lines) < turnBelow
}

func wordCount(lines []parse.Line) int {
	n := 0
	for _, l := range lines {
		n += len(l.Words)
	}
	return n
}

// readTurned returns the page turned upright and its reading when the
// reading of the page as it lies is weak and a turn reads far better;
// else the page and reading it was given.
func (t *Tesseract) readTurned(ctx context.Context, img prepare.Page, lines []parse.Line, args []string) (prepare.Page, []parse.Line) {
	if img.Gray == nil || !weakReading(lines) {
		return img, lines
	}
	asIs, asIsScore := meanConf(lines), readingScore(lines)
	best, bestLines, bestConf := img, lines, max(weakConf, asIs+turnGain)
	for _, q := range quarterTurns {
		if ctx.Err() != nil {
			break
		}
		g := prepare.Turn(img.Gray, q)
		p := prepare.Page{Bytes: prepare.PGM(g), Gray: g, Damage: img.Damage,
			Steps: append(slices.Clone(img.Steps), fmt.Sprintf("turned %d° clockwise", 90*q))}
		turned, err := t.read(ctx, p.Bytes, args...)
		if err != nil {
			continue
		}
		// A turn that reads next to nothing has no confidence to compare.
		if c := meanConf(turned); c >= bestConf && wordCount(turned) >= minTurnWords && readingScore(turned) >= asIsScore*3/4 {
			best, bestLines, bestConf = p, turned, c
		}
	}
	return best, bestLines
}
