package api

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// settingsBody is a tenant's settings as clients see them.
type settingsBody struct {
	Country   string     `json:"country,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

var errBadSettingsJSON = receipt.NewError(receipt.BadInput, `body must be JSON {"country": "DE"} (null or no country: none)`)

// GetSettingsHandler serves GET /settings, the function
// GetSettingsFunction runs.
func (s *Server) GetSettingsHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"GET /settings": s.getSettings})
}

// PutSettingsHandler serves PUT /settings, the function
// PutSettingsFunction runs.
func (s *Server) PutSettingsHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"PUT /settings": s.putSettings})
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	set, err := s.receipts.Settings(r.Context(), tenant)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsOf(set))
}

// putSettings replaces the caller's tenant's settings: a country the
// tenant's receipts are read as unless their upload says otherwise.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantFrom(r.Context())
	if !ok {
		s.fail(w, r, errUnauthorized)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	var req map[string]json.RawMessage
	if err != nil || len(body) > 4096 || json.Unmarshal(body, &req) != nil || req == nil {
		s.fail(w, r, errBadSettingsJSON)
		return
	}
	set := receipt.Settings{UpdatedAt: s.now().UTC()}
	for k, raw := range req {
		if k != "country" {
			s.fail(w, r, errBadSettingsJSON)
			return
		}
		c, err := countryValue(raw)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		set.Country = *c
	}
	if err := s.receipts.PutSettings(r.Context(), tenant, set); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "settings changed", "tenant", tenant, "country", set.Country)
	writeJSON(w, http.StatusOK, settingsOf(set))
}

func settingsOf(set receipt.Settings) settingsBody {
	b := settingsBody{Country: set.Country}
	if !set.UpdatedAt.IsZero() {
		b.UpdatedAt = &set.UpdatedAt
	}
	return b
}
