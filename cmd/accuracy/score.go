package main

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Part is the half of the labelled receipts a receipt belongs to: rules are
// tuned on the tuning part and judged on the validation part, which stands
// for receipts the extractor has never seen.
type part int

const (
	tuning part = iota
	validation
)

func (p part) String() string {
	if p == tuning {
		return "tuning"
	}
	return "validation"
}

// partOf splits receipts by a hash of their file name: fixed, about half
// each, and independent of what the receipt holds.
func partOf(name string) part {
	h := fnv.New32a()
	h.Write([]byte(name))
	return part(h.Sum32() % 2)
}

// normText keeps letters and digits only, upper-cased: the keys themselves
// carry OCR noise in spacing and punctuation ("BOOK TA .K").
func normText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normAmount strips currency marks and separators: "RM 7,838.80" -> "7838.80".
func normAmount(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) || r == '.' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var monthNames = map[string]int{
	"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
}

// normDate reads a key's date as ISO, or returns it cleaned when it is no
// date. Keys are written as the receipt prints them: day first unless a
// part says otherwise ("12/28/2017"), year first when it has four digits
// ("2018/02/22"), month names ("30 DEC 17", "15/APR/2017"), two-digit
// years, and digits alone ("25032018", "20180428").
func normDate(s string) string {
	up := strings.ToUpper(strings.TrimSpace(s))
	tokens := strings.FieldsFunc(up, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(tokens) == 1 && len(tokens[0]) == 8 && isDigits(tokens[0]) {
		t := tokens[0]
		if iso, ok := ymd(t[:4], t[4:6], t[6:]); ok && (t[:2] == "19" || t[:2] == "20") {
			return iso
		}
		if iso, ok := ymd(t[4:], t[2:4], t[:2]); ok {
			return iso
		}
	}
	if len(tokens) != 3 {
		return strings.Join(tokens, " ")
	}
	a, b, c := tokens[0], tokens[1], tokens[2]
	if m, ok := month(b); ok {
		b = m
	} else if m, ok := month(a); ok {
		a, b = b, m // "DEC 30 2017"
	}
	var iso string
	var ok bool
	switch {
	case len(a) == 4:
		iso, ok = ymd(a, b, c)
	default:
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		if x <= 12 && y > 12 {
			iso, ok = ymd(c, a, b)
		} else {
			iso, ok = ymd(c, b, a)
		}
	}
	if !ok {
		return strings.Join(tokens, " ")
	}
	return iso
}

// month reads a month name or its first three letters.
func month(s string) (string, bool) {
	if len(s) < 3 {
		return "", false
	}
	m, ok := monthNames[s[:3]]
	return strconv.Itoa(m), ok
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ymd validates and formats a date; two-digit years are 20yy.
func ymd(year, mon, day string) (string, bool) {
	if !isDigits(year) || !isDigits(mon) || !isDigits(day) || len(year) != 2 && len(year) != 4 {
		return "", false
	}
	y, _ := strconv.Atoi(year)
	m, _ := strconv.Atoi(mon)
	d, _ := strconv.Atoi(day)
	if len(year) == 2 {
		y += 2000
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Day() != d {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}
