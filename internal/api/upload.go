package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

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
	form, err := readForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, data := form.name, form.data
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
	country, ok := receipt.CountryHint(form.country)
	if form.country != "" && !ok {
		s.fail(w, r, errBadCountry)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		if !validIdempotencyKey(key) {
			s.fail(w, r, errBadIdempotencyKey)
			return
		}
		replay, err := s.claim(r.Context(), tenant, key, fingerprint(name, form.country, data))
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
	rc, err := s.store(r, upload{tenant: tenant, name: name, contentType: contentType, data: data, country: country}, key)
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

// upload is what a POST /receipt brought: the caller's tenant, the file,
// and the client's country hint.
type upload struct {
	tenant, name, contentType string
	data                      []byte
	country                   string
}

// store writes the file, then the record. The record's insert is what starts
// processing, so it goes last: a crash in between leaves an orphan file, never
// a record without its file. With an Idempotency-Key, the record and the
// key's result are written together.
func (s *Server) store(r *http.Request, u upload, key string) (*receipt.Receipt, error) {
	ctx := r.Context()
	tenant, name, contentType, data := u.tenant, u.name, u.contentType, u.data
	id, err := s.newID()
	if err != nil {
		return nil, fmt.Errorf("new receipt id: %w", err)
	}
	sum := sha256.Sum256(data)
	now := s.now().UTC()
	rc := &receipt.Receipt{
		ID: id, Tenant: tenant, Status: receipt.Processing, Filename: name,
		FileKey: receipt.FileKey(tenant, id), ContentType: contentType,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), CountryHint: u.country,
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

// form is what a POST /receipt's multipart body holds: the part named
// "file" (its name and bytes) and the form value "country".
type form struct {
	name    string
	data    []byte
	country string
}

// maxCountryBytes is the most of a country form value read: any longer
// one is no country code.
const maxCountryBytes = 16

// readForm reads the multipart body, no more than MaxUploadBytes of it.
// Like the original service, any request without a file part named
// "file", malformed ones included, is answered "File not found in the
// request."
func readForm(w http.ResponseWriter, r *http.Request) (form, error) {
	var f form
	if r.ContentLength > MaxUploadBytes {
		return f, errTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return f, errFileNotFound
	}
	found := false
	for {
		part, err := mr.NextPart()
		var tooLarge *http.MaxBytesError
		if found && err != nil && !errors.As(err, &tooLarge) {
			// The end, or a body malformed after its file, which is
			// taken as it was before form values were read.
			return f, nil
		}
		if err != nil {
			return f, bodyErr(err)
		}
		switch {
		case part.FormName() == "file" && part.FileName() != "" && !found:
			// The name is stored with the receipt: bounded like any text a
			// client gives, and checked before the file is read.
			if !validFilename(part.FileName()) {
				return f, errBadFilename
			}
			if f.data, err = io.ReadAll(part); err != nil {
				return f, bodyErr(err)
			}
			f.name, found = part.FileName(), true
		case part.FormName() == "country" && part.FileName() == "":
			// A part without a filename is a form value, not a file.
			b, err := io.ReadAll(io.LimitReader(part, maxCountryBytes+1))
			if err != nil {
				return f, bodyErr(err)
			}
			if f.country = strings.TrimSpace(string(b)); len(b) > maxCountryBytes {
				f.country = "?" // no code: refused once the file is known good
			}
		}
	}
}

func bodyErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	return errFileNotFound
}
