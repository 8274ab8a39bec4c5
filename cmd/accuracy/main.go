// Command accuracy measures field extraction on labelled receipts: it runs
// the Tesseract extractor over each image of every labelled set under a
// folder (a set is a folder with img/ and key/, key/<name>.json holding the
// receipt's company, date, total and, where known, address and currency)
// and prints per-field exact-match rates after normalising both sides, for
// the tuning and the validation part of each set (a fixed split by a hash
// of the file name), and the tuning part's misses on request.
//
// With -degrade, each image is first made worse the way another scanner or
// phone might deliver it (lower resolution, heavy JPEG compression, a
// slight rotation, low contrast, a narrow receipt on a dark scanner bed, a
// small phone photo on a table), to show how much of the accuracy is
// fitted to these very images.
//
//	go run ./cmd/accuracy [-dir ../shared/receipts] [-cache .local/ocr-cache] [-degrade bed,photo]
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
	Company  string `json:"company"`
	Date     string `json:"date"`
	Address  string `json:"address"`
	Total    string `json:"total"`
	Currency string `json:"currency"`
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
	dir := flag.String("dir", "../shared/receipts", "a labelled set (img/ and key/) or a folder of sets")
	lang := flag.String("lang", "", "tesseract languages (default: each receipt's country's, as the service reads it)")
	workers := flag.Int("workers", 2, "receipts read at once")
	psm := flag.String("psm", extract.DefaultPageSegMode, "tesseract page segmentation mode for the first pass")
	cache := flag.String("cache", "", "keep tesseract's output in this folder and reuse it (for iterating on the parser; timings are then meaningless)")
	show := flag.String("misses", "none", "which part's misses to print: tuning, validation, all or none")
	only := flag.String("only", "", "comma-separated receipt names to read alone, printing their text and fields (tuning receipts only)")
	degraded := flag.String("degrade", "", "read each image degraded first, comma-separated, each a run of its own: "+degradationNames())
	dump := flag.String("dump", "", "write every receipt's fields to this file as JSON lines, to compare two versions receipt by receipt")
	partOnly := flag.String("part", "all", "read only this part of each set: tuning, validation or all (a quick look while tuning)")
	flag.Parse()
	if *replayDump != "" {
		if err := replay(os.Stdout, *replayDump, *dir); err != nil {
			fmt.Fprintf(os.Stderr, "accuracy: %v\n", err)
			os.Exit(1)
		}
		return
	}
	variants := []string{""}
	if *degraded != "" {
		variants = strings.Split(*degraded, ",")
	}
	for _, d := range variants {
		if _, ok := degradations[d]; d != "" && !ok {
			fmt.Fprintf(os.Stderr, "accuracy: unknown -degrade %q (one of %s)\n", d, degradationNames())
			os.Exit(2)
		}
	}
	sets, err := findSets(*dir)
	if err != nil || len(sets) == 0 {
		fmt.Fprintf(os.Stderr, "accuracy: no labelled sets in %s (%v)\n", *dir, err)
		os.Exit(1)
	}
	tess := extract.NewTesseract(*lang)
	tess.PageSegMode = *psm
	if *cache != "" {
		if err := os.MkdirAll(*cache, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "accuracy: %v\n", err)
			os.Exit(1)
		}
		tess.Cache = dirCache(*cache)
	}
	var all []outcome
	for _, variant := range variants {
		for _, s := range sets {
			imgs := s.images()
			if *partOnly != "all" {
				imgs = slices.DeleteFunc(imgs, func(p string) bool {
					return partOf(strings.TrimSuffix(filepath.Base(p), ".jpg")).String() != *partOnly
				})
			}
			if *only != "" {
				imgs = s.named(strings.Split(*only, ","))
				if len(imgs) == 0 {
					continue
				}
			}
			start := time.Now()
			results := run(tess, s.dir, imgs, *workers, variant)
			if *only != "" {
				for _, o := range results {
					fmt.Printf("== %s (%s)\n%s\n-- want %+v\n-- got %+v\n\n", o.name, o.part, o.text, o.want, o.got)
				}
			}
			title := s.name
			if variant != "" {
				title += ", degraded: " + variant
			}
			fmt.Printf("== %s: %d receipts (%.1fs)\n\n", title, len(results), time.Since(start).Seconds())
			report(s, results, *show)
			all = append(all, results...)
		}
	}
	if *dump != "" {
		if err := writeDump(*dump, all); err != nil {
			fmt.Fprintf(os.Stderr, "accuracy: %v\n", err)
			os.Exit(1)
		}
	}
}

// set is one folder of labelled receipts and how its labels are scored.
type set struct {
	name, dir string
	// vendorContains: the labels hold a short name that a right vendor
	// contains ("aldi" in "ALDI GmbH & Co. KG"), not the whole name.
	vendorContains bool
}

// vendorByName are the sets whose labels name the vendor in short.
var vendorByName = map[string]bool{"de": true}

