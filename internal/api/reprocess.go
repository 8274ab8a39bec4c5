package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/receipts-api/receipts/internal/receipt"
)

// DefaultReprocessLimit is how many receipts a tenant may reprocess a day
// (REPROCESS_DAILY_LIMIT): enough for a day's review, too few to send an
// archive through extraction again by accident.
const DefaultReprocessLimit = 1000

var (
	errBadReprocessJSON = receipt.NewError(receipt.BadInput, `body must be empty or JSON {"country": "DE"}`)
	errNoFile           = receipt.NewError(receipt.Conflict, "receipt has no file to process: its upload never arrived or was refused")
	errBadCountry       = receipt.NewError(receipt.BadInput, "country must be one of "+strings.Join(receipt.Countries, ", ")+" (ISO 3166-1 alpha-2)")
)

// ReprocessHandler serves POST /receipt/{id}/reprocess, the function
// ReprocessFunction runs.
func (s *Server) ReprocessHandler() http.Handler {
	return routes(map[string]http.HandlerFunc{"POST /receipt/{id}/reprocess": s.reprocess})
}

// reprocess sends a finished receipt back through the work queue to be
// extracted again, optionally with a country hint; its corrections stay
// on top of the new reading.
func (s *Server) reprocess(w http.ResponseWriter, r *http.Request) {
	tenant, id, ok := s.callersID(w, r)
	if !ok {
		return
	}
	hint, err := readReprocess(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for attempt := 0; attempt < writeAttempts; attempt++ {
		rc, err := s.receipts.Get(r.Context(), tenant, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		switch st := rc.StatusAt(s.now()); {
		case st == receipt.Processing || st == receipt.Uploading:
			s.fail(w, r, errStillProcessing)
			return
		case rc.SHA256 == "":
			// Only a file that passed its checks has its SHA-256 recorded.
			s.fail(w, r, errNoFile)
			return
		}
		now := s.now().UTC()
		err = s.receipts.Reprocess(r.Context(), tenant, id, rc.Version, hint, s.reprocessLimit, now)
		switch {
		case errors.Is(err, receipt.ErrConflict):
			continue
		case errors.Is(err, receipt.ErrLimit):
			s.fail(w, r, receipt.Errorf(receipt.Limited,
				"reprocessing limit reached: at most %d receipts a day per tenant (REPROCESS_DAILY_LIMIT); try again tomorrow (UTC)", s.reprocessLimit))
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		rc.Status, rc.Error, rc.UpdatedAt, rc.Version = receipt.Processing, "", now, rc.Version+1
		if hint != nil {
			rc.CountryHint = *hint
		}
		s.log.InfoContext(r.Context(), "receipt sent to be processed again", "id", id, "tenant", tenant, "countryHint", rc.CountryHint)
		s.answer(w, r, http.StatusAccepted, rc)
		return
	}
	s.fail(w, r, errBusy)
}

// readReprocess reads the optional body: {"country": "DE"} sets the
// receipt's country hint, {"country": null} removes it, and no body or no
// key keeps it (nil).
func readReprocess(r *http.Request) (*string, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	if err != nil || len(body) > 4096 {
		return nil, errBadReprocessJSON
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		return nil, errBadReprocessJSON
	}
	for k := range req {
		if k != "country" {
			return nil, errBadReprocessJSON
		}
	}
	raw, ok := req["country"]
	if !ok {
		return nil, nil
	}
	return countryValue(raw)
}

// countryValue reads a JSON country hint: null is "" (none), anything
// else must name a supported country.
func countryValue(raw json.RawMessage) (*string, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		none := ""
		return &none, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, errBadCountry
	}
	c, ok := receipt.CountryHint(v)
	if !ok {
		return nil, errBadCountry
	}
	return &c, nil
}

// ReprocessLimitFromEnv reads REPROCESS_DAILY_LIMIT through getenv: the
// default when unset, an error when it is not a whole number from 1.
func ReprocessLimitFromEnv(getenv func(string) string) (int, error) {
	v := getenv("REPROCESS_DAILY_LIMIT")
	if v == "" {
		return DefaultReprocessLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("REPROCESS_DAILY_LIMIT %q: want a whole number of receipts from 1", v)
	}
	return n, nil
}
