package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/api"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

// stored creates a receipt of tenant in status st with fields f, as each
// edit changes it first.
func stored(t *testing.T, e *env, tenant string, st receipt.Status, f receipt.Fields, edits ...func(*receipt.Receipt)) *receipt.Receipt {
	t.Helper()
	id, err := receipt.NewID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	r := &receipt.Receipt{ID: id, Tenant: tenant, Status: st, Filename: "r.png", FileKey: receipt.FileKey(tenant, id),
		ContentType: receipt.PNG, Size: 69, SHA256: strings.Repeat("a", 64), Details: "TEXT", Fields: f, Engine: "tesseract",
		CreatedAt: now, UpdatedAt: now}
	for _, edit := range edits {
		edit(r)
	}
	if err := e.receipts.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// request makes a request as tenant, with key prefix "rcpt_Test", and
// returns the recorder and its body decoded, when JSON.
func request(h *api.Server, tenant, method, path, contentType, body string, header map[string]string) (*httptest.ResponseRecorder, map[string]any) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	r = r.WithContext(api.WithKeyPrefix(r.Context(), "rcpt_Test"))
	w := do(h.Handler(), tenant, r)
	var got map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &got)
	return w, got
}

func engineFields() receipt.Fields {
	return receipt.Fields{Vendor: "GARDEQIA", Total: "31.00", Tax: "1.76", Date: "2024-05-01", Currency: "MYR",
		Identifiers: map[string]string{"registration": "1132462-T"},
		Confidence:  map[string]float64{"vendor": 0.4, "total": 0.9, "date": 0.8},
		Warnings:    []string{"total: line items sum to 31.50", "date: read twice"}}
}

