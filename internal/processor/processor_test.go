//go:build !integration

package processor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/extract"
	"github.com/receipts-api/receipts/internal/fake"
	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/processor"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/workqueue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// extractor answers with text, or err; wait makes it run until its
// context ends. calls counts extractions.
type extractor struct {
	mu    sync.Mutex
	calls int
	text  string
	err   error
	wait  bool
	// fields are what it reads (a total of 9.00 when nil); countries the
	// hint each extraction was given.
	fields    *receipt.Fields
	countries []string
}

func (e *extractor) Extract(ctx context.Context, d extract.Document) (extract.Result, error) {
	e.mu.Lock()
	e.calls++
	e.countries = append(e.countries, d.Country)
	f := receipt.Fields{Total: "9.00"}
	if e.fields != nil {
		f = *e.fields
	}
	e.mu.Unlock()
	if e.wait {
		<-ctx.Done()
		return extract.Result{}, fmt.Errorf("tesseract: %w", ctx.Err())
	}
	return extract.Result{Text: e.text, Fields: f}, e.err
}

const tenant = "t1"

// docOf is the document of receipt id: each its own file, so none is
// another's duplicate unless a test makes it so.
func docOf(id string) []byte { return []byte("%PDF-1.4 receipt " + id + " %%EOF") }

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fixture is a store with one receipt per id, processing, and its file.
type fixture struct {
	receipts *fake.Store
	files    *fake.Files
	ex       *extractor
	p        *processor.Processor
}

func newFixture(ids ...string) *fixture {
	f := &fixture{receipts: fake.NewStore(), files: fake.NewFiles(), ex: &extractor{text: "TOTAL 9.00"}}
	for _, id := range ids {
		if err := f.receipts.Create(context.Background(), &receipt.Receipt{ID: id, Tenant: tenant, Status: receipt.Processing, FileKey: receipt.FileKey(tenant, id),
			ContentType: receipt.PDF, Size: int64(len(docOf(id))), SHA256: sum(docOf(id))}); err != nil {
			panic(err)
		}
		f.putFile(receipt.FileKey(tenant, id), docOf(id))
	}
	f.over(f.receipts, f.files)
	return f
}

// over makes the fixture's processor work over the given stores, as
// newFixture's does over its own.
func (f *fixture) over(rs processor.Receipts, fs processor.Files) {
	f.p = processor.New(rs, fs, "bucket", f.ex, testLimits(100, 200), quiet)
}

// get returns the receipt as the store holds it now.
func (f *fixture) get(id string) *receipt.Receipt {
	rc, err := f.receipts.Get(context.Background(), tenant, id)
	if err != nil {
		panic(err)
	}
	return rc
}

// update changes the stored receipt, as a test's setup.
func (f *fixture) update(id string, change func(*receipt.Receipt)) {
	f.receipts.Update(tenant, id, change)
}

// putFile puts bytes in the bucket, as a test's setup.
func (f *fixture) putFile(key string, b []byte) {
	if err := f.files.Put(context.Background(), key, b, receipt.PDF); err != nil {
		panic(err)
	}
}

// failingComplete is a store whose Complete fails with err.
type failingComplete struct {
	*fake.Store
	err error
}

func (s failingComplete) Complete(context.Context, string, string, receipt.Result, time.Time) error {
	return s.err
}

// testLimits are the default limits with a second per document and the
// given text limits.
func testLimits(inline, details int) limits.Limits {
	l := limits.Default()
	l.DocTime, l.InlineDetails, l.Details = time.Second, inline, details
	return l
}

func job(id string) workqueue.Job {
	return workqueue.Job{Tenant: tenant, ID: id, FileKey: receipt.FileKey(tenant, id), ContentType: receipt.PDF, Size: int64(len(docOf(id))), SHA256: sum(docOf(id))}
}

func id(n int) string { return fmt.Sprintf("0193c1de-7c2a-7b1e-9a3b-%012d", n) }

