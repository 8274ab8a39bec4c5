package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/receipts-api/receipts/internal/receipt"
)

// uploadURLTTL is how long a presigned upload URL works; a receipt whose
// file has not arrived by then is FAILED.
const uploadURLTTL = 15 * time.Minute

type uploadRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// Country is the client's hint of where the receipt is from.
	Country *string `json:"country"`
}

type uploadResponse struct {
	UUID      string            `json:"uuid"`
	UploadURL string            `json:"uploadUrl"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

var (
	errBadUploadJSON = receipt.NewError(receipt.BadInput, `body must be JSON {"filename","contentType","size"}`)
	errBadFilename   = receipt.NewError(receipt.BadInput, "filename must be 1 to 255 characters of UTF-8")
	errBadUploadType = receipt.NewError(receipt.BadInput, "Invalid file format. Supported formats: PNG, JPG, PDF.")
	errBadUploadSize = receipt.Errorf(receipt.BadInput, "size must be from 1 to %d bytes", receipt.MaxDocumentBytes)
)

// maxFilename is the most characters a file's name may have: it is stored
// with the receipt.
const maxFilename = 255

func validFilename(name string) bool {
	return name != "" && utf8.ValidString(name) && utf8.RuneCountInString(name) <= maxFilename
}

// decodeUploadRequest reads one JSON object, its keys spelled exactly as
// documented (encoding/json would take any letter case), and nothing after
// it. Other keys are ignored.
func decodeUploadRequest(body io.Reader) (uploadRequest, error) {
	var req uploadRequest
	dec := json.NewDecoder(body)
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return req, err
	}
	if fields == nil {
		return req, fmt.Errorf("not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, fmt.Errorf("more after the object")
	}
	for name, into := range map[string]any{"filename": &req.Filename, "contentType": &req.ContentType, "size": &req.Size, "country": &req.Country} {
		if v, ok := fields[name]; ok {
			if err := json.Unmarshal(v, into); err != nil {
				return req, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return req, nil
}

// UploadURLHandler serves POST /receipt/uploads, the function
// UploadURLFunction runs.
func (s *Server) UploadURLHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"POST /receipt/uploads": s.createUpload})
}

// createUpload serves POST /receipt/uploads: it creates the receipt and a
// presigned S3 PUT for its file. Processing starts when the file lands.
func (s *Server) createUpload(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	req, err := decodeUploadRequest(io.LimitReader(r.Body, 4096))
	if err != nil {
		s.fail(w, r, errBadUploadJSON)
		return
	}
	switch {
	case !validFilename(req.Filename):
		s.fail(w, r, errBadFilename)
		return
	case !receipt.Supported(req.ContentType):
		s.fail(w, r, errBadUploadType)
		return
	case req.Size < 1 || req.Size > receipt.MaxDocumentBytes:
		s.fail(w, r, errBadUploadSize)
		return
	}
	var country string
	if req.Country != nil {
		var ok bool
		if country, ok = receipt.CountryHint(*req.Country); !ok {
			s.fail(w, r, errBadCountry)
			return
		}
	}
	id, err := s.newID()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now().UTC()
	rc := &receipt.Receipt{
		ID: id, Tenant: tenant, Status: receipt.Uploading, Filename: req.Filename,
		FileKey: receipt.UploadKey(tenant, id), ContentType: req.ContentType, Size: req.Size, CountryHint: country,
		CreatedAt: now, UpdatedAt: now, UploadExpiresAt: now.Add(uploadURLTTL),
	}
	url, headers, err := s.files.PresignPut(r.Context(), rc.FileKey, rc.ContentType, rc.Size, uploadURLTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.receipts.Create(r.Context(), rc); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadResponse{
		UUID: id, UploadURL: url, Method: http.MethodPut, Headers: headers, ExpiresAt: rc.UploadExpiresAt,
	})
}
