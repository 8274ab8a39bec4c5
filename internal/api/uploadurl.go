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
	errBadUploadJSON = &clientError{http.StatusBadRequest, `body must be JSON {"filename","contentType","size"}`}
	errBadFilename   = &clientError{http.StatusBadRequest, "filename must be 1 to 255 characters of UTF-8"}
	errBadUploadType = &clientError{http.StatusBadRequest, "Invalid file format. Supported formats: PNG, JPG, PDF."}
	errBadUploadSize = &clientError{http.StatusBadRequest, fmt.Sprintf("size must be from 1 to %d bytes", receipt.MaxDocumentBytes)}
)

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
	var req uploadRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		s.fail(w, r, errBadUploadJSON)
		return
	}
	switch {
	case req.Filename == "" || len(req.Filename) > 255 || !utf8.ValidString(req.Filename):
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