func TestProcess(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(f *fixture)
		job         func(j workqueue.Job) workqueue.Job
		wantErr     bool
		wantStatus  receipt.Status
		wantReason  string // part of the stored reason
		wantExtract int
	}{
		{name: "completes", wantStatus: receipt.Completed, wantExtract: 1},
		{name: "a finished receipt is not extracted again",
			setup:      func(f *fixture) { f.update(id(1), func(rc *receipt.Receipt) { rc.Status = receipt.Completed }) },
			wantStatus: receipt.Completed},
		{name: "a deleted receipt is not extracted",
			setup: func(f *fixture) { _ = f.receipts.Delete(context.Background(), tenant, id(1)) }},
		{name: "bytes other than the validated ones fail it",
			setup:      func(f *fixture) { f.putFile(receipt.FileKey(tenant, id(1)), []byte("%PDF-1.4 swapped!! %%EOF")) },
			wantStatus: receipt.Failed, wantReason: "is not the file validated at upload"},
		{name: "a size other than the validated one fails it",
			job:        func(j workqueue.Job) workqueue.Job { j.Size++; return j },
			wantStatus: receipt.Failed, wantReason: "is not the file validated at upload"},
		{name: "a missing file fails it",
			setup:      func(f *fixture) { _ = f.files.Delete(context.Background(), receipt.FileKey(tenant, id(1))) },
			wantStatus: receipt.Failed, wantReason: "stored file is missing"},
		{name: "a file that can't be read now is retried",
			setup: func(f *fixture) {
				f.over(f.receipts, &flakyFiles{Files: f.files, failKey: receipt.FileKey(tenant, id(1))})
			},
			wantErr: true, wantStatus: receipt.Processing},
		{name: "an unreadable document fails it",
			setup:      func(f *fixture) { f.ex.err = fmt.Errorf("pdftoppm: %w", extract.ErrUnreadable) },
			wantStatus: receipt.Failed, wantReason: "document unreadable", wantExtract: 1},
		{name: "a document over a limit fails it",
			setup:      func(f *fixture) { f.ex.err = fmt.Errorf("40 pages: %w", extract.ErrOverLimit) },
			wantStatus: receipt.Failed, wantReason: "over a limit", wantExtract: 1},
		{name: "an engine error that may pass is retried",
			setup:   func(f *fixture) { f.ex.err = errors.New("textract throttled") },
			wantErr: true, wantStatus: receipt.Processing, wantExtract: 1},
		{name: "a document past its time budget fails it, not retried",
			setup:      func(f *fixture) { f.ex.wait = true },
			wantStatus: receipt.Failed, wantReason: "DOC_TIME_LIMIT", wantExtract: 1},
		{name: "a result too large for the table fails it",
			setup: func(f *fixture) {
				f.over(failingComplete{f.receipts, fmt.Errorf("update: %w", receipt.ErrTooLarge)}, f.files)
			},
			wantStatus: receipt.Failed, wantReason: "result too large to store", wantExtract: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(id(1))
			if tt.setup != nil {
				tt.setup(f)
			}
			j := job(id(1))
			if tt.job != nil {
				j = tt.job(j)
			}
			start := time.Now()
			err := f.p.Process(context.Background(), j)
			if (err != nil) != tt.wantErr {
				t.Errorf("Process = %v, want error %v", err, tt.wantErr)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Process took %s", took)
			}
			if f.ex.calls != tt.wantExtract {
				t.Errorf("extracted %d times, want %d", f.ex.calls, tt.wantExtract)
			}
			rc, err := f.receipts.Get(context.Background(), tenant, id(1))
			if tt.wantStatus == "" {
				if err == nil {
					t.Errorf("receipt %v, want none", rc.Status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rc.Status != tt.wantStatus || !strings.Contains(rc.Error, tt.wantReason) {
				t.Errorf("receipt %s %q, want %s with a reason holding %q", rc.Status, rc.Error, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

func TestLongTextGoesBesideTheFile(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		deleted  bool // the receipt is deleted while it is extracted
		wantKey  bool
		wantText string // what is kept, if not all of text
	}{
		{name: "short text stays in the item", text: strings.Repeat("a", 100)},
		{name: "long text goes to S3", text: strings.Repeat("a", 101), wantKey: true},
		{name: "long text of a receipt deleted meanwhile is removed", text: strings.Repeat("a", 101), deleted: true},
		// 199 bytes of "a", then "é" (2 bytes) across the limit of 200.
		{name: "text over the limit is cut at a character", text: strings.Repeat("a", 199) + "éz", wantKey: true, wantText: strings.Repeat("a", 199)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(id(1))
			f.ex.text = tt.text
			if tt.deleted {
				f.over(deletingStore{f.receipts}, f.files)
			}
			if err := f.p.Process(context.Background(), job(id(1))); err != nil {
				t.Fatal(err)
			}
			key := receipt.DetailsKey(tenant, id(1))
			text, err := f.files.Get(context.Background(), key)
			stored := err == nil
			if stored != tt.wantKey {
				t.Errorf("text at %s: %v, want %v", key, stored, tt.wantKey)
			}
			want := tt.text
			if tt.wantText != "" {
				want = tt.wantText
			}
			if stored && string(text) != want {
				t.Errorf("stored %d bytes, want %d", len(text), len(want))
			}
			if tt.deleted {
				return
			}
			rc, _ := f.receipts.Get(context.Background(), tenant, id(1))
			if tt.wantKey && (rc.DetailsKey != key || rc.Details != "") {
				t.Errorf("receipt details %q key %q, want key %q", rc.Details, rc.DetailsKey, key)
			}
			if rc.DetailsTruncated != (tt.wantText != "") {
				t.Errorf("truncated %v, want %v", rc.DetailsTruncated, tt.wantText != "")
			}
			if !tt.wantKey && (rc.Details != tt.text || rc.DetailsKey != "") {
				t.Errorf("receipt details %d bytes key %q, want the text inline", len(rc.Details), rc.DetailsKey)
			}
		})
	}
}

// deletingStore deletes the receipt as its result is written, as a DELETE
// racing the processor would.
type deletingStore struct{ *fake.Store }

func (d deletingStore) Complete(ctx context.Context, tenant, id string, _ receipt.Result, _ time.Time) error {
	if err := d.Delete(ctx, tenant, id); err != nil {
		return err
	}
	return fmt.Errorf("finish receipt %s: %w", id, receipt.ErrConflict)
}

func sqsEvent(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: b})
	}
	return ev
}

func TestHandleReportsOnlyWhatMayPass(t *testing.T) {
	f := newFixture(id(1), id(2), id(3))
	// id(2)'s file was swapped: it fails for good. id(3)'s can't be read
	// for now: only it is retried. Bad messages are dropped.
	f.putFile(receipt.FileKey(tenant, id(2)), []byte("other bytes"))
	flaky := &flakyFiles{Files: f.files, failKey: receipt.FileKey(tenant, id(3))}
	p := processor.New(f.receipts, flaky, "bucket", f.ex, testLimits(1000, 0), quiet)
	retries := &fake.Retrier{}
	p.Retry = retries
	ev := sqsEvent(job(id(1)).Body(), job(id(2)).Body(), job(id(3)).Body(), "not json", `{"tenant":"t1"}`)
	resp, err := p.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	if want := []string{"m2"}; !slices.Equal(got, want) {
		t.Errorf("batch item failures %v, want %v", got, want)
	}
	if want := []string{"m2"}; !slices.Equal(retries.IDs(), want) {
		t.Errorf("messages hidden for their back-off %v, want %v", retries.IDs(), want)
	}
	for n, want := range map[int]receipt.Status{1: receipt.Completed, 2: receipt.Failed, 3: receipt.Processing} {
		if rc, _ := f.receipts.Get(context.Background(), tenant, id(n)); rc.Status != want {
			t.Errorf("receipt %d %s, want %s", n, rc.Status, want)
		}
	}
}

// flakyFiles can't read failKey for now.
type flakyFiles struct {
	*fake.Files
	failKey string
}

func (f *flakyFiles) Get(ctx context.Context, key string) ([]byte, error) {
	if key == f.failKey {
		return nil, errors.New("slow down")
	}
	return f.Files.Get(ctx, key)
}