// findSets returns dir itself when it is a set, else its sub-folders that
// are.
func findSets(dir string) ([]set, error) {
	isSet := func(d string) bool {
		img, err1 := os.Stat(filepath.Join(d, "img"))
		k, err2 := os.Stat(filepath.Join(d, "key"))
		return err1 == nil && err2 == nil && img.IsDir() && k.IsDir()
	}
	if isSet(dir) {
		n := filepath.Base(filepath.Clean(dir))
		return []set{{name: n, dir: dir, vendorContains: vendorByName[n]}}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []set
	for _, e := range entries {
		d := filepath.Join(dir, e.Name())
		if e.IsDir() && isSet(d) {
			out = append(out, set{name: e.Name(), dir: d, vendorContains: vendorByName[e.Name()]})
		}
	}
	return out, nil
}

func (s set) images() []string {
	imgs, _ := filepath.Glob(filepath.Join(s.dir, "img", "*.jpg"))
	return imgs
}

// named returns the images of the named receipts of the tuning part: the
// validation part's receipts are never read one by one.
func (s set) named(names []string) []string {
	var out []string
	for _, n := range names {
		p := filepath.Join(s.dir, "img", n+".jpg")
		if _, err := os.Stat(p); err == nil && partOf(n) == tuning {
			out = append(out, p)
		}
	}
	return out
}

// field is one scored field: the key's value and ours, both normalised;
// want is empty when the set does not label the field.
type field struct {
	name      string // the key in receipt.Fields.Confidence
	want, got func(outcome) string
}

// fields returns the fields a set is scored on.
func (s set) fields() []field {
	vendor := field{"vendor", func(o outcome) string { return normText(o.want.Company) }, func(o outcome) string { return normText(o.got.Vendor) }}
	if s.vendorContains {
		vendor.got = func(o outcome) string {
			if w := normText(o.want.Company); w != "" && strings.Contains(normText(o.got.Vendor), w) {
				return w
			}
			return normText(o.got.Vendor)
		}
	}
	return []field{
		{"total", func(o outcome) string { return normAmount(o.want.Total) }, func(o outcome) string { return o.got.Total }},
		{"date", func(o outcome) string { return normDate(o.want.Date) }, func(o outcome) string { return o.got.Date }},
		vendor,
		{"address", func(o outcome) string { return normText(o.want.Address) }, func(o outcome) string { return normText(o.got.Address) }},
		{"currency", func(o outcome) string { return strings.ToUpper(o.want.Currency) }, func(o outcome) string { return o.got.Currency }},
	}
}

func report(s set, results []outcome, show string) {
	var summary []string
	for _, f := range s.fields() {
		var hits, count [2]int
		var misses []string
		for _, o := range results {
			want, got := f.want(o), f.got(o)
			if want == "" {
				continue // not labelled in this set
			}
			count[o.part]++
			if o.err == nil && want == got {
				hits[o.part]++
				continue
			}
			if o.err != nil {
				got = "error: " + o.err.Error()
			}
			if show == "all" || show == o.part.String() {
				misses = append(misses, fmt.Sprintf("  %s (%s): want %q, got %q (confidence %.2f)", o.name, o.part, want, got, o.got.Confidence[f.name]))
			}
		}
		if count[tuning]+count[validation] == 0 {
			continue
		}
		if show != "none" && len(misses) > 0 {
			fmt.Printf("%s misses (%d):\n%s\n\n", f.name, len(misses), strings.Join(misses, "\n"))
		}
		summary = append(summary, fmt.Sprintf("%-8s %5.1f%% (%d/%d)   %5.1f%% (%d/%d)", f.name,
			rate(hits[tuning], count[tuning]), hits[tuning], count[tuning],
			rate(hits[validation], count[validation]), hits[validation], count[validation]))
	}
	failed := 0
	var times []time.Duration
	slowest := results[0]
	for _, o := range results {
		times = append(times, o.elapsed)
		if o.err != nil {
			failed++
		}
		if o.elapsed > slowest.elapsed {
			slowest = o
		}
	}
	fmt.Println("exact match after normalisation:")
	fmt.Println("field    tuning           validation")
	fmt.Println(strings.Join(summary, "\n"))
	slices.Sort(times)
	fmt.Printf("\nextraction failed: %d; time per receipt: median %v, slowest %v (%s)\n\n",
		failed, times[len(times)/2].Round(time.Millisecond), slowest.elapsed.Round(time.Millisecond), slowest.name)
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
				doc, err = degrade(doc, degraded, name)
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

// writeDump writes one JSON line per receipt: its name, part, fields and
// labels, and the tuning part's text.
func writeDump(path string, results []outcome) error {
	var b strings.Builder
	for _, o := range results {
		// The text of the tuning part only: the validation part's misses
		// are never read.
		text := ""
		if o.part == tuning {
			text = o.text
		}
		line, err := json.Marshal(struct {
			Name   string
			Part   string
			Fields receipt.Fields
			Want   key
			Text   string `json:",omitempty"`
			Err    string `json:",omitempty"`
		}{o.name, o.part.String(), o.got, o.want, text, errText(o.err)})
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
