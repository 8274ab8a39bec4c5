// Package uploads finishes presigned uploads: when a file lands in the
// bucket, S3 notifies the function, which checks the file and hands the
// receipt to processing, or fails it.
package uploads

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/receipt"
)

// Receipts moves receipts out of UPLOADING.
type Receipts interface {
	Get(ctx context.Context, tenant, id string) (*receipt.Receipt, error)
	Uploaded(ctx context.Context, tenant, id string, size int64, sha256 string, now time.Time) error
	FailUpload(ctx context.Context, tenant, id, reason string, now time.Time) error
}

// Files reads and removes uploaded files.
type Files interface {
	Size(ctx context.Context, key string) (int64, error)
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// Handler handles S3 ObjectCreated notifications for uploads/.
type Handler struct {
	receipts Receipts
	files    Files
	log      *slog.Logger
	now      func() time.Time
	// MaxPixels is the most pixels an uploaded image may declare.
	MaxPixels int64
}

// New returns a Handler.
func New(receipts Receipts, files Files, log *slog.Logger) *Handler {
	return &Handler{receipts: receipts, files: files, log: log, now: time.Now, MaxPixels: limits.DefaultImagePixels}
}

// Handle checks each uploaded file. An error makes Lambda retry the event
// (S3 invokes asynchronously); a refused file is not an error.
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, rec := range ev.Records {
		// Keys arrive URL-encoded in S3 notifications.
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			key = rec.S3.Object.Key
		}
		if err := h.object(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (h *Handler) object(ctx context.Context, key string) error {
	tenant, id, ok := receipt.ParseUploadKey(key)
	if !ok {
		h.log.WarnContext(ctx, "object outside the upload layout", "key", key)
		return nil
	}
	rc, err := h.receipts.Get(ctx, tenant, id)
	if errors.Is(err, receipt.ErrNotFound) {
		// Deleted, or never created: the file has no receipt to feed.
		return h.files.Delete(ctx, key)
	}
	if err != nil {
		return err
	}
	if rc.Status != receipt.Uploading || rc.FileKey != key {
		return nil // a repeated notification
	}
	reason, size, sum, err := h.check(ctx, rc)
	if err != nil {
		return err
	}
	if reason != "" {
		h.log.InfoContext(ctx, "upload refused", "tenant", tenant, "id", id, "reason", reason)
		if err := h.files.Delete(ctx, key); err != nil {
			return err
		}
		return ignoreConflict(h.receipts.FailUpload(ctx, tenant, id, reason, h.now()))
	}
	return ignoreConflict(h.receipts.Uploaded(ctx, tenant, id, size, sum, h.now()))
}

// check reads the uploaded file and says what is wrong with it, if anything:
// the same rules as a direct upload, and the type and size it was
// announced with.
func (h *Handler) check(ctx context.Context, rc *receipt.Receipt) (reason string, size int64, sum string, err error) {
	size, err = h.files.Size(ctx, rc.FileKey)
	if err != nil {
		return "", 0, "", err
	}
	if size > receipt.MaxDocumentBytes {
		return fmt.Sprintf("file of %d bytes is over the %d byte limit", size, receipt.MaxDocumentBytes), 0, "", nil
	}
	data, err := h.files.Get(ctx, rc.FileKey)
	if err != nil {
		return "", 0, "", err
	}
	if got := receipt.Sniff(data); got != rc.ContentType {
		return fmt.Sprintf("file is %q, announced as %q", got, rc.ContentType), 0, "", nil
	}
	if !receipt.Wellformed(data, rc.ContentType) {
		return "file is truncated or malformed", 0, "", nil
	}
	if err := receipt.CheckPixels(data, rc.ContentType, h.MaxPixels); err != nil {
		return err.Error(), 0, "", nil
	}
	s := sha256.Sum256(data)
	return "", int64(len(data)), hex.EncodeToString(s[:]), nil
}

func ignoreConflict(err error) error {
	if errors.Is(err, receipt.ErrConflict) {
		return nil
	}
	return err
}