func TestPatch(t *testing.T) {
	e := newEnv(t)
	rc := stored(t, e, "reviewer", receipt.Completed, engineFields())
	path := "/receipt/" + rc.ID
	const mp = "application/merge-patch+json"
	tests := []struct {
		name        string
		contentType string
		body        string
		header      map[string]string
		wantStatus  int
		wantError   string // part of the error
	}{
		{"plain text", "text/plain", `{"fields":{}}`, nil, 415, "Content-Type"},
		{"not JSON", mp, `vendor=x`, nil, 400, "merge patch"},
		{"null", mp, `null`, nil, 400, "merge patch"},
		{"another member", mp, `{"status":"COMPLETED"}`, nil, 400, "status can't be changed"},
		{"fields removed", mp, `{"fields":null}`, nil, 400, "fields must be an object"},
		{"not correctable", mp, `{"fields":{"confidence":{"total":1}}}`, nil, 400, "fields.confidence can't be corrected"},
		{"unknown field", mp, `{"fields":{"colour":"red"}}`, nil, 400, "fields.colour can't be corrected"},
		{"bad date", mp, `{"fields":{"date":"2024-02-30"}}`, nil, 400, "fields.date must be a date as YYYY-MM-DD"},
		{"amount as a number", mp, `{"fields":{"total":12.5}}`, nil, 400, "fields.total must be a string"},
		{"bad amount", mp, `{"fields":{"tax":"1,50"}}`, nil, 400, "fields.tax must be a decimal amount"},
		{"unknown currency", mp, `{"fields":{"currency":"XYZ"}}`, nil, 400, "fields.currency must be an ISO 4217"},
		{"lower-case currency", mp, `{"fields":{"currency":"eur"}}`, nil, 400, "fields.currency"},
		{"no such country", mp, `{"fields":{"country":"XX"}}`, nil, 400, "fields.country must be an ISO 3166-1"},
		{"empty vendor", mp, `{"fields":{"vendor":""}}`, nil, 400, "fields.vendor must be 1 to 500 characters"},
		{"vendor with a newline", mp, `{"fields":{"vendor":"A\nB"}}`, nil, 400, "fields.vendor"},
		{"bad line item", mp, `{"fields":{"lineItems":[{"description":"TEA","amount":"x"}]}}`, nil, 400, "fields.lineItems[0].amount must be a decimal amount"},
		{"line item's unknown field", mp, `{"fields":{"lineItems":[{"price":"1.00"}]}}`, nil, 400, "fields.lineItems[0].price"},
		{"too large", mp, `{"fields":{"vendor":"` + strings.Repeat("x", api.MaxPatchBytes) + `"}}`, nil, 413, "too large"},
		{"stale If-Match", mp, `{"fields":{"vendor":"X"}}`, map[string]string{"If-Match": `"7"`}, 412, "changed since that ETag"},
		{"weak If-Match", mp, `{"fields":{"vendor":"X"}}`, map[string]string{"If-Match": `W/"1"`}, 412, "changed since that ETag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, got := request(e.srv, "reviewer", "PATCH", path, tt.contentType, tt.body, tt.header)
			if w.Code != tt.wantStatus || !strings.Contains(fmt.Sprint(got["error"]), tt.wantError) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body, tt.wantStatus, tt.wantError)
			}
			if after, _ := e.receipts.Get(context.Background(), "reviewer", rc.ID); after.Version != 1 || len(after.Corrections) != 0 {
				t.Errorf("a refused correction changed the receipt: version %d, %v", after.Version, after.Corrections)
			}
		})
	}

	t.Run("corrected", func(t *testing.T) {
		w, got := request(e.srv, "reviewer", "PATCH", path, mp,
			`{"fields":{"vendor":"GARDENIA BAKERIES (KL) SDN BHD","total":"31.50","tax":null,"lineItems":[{"description":"BREAD","quantity":"1","amount":"31.50"}]}}`,
			map[string]string{"If-Match": `"1"`})
		if w.Code != 200 || w.Header().Get("ETag") != `"2"` {
			t.Fatalf("%d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body)
		}
		f, _ := got["fields"].(map[string]any)
		x, _ := got["extracted"].(map[string]any)
		c, _ := got["corrections"].(map[string]any)
		if f["vendor"] != "GARDENIA BAKERIES (KL) SDN BHD" || f["total"] != "31.50" || f["tax"] != nil || f["date"] != "2024-05-01" {
			t.Errorf("fields = %v", f)
		}
		if conf, _ := f["confidence"].(map[string]any); conf["vendor"] != nil || conf["total"] != nil || conf["date"] != 0.8 {
			t.Errorf("confidence = %v: the corrected fields' should be gone, the others kept", conf)
		}
		if fmt.Sprint(f["warnings"]) != "[date: read twice]" {
			t.Errorf("warnings = %v, want only those about fields not corrected", f["warnings"])
		}
		if x["vendor"] != "GARDEQIA" || x["total"] != "31.00" || x["tax"] != "1.76" {
			t.Errorf("extracted = %v, want the engine's reading", x)
		}
		if len(c) != 4 || c["vendor"].(map[string]any)["by"] != "rcpt_Test" || c["tax"].(map[string]any)["at"] == nil {
			t.Errorf("corrections = %v", c)
		}
		// The vendor memory learned the seller's registration number.
		known, err := e.receipts.VendorEntries(context.Background(), "reviewer", vendors.Keys(engineFields()))
		if k := (vendors.Key{Kind: "registration", Value: "1132462T"}); err != nil || known[k].Vendor != "GARDENIA BAKERIES (KL) SDN BHD" || known[k].Receipt != rc.ID {
			t.Errorf("vendor memory = %v, %v", known, err)
		}
		if other, _ := e.receipts.VendorEntries(context.Background(), "someone-else", vendors.Keys(engineFields())); len(other) != 0 {
			t.Errorf("another tenant's memory learned it: %v", other)
		}
	})

	t.Run("GET shows it, with the ETag", func(t *testing.T) {
		w, got := request(e.srv, "reviewer", "GET", path, "", "", nil)
		if w.Code != 200 || w.Header().Get("ETag") != `"2"` || got["fields"].(map[string]any)["total"] != "31.50" || got["corrections"] == nil {
			t.Errorf("%d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body)
		}
	})

	t.Run("a later correction keeps the earlier ones", func(t *testing.T) {
		w, got := request(e.srv, "reviewer", "PATCH", path, "application/json", `{"fields":{"date":"2024-05-02"}}`, map[string]string{"If-Match": `"1", "2"`})
		f, _ := got["fields"].(map[string]any)
		if w.Code != 200 || f["date"] != "2024-05-02" || f["vendor"] != "GARDENIA BAKERIES (KL) SDN BHD" || len(got["corrections"].(map[string]any)) != 5 {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})

	t.Run("the first reviewer's stale tag", func(t *testing.T) {
		w, _ := request(e.srv, "reviewer", "PATCH", path, mp, `{"fields":{"vendor":"OVERWRITE"}}`, map[string]string{"If-Match": `"2"`})
		after, _ := e.receipts.Get(context.Background(), "reviewer", rc.ID)
		if w.Code != 412 || after.Fields.Vendor != "GARDENIA BAKERIES (KL) SDN BHD" {
			t.Errorf("%d %s; vendor now %q", w.Code, w.Body, after.Fields.Vendor)
		}
	})

	t.Run("an empty patch changes nothing", func(t *testing.T) {
		w, _ := request(e.srv, "reviewer", "PATCH", path, mp, `{}`, map[string]string{"If-Match": "*"})
		if w.Code != 200 || w.Header().Get("ETag") != `"3"` {
			t.Errorf("%d ETag %q", w.Code, w.Header().Get("ETag"))
		}
	})

	for _, tt := range []struct {
		name, tenant, id string
		want             int
	}{
		{"another tenant's", "intruder", rc.ID, 404},
		{"unknown", "reviewer", "0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", 404},
		{"not an id", "reviewer", "x", 404},
		{"still processing", "reviewer", stored(t, e, "reviewer", receipt.Processing, receipt.Fields{}).ID, 409},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, got := request(e.srv, tt.tenant, "PATCH", "/receipt/"+tt.id, mp, `{"fields":{"vendor":"X"}}`, nil)
			if w.Code != tt.want || (tt.want == 409 && got["error"] != "receipt is still processing") {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tt.want)
			}
		})
	}
}

