// Package receipt holds the domain: what a receipt is, the states it moves
// through, and the errors the rest of the service speaks in.
package receipt

import (
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Status is where a receipt is in its processing.
type Status string

// The states a receipt moves through: UPLOADING (waiting for a presigned
// upload) to PROCESSING to COMPLETED or FAILED, which are final.
const (
	Uploading  Status = "UPLOADING"
	Processing Status = "PROCESSING"
	Completed  Status = "COMPLETED"
	Failed     Status = "FAILED"
)

// ExtractionError is the message a client sees for a receipt whose extraction
// failed for good. Clients of the original service match on it byte for byte.
const ExtractionError = "Error extracting details from receipt."

// Receipt is one uploaded document and what was extracted from it.
type Receipt struct {
	ID          string
	Tenant      string
	Status      Status
	Filename    string
	FileKey     string
	ContentType string
	Size        int64
	SHA256      string
	Details     string
	// DetailsKey is where Details is stored when it was too long for the
	// table (then Details is empty until read from there).
	DetailsKey string
	// DetailsTruncated says the text was cut at the size limit.
	DetailsTruncated bool
	// Fields are what clients see: the engine's reading (Extracted) with
	// the receipt's Corrections on top.
	Fields Fields
	// Extracted is what the engine read, kept beside the corrections.
	Extracted Fields
	// Corrections say which fields a person set, when and with which key,
	// by the field's JSON name; their values are in Fields.
	Corrections map[string]Correction
	// CountryHint is the client's word on where the receipt is from (ISO
	// 3166-1 alpha-2), given at upload or reprocessing; empty lets the
	// tenant's default, else the receipt's evidence, decide.
	CountryHint string
	// DuplicateOf names the tenant's first receipt of the same file, whose
	// fields were copied rather than extracted again;
	// PossibleDuplicateOf an earlier receipt of another file with the same
	// vendor, date and total (a photo and a scan of one receipt).
	DuplicateOf, PossibleDuplicateOf string
	// Version counts the receipt's writes: its ETag, so that a correction
	// made on a stale reading is refused.
	Version int64
	// Engine is the extraction engine that read it (tesseract, textract).
	Engine string
	// Timings says where its processing time went, once finished.
	Timings   Timings
	Error     string
	Attempts  int
	CreatedAt time.Time
	UpdatedAt time.Time
	// FinishedAt is when processing last ended (COMPLETED or FAILED): a
	// later UpdatedAt is a change of another kind (a correction).
	FinishedAt time.Time
	// UploadExpiresAt is when an UPLOADING receipt's upload URL expires.
	UploadExpiresAt time.Time
}

// StatusAt is the status clients see at now: an upload that never arrived
// before its URL expired is as failed as a file that can't be read. The
// stored status stays UPLOADING, as nothing is left to write it.
func (r *Receipt) StatusAt(now time.Time) Status {
	if r.Status == Uploading && !r.UploadExpiresAt.IsZero() && now.After(r.UploadExpiresAt) {
		return Failed
	}
	return r.Status
}

// Limits on documents.
const (
	// MaxDocumentBytes is the largest document accepted, through either
	// upload path.
	MaxDocumentBytes = 10 << 20
)

// Supported reports whether contentType is one the service reads.
func Supported(contentType string) bool {
	switch contentType {
	case PNG, JPEG, PDF, WebP, HEIC, HEIF, TIFF:
		return true
	}
	return false
}

// SameType reports whether a file sniffed as got is what was announced as
// want: HEIC and HEIF are one format to a client.
func SameType(got, want string) bool {
	heif := func(t string) bool { return t == HEIC || t == HEIF }
	return got == want || heif(got) && heif(want)
}

// UploadKey is where a presigned upload lands. The prefix keeps these apart
// from direct uploads, so only they trigger the upload notification.
func UploadKey(tenant, id string) string {
	return "uploads/" + tenant + "/" + id
}

// ParseUploadKey returns the tenant and id an upload key names.
func ParseUploadKey(key string) (tenant, id string, ok bool) {
	rest, ok := strings.CutPrefix(key, "uploads/")
	if !ok {
		return "", "", false
	}
	tenant, id, ok = strings.Cut(rest, "/")
	return tenant, id, ok && tenant != "" && ValidID(id)
}

// Errors the service maps to client-facing answers in one place (see api).
var (
	// ErrNotFound means no receipt with that id exists for the caller.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a conditional write lost to another writer.
	ErrConflict = errors.New("conflict")
	// ErrTooLarge means a record is too large for the store to keep.
	ErrTooLarge = errors.New("too large to store")
	// ErrLimit means a bounded allowance (reprocessing a day) is used up.
	ErrLimit = errors.New("over the limit")
	// ErrBadCursor means a list cursor names no place in this list.
	ErrBadCursor = errors.New("invalid cursor")
)

// FileKey is where a receipt's file is stored: one prefix per tenant, so a
// tenant's files can be listed, exported or removed together.
func FileKey(tenant, id string) string {
	return tenant + "/" + id
}

// DetailsKey is where a receipt's text is stored when it is too long for
// the table: beside its file, under the tenant's prefix (and outside
// uploads/, whose objects notify the upload function).
func DetailsKey(tenant, id string) string {
	return FileKey(tenant, id) + ".details.txt"
}

// ValidID reports whether id has the shape of a receipt id. Anything else
// cannot name a receipt, so callers answer "not found" without a lookup.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}

// NewID returns a new receipt id. UUIDv7 ids sort by creation time, so a
// query over a tenant's partition lists receipts newest first.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// Timings says where a receipt's processing time went: waiting to be
// processed after its upload, reading the file, the engine's reading
// (OCR), parsing text into fields, and all of it from upload to result.
type Timings struct {
	Queued, Fetch, OCR, Parse, Total time.Duration
}

// Result is what processing found out about a receipt, as it is stored.
type Result struct {
	// Details is the text, when it is kept with the receipt; else it is at
	// DetailsKey, cut at the size limit when DetailsTruncated.
	Details          string
	DetailsKey       string
	DetailsTruncated bool
	// Fields are what clients see: Extracted with the receipt's
	// corrections on top.
	Fields Fields
	// Extracted is what the engine read, when corrections make Fields
	// differ from it; nil when Fields are the engine's reading.
	Extracted *Fields
	// DuplicateOf and PossibleDuplicateOf, as in Receipt.
	DuplicateOf, PossibleDuplicateOf string
	Engine                           string
	Timings                          Timings
}
