//go:build !integration

package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of the receipts
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
)

func receipts(b *testing.B, n int) [][]byte {
	imgs, _ := filepath.Glob(filepath.Join(testenv.Root(b), "..", "shared", "receipts", "sroie", "img", "*.jpg"))
	if len(imgs) == 0 {
		b.Fatal("no receipts in ../shared/receipts/sroie/img")
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		data, err := os.ReadFile(imgs[i%len(imgs)])
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// bareTesseract is the baseline: the tesseract CLI alone, with the same
// settings our first pass uses (one OpenMP thread, 300 DPI, --psm).
func bareTesseract(b *testing.B, img []byte) {
	cmd := exec.Command("tesseract", "stdin", "stdout", "-l", "eng", "--dpi", "300", "--psm", extract.DefaultPageSegMode)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.Stdin = bytes.NewReader(img)
	if err := cmd.Run(); err != nil {
		b.Fatalf("tesseract: %v", err)
	}
}

// BenchmarkExtractPeakMemory reads the largest scan of the set (a 600 DPI
// A4 page) and reports the peak memory: of this process, which decodes and
// prepares the image, and of the largest child (tesseract; an upper bound,
// as Linux counts in a child's peak what it shared with this process
// before it ran tesseract). It runs before
// BenchmarkExtract, whose bare tesseract on the full scan would otherwise
// be the largest child.
func BenchmarkExtractPeakMemory(b *testing.B) {
	if childPeak(b) > 0 {
		b.Fatal("a child process ran before: its peak would be reported as ours; run this benchmark first")
	}
	img := largestScan(b)
	tess := extract.NewTesseract("eng")
	for b.Loop() {
		if _, err := tess.Extract(context.Background(), extract.Document{Bytes: img, ContentType: receipt.JPEG}); err != nil {
			b.Fatal(err)
		}
	}
	self := selfPeak(b)
	child := childPeak(b)
	b.ReportMetric(self, "process-peak-MB")
	b.ReportMetric(child, "child-peak-MB")
	fmt.Printf("peak memory on the largest scan: process %.0f MB, tesseract at most %.0f MB\n", self, child)
}

// largestScan returns the receipt with the most pixels.
func largestScan(b *testing.B) []byte {
	imgs, _ := filepath.Glob(filepath.Join(testenv.Root(b), "..", "shared", "receipts", "sroie", "img", "*.jpg"))
	var best []byte
	most := 0
	for _, p := range imgs {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err == nil && cfg.Width*cfg.Height > most {
			best, most = data, cfg.Width*cfg.Height
		}
	}
	if best == nil {
		b.Fatal("no readable receipts in ../shared/receipts/sroie/img")
	}
	return best
}

func selfPeak(b *testing.B) float64  { return maxRSS(b, syscall.RUSAGE_SELF) }
func childPeak(b *testing.B) float64 { return maxRSS(b, syscall.RUSAGE_CHILDREN) }

// maxRSS returns a peak resident set size in MB (Linux reports KB).
func maxRSS(b *testing.B, who int) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Maxrss) / 1024
}