func TestReprocessRequest(t *testing.T) {
	e := newEnv(t)
	tenant := fmt.Sprintf("reprocessor-%d", time.Now().UnixNano())
	rc := stored(t, e, tenant, receipt.Completed, engineFields())
	path := "/receipt/" + rc.ID + "/reprocess"

	for _, tt := range []struct{ name, body, want string }{
		{"unsupported country", `{"country":"JP"}`, "country must be one of DE, ES, FR, GB, IT, MY, NL, RS, TR, US"},
		{"malformed country", `{"country":"Deutschland"}`, "country must be one of"},
		{"other keys", `{"engine":"textract"}`, "body must be empty or JSON"},
		{"not JSON", `country=DE`, "body must be empty or JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, got := request(e.srv, tenant, "POST", path, "application/json", tt.body, nil)
			if w.Code != 400 || !strings.Contains(fmt.Sprint(got["error"]), tt.want) {
				t.Errorf("%d %s, want 400 with %q", w.Code, w.Body, tt.want)
			}
		})
	}

	w, got := request(e.srv, tenant, "POST", path, "application/json", `{"country":"DE"}`, nil)
	if w.Code != 202 || got["status"] != "PROCESSING" || got["countryHint"] != "DE" || got["message"] != "receipt is still processing" || w.Header().Get("ETag") != `"2"` {
		t.Fatalf("%d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body)
	}
	after, _ := e.receipts.Get(context.Background(), tenant, rc.ID)
	if after.Status != receipt.Processing || after.CountryHint != "DE" || after.Fields.Vendor != "GARDEQIA" {
		t.Errorf("stored: %s %q %+v", after.Status, after.CountryHint, after.Fields)
	}
	if w, got := request(e.srv, tenant, "POST", path, "", "", nil); w.Code != 409 || got["error"] != "receipt is still processing" {
		t.Errorf("again while processing: %d %s", w.Code, w.Body)
	}
	failed := stored(t, e, tenant, receipt.Failed, receipt.Fields{})
	if w, _ := request(e.srv, tenant, "POST", "/receipt/"+failed.ID+"/reprocess", "", "", nil); w.Code != 202 {
		t.Errorf("a failed receipt with its file: %d %s", w.Code, w.Body)
	}
	refused := stored(t, e, tenant, receipt.Failed, receipt.Fields{}, func(r *receipt.Receipt) { r.SHA256 = "" })
	if w, got := request(e.srv, tenant, "POST", "/receipt/"+refused.ID+"/reprocess", "", "", nil); w.Code != 409 || !strings.Contains(fmt.Sprint(got["error"]), "no file") {
		t.Errorf("a receipt whose upload was refused: %d %s", w.Code, w.Body)
	}
	if w, _ := request(e.srv, "intruder", "POST", path, "", "", nil); w.Code != 404 {
		t.Errorf("another tenant's: %d", w.Code)
	}
}

