package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/receipts-api/receipts/internal/receipt"
)

// UploadHandler serves POST /receipt, the function UploadFunction runs.
func (s *Server) UploadHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"POST /receipt": s.upload})
}

// upload stores the file, then the receipt, whose creation starts its
// processing.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	name, data, err := readFile(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	contentType := receipt.Sniff(data)
	if contentType == "" || !receipt.Wellformed(data, contentType) {
		s.fail(w, r, errInvalidFormat)
		return
	}
	var pixels *receipt.PixelError
	if errors.As(receipt.CheckPixels(data, contentType, s.maxPixels), &pixels) {
		s.fail(w, r, errTooManyPixels(pixels))
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		if !validIdempotencyKey(key) {
			s.fail(w, r, errBadIdempotencyKey)
			return
		}
		replay, err := s.claim(r.Context(), tenant, key, Fingerprint(name, data))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if replay != "" {
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusOK, replay)
			return
		}
	}
	rc, err := s.store(r, tenant, name, contentType, data, key)
	if err != nil {
		if key != "" {
			if rerr := s.idem.ReleaseIdempotency(r.Context(), tenant, key); rerr != nil {
				s.log.WarnContext(r.Context(), "release idempotency key", "err", rerr)
			}
		}
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "receipt stored", "id", rc.ID, "tenant", tenant, "size", rc.Size, "contentType", contentType)
	writeJSON(w, http.StatusOK, rc.ID)
}

// store writes the file, then the record. The record's insert is what starts
// processing, so it goes last: a crash in between leaves an orphan file, never
// a record without its file. With an Idempotency-Key, the record and the
// key's result are written together.
func (s *Server) store(r *http.Request, tenant, name, contentType string, data []byte, key string) (*receipt.Receipt, error) {
	ctx := r.Context()
	id, err := s.newID()
	if err != nil {
		return nil, fmt.Errorf("new receipt id: %w", err)
	}
	sum := sha256.Sum256(data)
	now := s.now().UTC()
	rc := &receipt.Receipt{
		ID: id, Tenant: tenant, Status: receipt.Processing, Filename: name,
		FileKey: receipt.FileKey(tenant, id), ContentType: contentType,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.files.Put(ctx, rc.FileKey, data, contentType); err != nil {
		return nil, fmt.Errorf("store file of receipt %s: %w", id, err)
	}
	create := s.receipts.Create
	if key != "" {
		create = func(ctx context.Context, rc *receipt.Receipt) error { return s.idem.CreateIdempotent(ctx, rc, key) }
	}
	if err := create(ctx, rc); err != nil {
		if derr := s.files.Delete(ctx, rc.FileKey); derr != nil {
			s.log.WarnContext(ctx, "orphaned file", "key", rc.FileKey, "err", derr)
		}
		return nil, fmt.Errorf("store receipt %s: %w", id, err)
	}
	return rc, nil
}

// readFile returns the name and bytes of the multipart part named "file",
// reading no more than MaxUploadBytes of the body. Like the original service,
// any request without such a file part, malformed ones included, is answered
// "File not found in the request."
func readFile(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	if r.ContentLength > MaxUploadBytes {
		return "", nil, errTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, errFileNotFound
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return "", nil, bodyErr(err)
		}
		// A part without a filename is a form value, not a file.
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		// The name is stored with the receipt: bounded like any text a
		// client gives, and checked before the file is read.
		name := part.FileName()
		if !validFilename(name) {
			return "", nil, errBadFilename
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return "", nil, bodyErr(err)
		}
		return name, data, nil
	}
}

func bodyErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	return errFileNotFound
}
