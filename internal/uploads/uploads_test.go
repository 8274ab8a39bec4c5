package uploads_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/uploads"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// swapped is other bytes of the same size: what a second PUT to the URL
// would try to put in the checked file's place.
var swapped = bytes.Repeat([]byte{'x'}, len(pngBytes))

// objects is what the tests need of the bucket: what the handler uses,
// and a way to put files where a presigned URL would.
type objects interface {
	uploads.Files
	Put(ctx context.Context, key string, body []byte, contentType string) error
}

// swapBeforeCopy puts other bytes at the upload's key just before the
// copy, as a second PUT landing between the check and the copy would, and
// copies as a store does that ignores the copy's ETag condition.
type swapBeforeCopy struct{ objects }

func (f swapBeforeCopy) Copy(ctx context.Context, src, dst, _ string) error {
	if err := f.Put(ctx, src, swapped, receipt.PNG); err != nil {
		return err
	}
	b, err := f.Get(ctx, src)
	if err != nil {
		return err
	}
	return f.Put(ctx, dst, b, receipt.PNG)
}

// etagMismatch refuses the copy as S3 does when the source's ETag changed.
type etagMismatch struct{ objects }

func (etagMismatch) Copy(context.Context, string, string, string) error {
	return fmt.Errorf("copy: %w", receipt.ErrConflict)
}

// env holds the stores a Handler works on. newEnv builds it: in memory for
// the unit tests (env_unit_test.go), DynamoDB Local and the in-process S3
// with the integration tag (env_integration_test.go).
type env struct {
	receipts receipts
	files    objects
	tenant   string
}

// receipts is what the tests need of the table: what the handler uses,
// and a way to create the receipt an upload is for.
type receipts interface {
	uploads.Receipts
	Create(ctx context.Context, r *receipt.Receipt) error
}

// waiting creates a receipt waiting for its presigned upload, and puts
// data where the URL would.
func (e *env) waiting(t *testing.T, data []byte) *receipt.Receipt {
	t.Helper()
	id, err := receipt.NewID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rc := &receipt.Receipt{
		ID: id, Tenant: e.tenant, Status: receipt.Uploading, Filename: "r.png",
		FileKey: receipt.UploadKey(e.tenant, id), ContentType: receipt.PNG, Size: int64(len(data)),
		CreatedAt: now, UpdatedAt: now, UploadExpiresAt: now.Add(15 * time.Minute),
	}
	if err := e.receipts.Create(context.Background(), rc); err != nil {
		t.Fatal(err)
	}
	if err := e.files.Put(context.Background(), rc.FileKey, data, receipt.PNG); err != nil {
		t.Fatal(err)
	}
	return rc
}

func landed(key string) events.S3Event {
	return events.S3Event{Records: []events.S3EventRecord{{S3: events.S3Entity{
		Bucket: events.S3Bucket{Name: "receipts"}, Object: events.S3Object{Key: url.QueryEscape(key)},
	}}}}
}