func TestReprocessLimit(t *testing.T) {
	e := newEnv(t)
	srv := api.New(e.receipts, e.files, e.receipts, api.WithReprocessLimit(2))
	tenant := fmt.Sprintf("bulk-%d", time.Now().UnixNano())
	for i := range 3 {
		rc := stored(t, e, tenant, receipt.Completed, receipt.Fields{})
		w, got := request(srv, tenant, "POST", "/receipt/"+rc.ID+"/reprocess", "", "", nil)
		want := 202
		if i == 2 {
			want = 429
		}
		if w.Code != want {
			t.Errorf("reprocess %d: %d %s, want %d", i+1, w.Code, w.Body, want)
		}
		if i == 2 && !strings.Contains(fmt.Sprint(got["error"]), "at most 2 receipts a day") {
			t.Errorf("error = %v", got["error"])
		}
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	tenant := fmt.Sprintf("settled-%d", time.Now().UnixNano())
	steps := []struct {
		method, body string
		wantStatus   int
		want         string // the country, or part of the error
	}{
		{"GET", "", 200, ""},
		{"PUT", `{"country":"de"}`, 400, "country must be one of"},
		{"PUT", `{"country":"DE"}`, 200, "DE"},
		{"GET", "", 200, "DE"},
		{"PUT", `{"country":"XX"}`, 400, "country must be one of"},
		{"PUT", `{"currency":"EUR"}`, 400, "body must be JSON"},
		{"PUT", `[]`, 400, "body must be JSON"},
		{"GET", "", 200, "DE"},
		{"PUT", `{"country":null}`, 200, ""},
		{"GET", "", 200, ""},
	}
	for i, s := range steps {
		w, got := request(e.srv, tenant, s.method, "/settings", "application/json", s.body, nil)
		value := fmt.Sprint(got["error"])
		if s.wantStatus == 200 {
			value, _ = got["country"].(string)
		}
		if w.Code != s.wantStatus || (s.wantStatus == 200 && value != s.want) || !strings.Contains(value, s.want) {
			t.Errorf("step %d, %s %s: %d %s; want %d %q", i+1, s.method, s.body, w.Code, w.Body, s.wantStatus, s.want)
		}
	}
	if w, got := request(e.srv, "neighbour", "GET", "/settings", "", "", nil); w.Code != 200 || got["country"] != nil {
		t.Errorf("another tenant's settings: %s", w.Body)
	}
}

func TestCountryHintAtUpload(t *testing.T) {
	e := newEnv(t)
	h := e.srv.Handler()
	tests := []struct {
		name       string
		parts      map[string][]byte
		wantStatus int
		wantHint   string
		wantBody   string
	}{
		{"a hint", map[string][]byte{"@file": pngBytes, "country": []byte("DE")}, 200, "DE", ""},
		{"before the file", map[string][]byte{"country": []byte("TR"), "@file": pngBytes}, 200, "TR", ""},
		{"lower case", map[string][]byte{"@file": pngBytes, "country": []byte("tr")}, 400, "", ""},
		{"empty: none", map[string][]byte{"@file": pngBytes, "country": {}}, 200, "", ""},
		{"unsupported", map[string][]byte{"@file": pngBytes, "country": []byte("JP")}, 400, "", `{"error":"country must be one of DE, ES, FR, GB, IT, MY, NL, RS, TR, US (ISO 3166-1 alpha-2)"}`},
		{"long", map[string][]byte{"@file": pngBytes, "country": []byte(strings.Repeat("DE", 100))}, 400, "", ""},
		{"no file: the seed's answer first", map[string][]byte{"country": []byte("XX")}, 400, "", fileNotFound},
		{"a bad file: the seed's answer first", map[string][]byte{"@file": []byte("text"), "country": []byte("XX")}, 400, "", invalidFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "hinted", upload{parts: tt.parts}.request(t))
			if w.Code != tt.wantStatus || (tt.wantBody != "" && w.Body.String() != tt.wantBody) {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			if w.Code != 200 {
				return
			}
			var id string
			_ = json.Unmarshal(w.Body.Bytes(), &id)
			rc, err := e.receipts.Get(context.Background(), "hinted", id)
			if err != nil || rc.CountryHint != tt.wantHint {
				t.Errorf("stored hint %q, %v; want %q", rc.CountryHint, err, tt.wantHint)
			}
		})
	}

	t.Run("presigned", func(t *testing.T) {
		for _, tt := range []struct {
			body       string
			wantStatus int
			wantHint   string
		}{
			{`{"filename":"r.png","contentType":"image/png","size":100,"country":"GB"}`, 201, "GB"},
			{`{"filename":"r.png","contentType":"image/png","size":100}`, 201, ""},
			{`{"filename":"r.png","contentType":"image/png","size":100,"country":"UK"}`, 400, ""},
			{`{"filename":"r.png","contentType":"image/png","size":100,"country":7}`, 400, ""},
		} {
			w, got := request(e.srv, "hinted", "POST", "/receipt/uploads", "application/json", tt.body, nil)
			if w.Code != tt.wantStatus {
				t.Errorf("%s: %d %s, want %d", tt.body, w.Code, w.Body, tt.wantStatus)
				continue
			}
			if w.Code == 201 {
				rc, err := e.receipts.Get(context.Background(), "hinted", got["uuid"].(string))
				if err != nil || rc.CountryHint != tt.wantHint {
					t.Errorf("%s: stored hint %q, %v", tt.body, rc.CountryHint, err)
				}
			}
		}
	})
}

