// Command accuracy measures field extraction on labelled receipts: it runs
// the Tesseract extractor over each image of a SROIE-style folder (img/*.jpg
// with key/*.json holding company, date, address and total) and prints the
// per-field exact-match rate after normalising both sides, and the misses.
//
//	go run ./cmd/accuracy [-dir ../shared/receipts/sroie] [-lang eng]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/receipt"
)

type key struct {
	Company string `json:"company"`
	Date    string `json:"date"`
	Address string `json:"address"`
	Total   string `json:"total"`
}

type outcome struct {
	name string
	want key
	got  receipt.Fields
	err  error
}

func main() {
	dir := flag.String("dir", "../shared/receipts/sroie", "folder with img/ and key/")
	lang := flag.String("lang", "eng", "tesseract languages")
	workers := flag.Int("workers", 2, "receipts read at once")
	psm := flag.String("psm", extract.DefaultPageSegMode, "tesseract page segmentation mode for the first pass")
	flag.Parse()

	imgs, _ := filepath.Glob(filepath.Join(*dir, "img", "*.jpg"))
	if len(imgs) == 0 {
		fmt.Fprintf(os.Stderr, "accuracy: no images in %s/img\n", *dir)
		os.Exit(1)
	}
	start := time.Now()
	tess := extract.NewTesseract(*lang)
	tess.PageSegMode = *psm
	results := run(tess, *dir, imgs, *workers)
	fields := []struct {
		name      string
		want, got func(outcome) string
	}{
		{"total", func(o outcome) string { return normAmount(o.want.Total) }, func(o outcome) string { return o.got.Total }},
		{"date", func(o outcome) string { return normDate(o.want.Date) }, func(o outcome) string { return o.got.Date }},
		{"vendor", func(o outcome) string { return normText(o.want.Company) }, func(o outcome) string { return normText(o.got.Vendor) }},
		{"address", func(o outcome) string { return normText(o.want.Address) }, func(o outcome) string { return normText(o.got.Address) }},
	}
	fmt.Printf("%d receipts in %s (%.1fs)\n\n", len(results), *dir, time.Since(start).Seconds())
	var summary []string
	for _, f := range fields {
		hits := 0
		var misses []string
		for _, o := range results {
			want, got := f.want(o), f.got(o)
			if o.err == nil && want == got {
				hits++
				continue
			}
			if o.err != nil {
				got = "error: " + o.err.Error()
			}
			misses = append(misses, fmt.Sprintf("  %s: want %q, got %q", o.name, want, got))
		}
		rate := 100 * float64(hits) / float64(len(results))
		summary = append(summary, fmt.Sprintf("%-8s %5.1f%%  (%d/%d)", f.name, rate, hits, len(results)))
		fmt.Printf("%s misses (%d):\n%s\n\n", f.name, len(misses), strings.Join(misses, "\n"))
	}
	fmt.Println("exact match after normalisation:")
	fmt.Println(strings.Join(summary, "\n"))
}

func run(ex extract.Extractor, dir string, imgs []string, workers int) []outcome {
	out := make([]outcome, len(imgs))
	sem := make(chan struct{}, max(1, workers))
	var wg sync.WaitGroup
	for i, img := range imgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			name := strings.TrimSuffix(filepath.Base(img), ".jpg")
			o := outcome{name: name}
			defer func() { out[i] = o }()
			b, err := os.ReadFile(filepath.Join(dir, "key", name+".json"))
			if err == nil {
				err = json.Unmarshal(b, &o.want)
			}
			if err != nil {
				o.err = fmt.Errorf("key: %w", err)
				return
			}
			doc, err := os.ReadFile(img)
			if err != nil {
				o.err = err
				return
			}
			res, err := ex.Extract(context.Background(), extract.Document{Bytes: doc, ContentType: receipt.Sniff(doc)})
			o.got, o.err = res.Fields, err
		}()
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
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

// normDate reads a key's date (day first, as on these receipts) as ISO.
func normDate(s string) string {
	s = strings.Join(strings.Fields(strings.ToUpper(s)), " ")
	for _, layout := range []string{"02/01/2006", "02-01-2006", "02.01.2006", "02/01/06", "02-01-06", "2006-01-02", "02 Jan 2006", "2 Jan 2006"} {
		// Month names match in any case.
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return s
}