// BenchmarkExtract compares reading one receipt through our extractor (OCR,
// the second looks where needed, field parsing) with the bare CLI, receipt
// by receipt, alternating. The ratio that counts is the medians'.
func BenchmarkExtract(b *testing.B) {
	imgs := receipts(b, 42)
	tess := extract.NewTesseract("eng")
	var ours, base []time.Duration
	n := 0
	for b.Loop() {
		img := imgs[n%len(imgs)]
		n++
		start := time.Now()
		if _, err := tess.Extract(context.Background(), extract.Document{Bytes: img, ContentType: receipt.JPEG}); err != nil {
			b.Fatal(err)
		}
		ours = append(ours, time.Since(start))
		start = time.Now()
		bareTesseract(b, img)
		base = append(base, time.Since(start))
	}
	report(b, "extraction per receipt (median)", "ms", percentile(ours, 0.5), percentile(base, 0.5))
	var sumOurs, sumBase time.Duration
	for i := range ours {
		sumOurs += ours[i]
		sumBase += base[i]
	}
	fmt.Printf("extraction per receipt (mean): %.0fms vs %.0fms = %.2fx\n",
		ms(sumOurs)/float64(n), ms(sumBase)/float64(n), float64(sumOurs)/float64(sumBase))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkThroughput uploads a batch of receipts to the local stack and
// times until the stream-driven processor has finished all of them, against
// the bare CLI reading the same images as many at a time as the stack
// extracts (one per core), and against our extractor called directly, as
// many at a time: the pipeline's own cost.
func BenchmarkThroughput(b *testing.B) {
	st := startStack(b)
	imgs := receipts(b, 20)
	cores := runtime.NumCPU()
	tess := extract.NewTesseract("eng")
	bare := func(img []byte) { bareTesseract(b, img) }
	direct := func(img []byte) {
		if _, err := tess.Extract(context.Background(), extract.Document{Bytes: img, ContentType: receipt.JPEG}); err != nil {
			b.Fatal(err)
		}
	}
	for run := 0; b.Loop(); run++ {
		// Each run (of each -count) is another tenant's: the same files uploaded again by
		// one tenant are duplicates, copied rather than read.
		key := benchKey(b, st, fmt.Sprintf("bench%d-%d", time.Now().UnixNano(), run))
		// The baselines run on both sides of the pipeline's run and their
		// means count, so a machine whose load drifts weighs on both alike.
		base := atOnce(imgs, cores, bare)
		inProcess := atOnce(imgs, cores, direct)
		start := time.Now()
		ids := make([]string, len(imgs))
		for i, img := range imgs {
			ids[i] = benchUpload(b, st.APIURL, key, img)
		}
		for _, id := range ids {
			benchWait(b, st.APIURL, key, id)
		}
		ours := time.Since(start)
		inProcess += atOnce(imgs, cores, direct)
		base += atOnce(imgs, cores, bare)

		n := float64(len(imgs))
		reportAs(b, "cli", fmt.Sprintf("processing time per receipt, %d receipts, %d at once, vs the bare CLI", len(imgs), cores), "ms", ms(ours)/n, ms(base)/2/n)
		reportAs(b, "direct", fmt.Sprintf("processing time per receipt, %d receipts, %d at once, vs our extractor called directly", len(imgs), cores), "ms", ms(ours)/n, ms(inProcess)/2/n)
	}
}

// atOnce runs f on every image, n at a time, and returns how long it took.
func atOnce(imgs [][]byte, n int, f func([]byte)) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, n)
	for _, img := range imgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() { defer wg.Done(); f(img); <-sem }()
	}
	wg.Wait()
	return time.Since(start)
}

func benchUpload(b *testing.B, base, key string, img []byte) string {
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, _ := mw.CreateFormFile("file", "r.jpg")
	_, _ = w.Write(img)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", base+"/receipt", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var id string
	if err := json.NewDecoder(resp.Body).Decode(&id); err != nil {
		b.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return id
}

// benchWaitLimit bounds the wait for one receipt of a batch: far more than
// a batch of them takes on two cores, so only a pipeline that lost a
// receipt reaches it.
const benchWaitLimit = 5 * time.Minute

// benchWait polls the receipt until it is no longer processing, and fails
// the benchmark unless it completed: a failed receipt would be measured as
// a quick one.
func benchWait(b *testing.B, base, key, id string) {
	b.Helper()
	start := time.Now()
	for {
		req, _ := http.NewRequest("GET", base+"/receipt/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var body struct {
			Status string `json:"status"`
			Error  string `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET receipt %s: %d %v", id, resp.StatusCode, err)
		}
		if body.Status != "PROCESSING" {
			if body.Status != "COMPLETED" {
				b.Fatalf("receipt %s ended %s (%s), want COMPLETED", id, body.Status, body.Error)
			}
			return
		}
		if waited := time.Since(start); waited > benchWaitLimit {
			b.Fatalf("receipt %s still PROCESSING after %s: the local stack never finished it", id, waited.Round(time.Second))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
