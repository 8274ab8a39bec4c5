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
	Uploaded(ctx context.Context, tenant, id, fileKey string, size int64, sha256 string, now time.Time) error
	FailUpload(ctx context.Context, tenant, id, reason string, now time.Time) error
}

// Files reads, copies and removes uploaded files.
type Files interface {
	Size(ctx context.Context, key string) (int64, error)
	Get(ctx context.Context, key string) ([]byte, error)
	GetTagged(ctx context.Context, key string) ([]byte, string, error)
	Copy(ctx context.Context, src, dst, etag string) error
	Delete(ctx context.Context, key string) error
}

// errChanged is an upload that changed between its check and its copy.
var errChanged = errors.New("upload changed after it was checked")

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
			h.log.ErrorContext(ctx, "upload not finished", "key", key, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// object finishes one upload. The file is checked, then copied to the
// receipt's own key, and only that copy, whose bytes are proven to be the
// ones checked, is ever extracted: the presigned URL stays valid for its
// whole lifetime, and whatever is PUT to it later is never read.
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
		// A repeated notification, or a second PUT to the URL after the
		// first file was taken: the receipt has its file, or has failed.
		return h.files.Delete(ctx, key)
	}
	data, etag, reason, err := h.check(ctx, rc)
	if err != nil {
		return err
	}
	if reason != "" {
		h.log.InfoContext(ctx, "upload refused", "tenant", tenant, "id", id, "reason", reason)
		// Failed first, then deleted: a PUT that lands in between is
		// refused by S3 (If-None-Match) or finds the receipt FAILED.
		if err := ignoreConflict(h.receipts.FailUpload(ctx, tenant, id, reason, h.now())); err != nil {
			return err
		}
		return h.files.Delete(ctx, key)
	}
	sum := sha256.Sum256(data)
	fileKey, sha := receipt.FileKey(tenant, id), hex.EncodeToString(sum[:])
	if err := h.keep(ctx, key, fileKey, etag, sha); err != nil {
		return err
	}
	err = h.receipts.Uploaded(ctx, tenant, id, fileKey, int64(len(data)), sha, h.now())
	if errors.Is(err, receipt.ErrConflict) {
		// Another notification finished it first, or the receipt was
		// deleted meanwhile: then the copy has no receipt left to feed.
		if _, gerr := h.receipts.Get(ctx, tenant, id); errors.Is(gerr, receipt.ErrNotFound) {
			err = h.files.Delete(ctx, fileKey)
		} else {
			err = gerr
		}
	}
	if err != nil {
		return err
	}
	return h.files.Delete(ctx, key)
}

// keep copies the checked upload at key to fileKey, conditioned on the
// ETag it was read with, and proves the copy holds the bytes checked (sha),
// whether or not the store honoured the condition. When the upload changed
// in between, the copy is removed and the error makes the event retry,
// which checks the upload as it is now.
func (h *Handler) keep(ctx context.Context, key, fileKey, etag, sha string) error {
	if err := h.files.Copy(ctx, key, fileKey, etag); err != nil {
		if errors.Is(err, receipt.ErrConflict) {
			return fmt.Errorf("%s: %w", key, errChanged)
		}
		return err
	}
	copied, err := h.files.Get(ctx, fileKey)
	if err != nil {
		return err
	}
	if got := sha256.Sum256(copied); hex.EncodeToString(got[:]) != sha {
		if err := h.files.Delete(ctx, fileKey); err != nil {
			return err
		}
		return fmt.Errorf("%s: copy's sha256 differs: %w", key, errChanged)
	}
	return nil
}

// check reads the uploaded file and says what is wrong with it, if
// anything: the same rules as a direct upload, and the type it was
// announced with. It returns the bytes it checked and their ETag.
func (h *Handler) check(ctx context.Context, rc *receipt.Receipt) (data []byte, etag, reason string, err error) {
	size, err := h.files.Size(ctx, rc.FileKey)
	if err != nil {
		return nil, "", "", err
	}
	if size > receipt.MaxDocumentBytes {
		return nil, "", fmt.Sprintf("file of %d bytes is over the %d byte limit", size, receipt.MaxDocumentBytes), nil
	}
	data, etag, err = h.files.GetTagged(ctx, rc.FileKey)
	if err != nil {
		return nil, "", "", err
	}
	if len(data) > receipt.MaxDocumentBytes {
		return nil, "", fmt.Sprintf("file of %d bytes is over the %d byte limit", len(data), receipt.MaxDocumentBytes), nil
	}
	if got := receipt.Sniff(data); !receipt.SameType(got, rc.ContentType) {
		return nil, "", fmt.Sprintf("file is %q, announced as %q", got, rc.ContentType), nil
	}
	if !receipt.Wellformed(data, receipt.Sniff(data)) {
		return nil, "", "file is truncated or malformed", nil
	}
	if err := receipt.CheckPixels(data, receipt.Sniff(data), h.MaxPixels); err != nil {
		return nil, "", err.Error(), nil
	}
	return data, etag, "", nil
}

func ignoreConflict(err error) error {
	if errors.Is(err, receipt.ErrConflict) {
		return nil
	}
	return err
}
