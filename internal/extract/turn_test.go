//go:build !integration

package extract

import (
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/parse"
)

// reading is a page's reading of n two-letter words, each read with
// confidence c.
func reading(n int, c float64) []parse.Line {
	return []parse.Line{wordsAt(strings.Repeat("ab ", n), 20, c)}
}

// TestWeakReading: a page is read turned only when it reads as many words
// of noise, as a page lying the wrong way does; a blank page (the rest of
// a scanned PDF) and a page read surely are not read again.
func TestWeakReading(t *testing.T) {
	tests := []struct {
		name  string
		lines []parse.Line
		weak  bool
	}{
		{"blank page", nil, false},
		{"a few unsure words", reading(minTurnWords-1, 0.3), false},
		{"many unsure words", reading(40, 0.3), true},
		{"many sure words", reading(40, 0.85), false},
		{"just under the bar", reading(40, turnBelow-0.01), true},
		{"just over it", reading(40, turnBelow+0.01), false},
	}
	for _, tt := range tests {
		if got := weakReading(tt.lines); got != tt.weak {
			t.Errorf("%s: weak %v, want %v", tt.name, got, tt.weak)
		}
	}
}
