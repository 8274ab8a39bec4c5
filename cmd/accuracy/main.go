// Command accuracy measures field extraction on labelled receipts: it runs
// the Tesseract extractor over each image of a SROIE-style folder (img/*.jpg
// with key/*.json holding company, date, address and total) and prints the
// per-field exact-match rate after normalising both sides, for the tuning
// and the validation part of the receipts (a fixed split by file name), and
// the tuning part's misses.
//
// With -degrade, each image is first made worse the way another scanner or
// phone might deliver it (lower resolution, heavy JPEG compression, a
// slight rotation, low contrast), to show how much of the accuracy is
// fitted to these very images.
//
//	go run ./cmd/accuracy [-dir ../shared/receipts/sroie] [-lang eng] [-cache .local/ocr-cache] [-degrade scale70]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

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
	name    string
	part    part
	want    key
	got     receipt.Fields
	err     error
	elapsed time.Duration
	text    string
}

func main() {
	dir := flag.String("dir", "../shared/receipts/sroie", "folder with img/ and key/")
	lang := flag.String("lang", "eng", "tesseract languages")
	workers := flag.Int("workers", 2, "receipts read at once")
	psm := flag.String("psm", extract.DefaultPageSegMode, "tesseract page segmentation mode for the first pass")
	cache := flag.String("cache", "", "keep tesseract's output in this folder and reuse it (for iterating on the parser; timings are then meaningless)")
	show := flag.String("misses", "tuning", "which part's misses to print: tuning, validation, all or none")
	only := flag.String("only", "", "comma-separated receipt names to read alone, printing their text and fields")
	degraded := flag.String("degrade", "", "read each image degraded first: "+degradationNames())
	dump := flag.String("dump", "", "write every receipt's fields to this file as JSON lines, to compare two versions receipt by receipt")
	flag.Parse()
	if _, ok := degradations[*degraded]; *degraded != "" && !ok {
		fmt.Fprintf(os.Stderr, "accuracy: unknown -degrade %q (one of %s)\n", *degraded, degradationNames())
		os.Exit(2)
	}

	imgs, _ := filepath.Glob(filepath.Join(*dir, "img", "*.jpg"))
	if *only != "" {
		imgs = nil
		for _, n := range strings.Split(*only, ",") {
			imgs = append(imgs, filepath.Join(*dir, "img", n+".jpg"))
		}
	}
	if len(imgs) == 0 {
		fmt.Fprintf(os.Stderr, "accuracy: no images in %s/img\n", *dir)
		os.Exit(1)
	}
	start := time.Now()
	tess := extract.NewTesseract(*lang)
	tess.PageSegMode = *psm
	if *cache != "" {
		if err := os.MkdirAll(*cache, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "accuracy: %v\n", err)
			os.Exit(1)
		}
		tess.Cache = dirCache(*cache)
	}
	results := run(tess, *dir, imgs, *workers, *degraded)
	if *only != "" {
		for _, o := range results {
			fmt.Printf("== %s (%s)\n%s\n-- want %+v\n-- got %+v\n\n", o.name, o.part, o.text, o.want, o.got)
		}
	}
	if *dump != "" {
		if err := writeDump(*dump, results); err != nil {
			fmt.Fprintf(os.Stderr, "accuracy: %v\n", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d receipts in %s (%.1fs)\n\n", len(results), *dir, time.Since(start).Seconds())
	report(results, *show)
}

// fields are the scored fields: the key's value and ours, both normalised.
var fields = []struct {
	name      string // the key in receipt.Fields.Confidence
	want, got func(outcome) string
}{
	{"total", func(o outcome) string { return normAmount(o.want.Total) }, func(o outcome) string { return o.got.Total }},
	{"date", func(o outcome) string { return normDate(o.want.Date) }, func(o outcome) string { return o.got.Date }},
	{"vendor", func(o outcome) string { return normText(o.want.Company) }, func(o outcome) string { return normText(o.got.Vendor) }},
	{"address", func(o outcome) string { return normText(o.want.Address) }, func(o outcome) string { return normText(o.got.Address) }},
}

func report(results []outcome, show string) {
	var summary []string
	hitConf := map[string][]float64{}
	for _, f := range fields {
		var hits, count [2]int
		var misses []string
		for _, o := range results {
			count[o.part]++
			want, got := f.want(o), f.got(o)
			if o.err == nil && want == got {
				hits[o.part]++
				if o.part == tuning {
					hitConf[f.name] = append(hitConf[f.name], o.got.Confidence[f.name])
				}
				continue
			}
			if o.err != nil {
				got = "error: " + o.err.Error()
			}
			if show == "all" || show == o.part.String() {
				misses = append(misses, fmt.Sprintf("  %s (%s): want %q, got %q (confidence %.2f)", o.name, o.part, want, got, o.got.Confidence[f.name]))
			}
		}
		if show != "none" {
			fmt.Printf("%s misses (%d):\n%s\n\n", f.name, len(misses), strings.Join(misses, "\n"))
			c := hitConf[f.name]
			slices.Sort(c)
			if len(c) > 0 {
				fmt.Printf("%s confidence of the tuning part's hits: lowest %.2f, lower quartile %.2f, median %.2f\n\n", f.name, c[0], c[len(c)/4], c[len(c)/2])
			}
		}
		summary = append(summary, fmt.Sprintf("%-8s %5.1f%% (%d/%d)   %5.1f%% (%d/%d)", f.name,
			rate(hits[tuning], count[tuning]), hits[tuning], count[tuning],
			rate(hits[validation], count[validation]), hits[validation], count[validation]))
	}
	fmt.Println("exact match after normalisation:")
	fmt.Println("field    tuning           validation")
	fmt.Println(strings.Join(summary, "\n"))
	var times []time.Duration
	for _, o := range results {
		times = append(times, o.elapsed)
	}
	slices.Sort(times)
	fmt.Printf("\nextraction time per receipt: median %v, slowest %v\n",
		times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
}

func rate(hits, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(hits) / float64(n)
}

func run(ex extract.Extractor, dir string, imgs []string, workers int, degraded string) []outcome {
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
			o := outcome{name: name, part: partOf(name)}
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
			if err == nil && degraded != "" {
				doc, err = degrade(doc, degraded)
			}
			if err != nil {
				o.err = err
				return
			}
			start := time.Now()
			res, err := ex.Extract(context.Background(), extract.Document{Bytes: doc, ContentType: receipt.Sniff(doc)})
			o.got, o.err, o.elapsed = res.Fields, err, time.Since(start)
			o.text = res.Text
		}()
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// dirCache keeps tesseract's output in files named by their key.
type dirCache string

func (d dirCache) Get(key string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(string(d), key))
	return string(b), err == nil
}

func (d dirCache) Put(key, value string) {
	tmp, err := os.CreateTemp(string(d), "tmp-")
	if err != nil {
		return
	}
	_, err = tmp.WriteString(value)
	if cerr := tmp.Close(); err != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	_ = os.Rename(tmp.Name(), filepath.Join(string(d), key))
}

// writeDump writes one JSON line per receipt: its name, part and fields.
func writeDump(path string, results []outcome) error {
	var b strings.Builder
	for _, o := range results {
		line, err := json.Marshal(struct {
			Name   string
			Part   string
			Fields receipt.Fields
			Err    string `json:",omitempty"`
		}{o.name, o.part.String(), o.got, errText(o.err)})
		if err != nil {
			return fmt.Errorf("dump %s: %w", o.name, err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