func TestListParameters(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ query, want string }{
		{"from=2024-1-1", "from must be a date"},
		{"to=yesterday", "to must be a date"},
		{"from=2024-02-01&to=2024-01-31", "from must not be after to"},
		{"vendor=...", "vendor must be"},
		{"minTotal=ten", "minTotal must be a decimal amount"},
		{"maxTotal=1e3", "maxTotal must be a decimal amount"},
		{"minTotal=10&maxTotal=9.99", "minTotal must not be above maxTotal"},
		{"duplicates=yes", "duplicates must be true or false"},
		{"cursor=not-base64!", "invalid cursor"},
		// A cursor of a list by date on a list that is not, and one
		// outside the dates asked for.
		{"cursor=" + encode("2024-01-05/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"), "invalid cursor"},
		{"from=2024-02-01&cursor=" + encode("2024-01-05/0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"), "invalid cursor"},
		{"from=2024-01-01&cursor=" + encode("0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b"), "invalid cursor"},
	} {
		w, got := request(e.srv, "lister", "GET", "/receipts?"+tt.query, "", "", nil)
		if w.Code != 400 || !strings.Contains(fmt.Sprint(got["error"]), tt.want) {
			t.Errorf("%s: %d %s, want 400 with %q", tt.query, w.Code, w.Body, tt.want)
		}
	}
}

func TestListFilters(t *testing.T) {
	e := newEnv(t)
	tenant := fmt.Sprintf("finder-%d", time.Now().UnixNano())
	jan := stored(t, e, tenant, receipt.Completed, receipt.Fields{Vendor: "ALDI SÜD", Date: "2024-01-10", Total: "12.00"})
	feb := stored(t, e, tenant, receipt.Completed, receipt.Fields{Vendor: "Aldi Nord", Date: "2024-02-10", Total: "99.90"})
	mar := stored(t, e, tenant, receipt.Completed, receipt.Fields{Vendor: "Lidl", Date: "2024-03-10", Total: "5.5"})
	undated := stored(t, e, tenant, receipt.Completed, receipt.Fields{Vendor: "Lidl", Total: "12.00"})
	dup := stored(t, e, tenant, receipt.Completed, receipt.Fields{Vendor: "ALDI SÜD", Date: "2024-01-10", Total: "12.00"},
		func(r *receipt.Receipt) { r.DuplicateOf = jan.ID })
	maybe := stored(t, e, tenant, receipt.Completed, receipt.Fields{Vendor: "Lidl", Date: "2024-03-10", Total: "5.50"},
		func(r *receipt.Receipt) { r.PossibleDuplicateOf = mar.ID })
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"from=2024-01-01&to=2024-02-28", []string{jan.ID, feb.ID, dup.ID}},
		{"to=2024-01-31", []string{jan.ID, dup.ID}},
		{"vendor=aldi", []string{jan.ID, feb.ID, dup.ID}},
		{"vendor=ALDI%20s", []string{jan.ID, dup.ID}},
		{"minTotal=12&maxTotal=12.00", []string{jan.ID, undated.ID, dup.ID}},
		{"maxTotal=10", []string{mar.ID, maybe.ID}},
		{"vendor=lidl&from=2024-01-01", []string{mar.ID, maybe.ID}},
		{"duplicates=true", []string{dup.ID, maybe.ID}},
		{"duplicates=true&to=2024-02-01", []string{dup.ID}},
		{"duplicates=false&vendor=aldi%20nord", []string{feb.ID}},
	} {
		var ids []string
		cursor := ""
		for page := 0; page < 10; page++ {
			w, got := request(e.srv, tenant, "GET", "/receipts?limit=1&"+tt.query+cursor, "", "", nil)
			if w.Code != 200 {
				t.Fatalf("%s: %d %s", tt.query, w.Code, w.Body)
			}
			for _, r := range got["receipts"].([]any) {
				ids = append(ids, r.(map[string]any)["uuid"].(string))
			}
			next, ok := got["nextCursor"].(string)
			if !ok {
				break
			}
			cursor = "&cursor=" + next
		}
		// Ids sort by creation; the order of the pages is the store's
		// tests' to check.
		slices.Sort(ids)
		if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.query, ids, tt.want)
		}
	}
}

// encode writes a cursor as the API does.
func encode(cursor string) string { return base64.RawURLEncoding.EncodeToString([]byte(cursor)) }