func (e *env) get(t *testing.T, id string) *receipt.Receipt {
	t.Helper()
	rc, err := e.receipts.Get(context.Background(), e.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// object returns the bytes at key, or nil when there are none.
func (e *env) object(t *testing.T, key string) []byte {
	t.Helper()
	b, err := e.files.Get(context.Background(), key)
	if errors.Is(err, receipt.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestCheckedFileIsWhatIsKept(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := uploads.New(e.receipts, e.files, slog.New(slog.DiscardHandler))
	rc := e.waiting(t, pngBytes)
	uploadKey, fileKey := rc.FileKey, receipt.FileKey(e.tenant, rc.ID)

	if err := h.Handle(ctx, landed(uploadKey)); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	got := e.get(t, rc.ID)
	if got.Status != receipt.Processing || got.FileKey != fileKey || got.Size != int64(len(pngBytes)) || got.SHA256 != sha(pngBytes) {
		t.Fatalf("after the upload: status %s, file %s, size %d, sha256 %s; want PROCESSING, %s, %d, %s",
			got.Status, got.FileKey, got.Size, got.SHA256, fileKey, len(pngBytes), sha(pngBytes))
	}
	if b := e.object(t, fileKey); !bytes.Equal(b, pngBytes) {
		t.Errorf("kept file = %q, want the checked PNG", b)
	}
	if b := e.object(t, uploadKey); b != nil {
		t.Errorf("upload still there after it was kept")
	}

	// A second PUT to the URL, and its notification, change nothing.
	if err := e.files.Put(ctx, uploadKey, swapped, receipt.PNG); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := h.Handle(ctx, landed(uploadKey)); err != nil {
			t.Fatalf("Handle of the second PUT: %v", err)
		}
	}
	if again := e.get(t, rc.ID); !reflect.DeepEqual(again, got) {
		t.Errorf("receipt changed by a second PUT: %+v, was %+v", again, got)
	}
	if b := e.object(t, fileKey); !bytes.Equal(b, pngBytes) {
		t.Errorf("kept file changed by a second PUT: %q", b)
	}
	if b := e.object(t, uploadKey); b != nil {
		t.Errorf("second PUT's object left in uploads/")
	}
}

// TestSwapDuringCheck replaces the upload between its check and its copy:
// nothing is handed to processing, no copy is left, and the retry checks
// the file as it now is (here: not a PNG, so FAILED).
func TestSwapDuringCheck(t *testing.T) {
	tests := []struct {
		name  string
		files func(objects) uploads.Files
	}{
		{"store ignores the copy's ETag condition", func(f objects) uploads.Files { return swapBeforeCopy{f} }},
		{"store refuses the copy", func(f objects) uploads.Files { return etagMismatch{f} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			rc := e.waiting(t, pngBytes)
			fileKey := receipt.FileKey(e.tenant, rc.ID)
			h := uploads.New(e.receipts, tt.files(e.files), slog.New(slog.DiscardHandler))
			if err := h.Handle(ctx, landed(rc.FileKey)); err == nil {
				t.Fatal("Handle succeeded though the upload changed after its check")
			}
			if got := e.get(t, rc.ID); got.Status != receipt.Uploading || got.SHA256 != "" {
				t.Errorf("after a swap: status %s, sha256 %q; want UPLOADING, none", got.Status, got.SHA256)
			}
			if b := e.object(t, fileKey); b != nil {
				t.Errorf("a copy of unchecked bytes is left at %s: %q", fileKey, b)
			}
			if err := e.files.Put(ctx, rc.FileKey, swapped, receipt.PNG); err != nil {
				t.Fatal(err)
			}
			retry := uploads.New(e.receipts, e.files, slog.New(slog.DiscardHandler))
			if err := retry.Handle(ctx, landed(rc.FileKey)); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got := e.get(t, rc.ID); got.Status != receipt.Failed {
				t.Errorf("retry of a swapped-in text file: status %s, want FAILED", got.Status)
			}
			if e.object(t, fileKey) != nil || e.object(t, rc.FileKey) != nil {
				t.Errorf("files left after the refused retry")
			}
		})
	}
}

func TestRefusedAndOrphanedUploads(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := uploads.New(e.receipts, e.files, slog.New(slog.DiscardHandler))

	t.Run("not the announced type", func(t *testing.T) {
		rc := e.waiting(t, []byte("hello"))
		if err := h.Handle(ctx, landed(rc.FileKey)); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, rc.ID); got.Status != receipt.Failed {
			t.Errorf("status %s, want FAILED", got.Status)
		}
		if e.object(t, rc.FileKey) != nil || e.object(t, receipt.FileKey(e.tenant, rc.ID)) != nil {
			t.Errorf("a refused file is kept")
		}
	})
	t.Run("no receipt", func(t *testing.T) {
		id, _ := receipt.NewID()
		key := receipt.UploadKey(e.tenant, id)
		if err := e.files.Put(ctx, key, pngBytes, receipt.PNG); err != nil {
			t.Fatal(err)
		}
		if err := h.Handle(ctx, landed(key)); err != nil {
			t.Fatal(err)
		}
		if e.object(t, key) != nil || e.object(t, receipt.FileKey(e.tenant, id)) != nil {
			t.Errorf("a file without a receipt is kept")
		}
	})
}
