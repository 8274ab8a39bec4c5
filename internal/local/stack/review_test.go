//go:build integration

package stack_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// jsonBody decodes a JSON object answer.
func jsonBody(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	return m
}

func fieldsOf(r map[string]any) map[string]any {
	f, _ := r["fields"].(map[string]any)
	return f
}

// patch sends a merge patch of a receipt's fields with If-Match etag
// ("" for none).
func (c *client) patch(t *testing.T, id, etag, body string) (int, map[string]any, string) {
	t.Helper()
	h := map[string]string{}
	if etag != "" {
		h["If-Match"] = etag
	}
	status, b, header := c.sendWith(t, "PATCH", "/receipt/"+id, "application/merge-patch+json", strings.NewReader(body), h)
	return status, jsonBody(t, b), header.Get("ETag")
}

// getTagged reads a receipt and its ETag.
func (c *client) getTagged(t *testing.T, id string) (map[string]any, string) {
	t.Helper()
	status, b, header := c.sendWith(t, "GET", "/receipt/"+id, "", nil, nil)
	if status != 200 || header.Get("ETag") == "" {
		t.Fatalf("GET %s: %d ETag %q %s", id, status, header.Get("ETag"), b)
	}
	return jsonBody(t, b), header.Get("ETag")
}

// TestCorrectionsStick: a correction survives GET, the list, a concurrent
// PATCH made on a stale ETag (412) and reprocessing, which reads the
// receipt again beneath it.
func TestCorrectionsStick(t *testing.T) {
	t.Parallel() // mostly waiting for OCR: two at once on two cores
	st, _ := sharedStack(t)
	alice := newClient(t, st, "bookkeeping")
	bob := &client{base: alice.base, key: newKey(t, st, "bookkeeping")}
	id := alice.uploadID(t, "000.jpg", sroie(t, "000.jpg")[0])
	done := alice.waitDone(t, id)
	extracted := fieldsOf(done)
	if done["status"] != "COMPLETED" || extracted["total"] == nil {
		t.Fatalf("receipt: %v", done)
	}

	_, tagA := alice.getTagged(t, id)
	_, tagB := bob.getTagged(t, id)
	status, got, tagA2 := alice.patch(t, id, tagA, `{"fields":{"vendor":"Book Ta.K (Taman Daya) Sdn Bhd","total":"99.99","subtotal":null}}`)
	if status != 200 || tagA2 == tagA || fieldsOf(got)["vendor"] != "Book Ta.K (Taman Daya) Sdn Bhd" || fieldsOf(got)["subtotal"] != nil {
		t.Fatalf("PATCH: %d ETag %q %v", status, tagA2, got)
	}
	// Bob read it before Alice's correction: his is refused, hers stays.
	if status, got, _ := bob.patch(t, id, tagB, `{"fields":{"total":"1.00"}}`); status != 412 {
		t.Errorf("PATCH on a stale ETag: %d %v, want 412", status, got)
	}
	check := func(where string, r map[string]any) {
		t.Helper()
		f, x := fieldsOf(r), r["extracted"].(map[string]any)
		c, _ := r["corrections"].(map[string]any)
		if f["total"] != "99.99" || f["vendor"] != "Book Ta.K (Taman Daya) Sdn Bhd" || f["subtotal"] != nil || len(c) != 3 {
			t.Errorf("%s: fields %v, corrections %v", where, f, c)
		}
		if x["total"] == nil || x["total"] == "99.99" {
			t.Errorf("%s: extracted %v, want the engine's reading", where, x)
		}
	}
	got, tag := alice.getTagged(t, id)
	check("GET", got)
	if tag != tagA2 {
		t.Errorf("ETag after the refused PATCH = %s, want %s", tag, tagA2)
	}
	_, list := alice.send(t, "GET", "/receipts?vendor=book%20ta", "", nil)
	rs := jsonBody(t, list)["receipts"].([]any)
	if len(rs) != 1 {
		t.Fatalf("list by the corrected vendor: %s", list)
	}
	check("list", rs[0].(map[string]any))

	status, b := alice.send(t, "POST", "/receipt/"+id+"/reprocess", "application/json", strings.NewReader(`{"country":"MY"}`))
	if status != 202 || jsonBody(t, b)["status"] != "PROCESSING" {
		t.Fatalf("reprocess: %d %s", status, b)
	}
	again := alice.waitDone(t, id)
	check("reprocessed", again)
	if again["status"] != "COMPLETED" || again["countryHint"] != "MY" || fieldsOf(again)["date"] != extracted["date"] {
		t.Errorf("reprocessed: %v", again)
	}
}

// TestVendorMemory: a vendor corrected on one receipt is given to the
// next receipt of the same seller (same registration number) of that
// tenant, with a warning saying where it came from, and to no other
// tenant's.
func TestVendorMemory(t *testing.T) {
	t.Parallel() // mostly waiting for OCR: two at once on two cores
	st, _ := sharedStack(t)
	taught := newClient(t, st, "memory-a")
	other := newClient(t, st, "memory-b")
	const vendor = "Unihakka International (as corrected)"
	first := taught.uploadID(t, "030.jpg", sroie(t, "030.jpg")[0])
	r := taught.waitDone(t, first)
	if ids, _ := fieldsOf(r)["identifiers"].(map[string]any); ids["registration"] == nil {
		t.Fatalf("the first receipt has no registration number to remember: %v", fieldsOf(r))
	}
	if status, got, _ := taught.patch(t, first, "", `{"fields":{"vendor":"`+vendor+`"}}`); status != 200 {
		t.Fatalf("PATCH: %d %v", status, got)
	}
	next := taught.waitDone(t, taught.uploadID(t, "033.jpg", sroie(t, "033.jpg")[0]))
	f := fieldsOf(next)
	warnings := fmt.Sprint(f["warnings"])
	if f["vendor"] != vendor || !strings.Contains(warnings, "vendor: as corrected on receipt "+first) {
		t.Errorf("the next receipt of the seller: vendor %q, warnings %s", f["vendor"], warnings)
	}
	elsewhere := fieldsOf(other.waitDone(t, other.uploadID(t, "033.jpg", sroie(t, "033.jpg")[0])))
	if elsewhere["vendor"] == vendor || strings.Contains(fmt.Sprint(elsewhere["warnings"]), "as corrected") {
		t.Errorf("another tenant's receipt of the seller got the correction: %v", elsewhere)
	}
}

// TestDuplicates: the same file twice gives duplicateOf, its fields
// copied; a smaller copy of the same receipt (another file, as a photo of
// a scanned receipt) gives possibleDuplicateOf; ?duplicates=true lists
// both. (That no other tenant's receipts are found is internal/store's
// TestFileMarkers and TestSameReceipt.)
func TestDuplicates(t *testing.T) {
	t.Parallel() // mostly waiting for OCR: two at once on two cores
	st, _ := sharedStack(t)
	c := newClient(t, st, "twice")
	scan := sroie(t, "002.jpg")[0]
	photo, err := testdocs.Smaller(scan, 7, 10)
	if err != nil {
		t.Fatal(err)
	}
	first := c.waitDone(t, c.uploadID(t, "scan.jpg", scan))
	again := c.waitDone(t, c.uploadID(t, "scan-again.jpg", scan))
	if again["duplicateOf"] != first["uuid"] || again["status"] != "COMPLETED" ||
		fmt.Sprint(fieldsOf(again)) != fmt.Sprint(fieldsOf(first)) || again["details"] != first["details"] {
		t.Errorf("the same file again: duplicate of %v, fields %v; want %v's, copied", again["duplicateOf"], fieldsOf(again), first["uuid"])
	}
	ph := c.waitDone(t, c.uploadID(t, "photo.jpg", photo))
	pf, ff := fieldsOf(ph), fieldsOf(first)
	if pf["vendor"] != ff["vendor"] || pf["date"] != ff["date"] || pf["total"] != ff["total"] {
		t.Fatalf("the photo reads %v / %v / %v, the scan %v / %v / %v: pick a receipt both read alike",
			pf["vendor"], pf["date"], pf["total"], ff["vendor"], ff["date"], ff["total"])
	}
	if ph["possibleDuplicateOf"] != first["uuid"] || ph["duplicateOf"] != nil {
		t.Errorf("the photo: possible duplicate of %v, duplicate of %v; want %v", ph["possibleDuplicateOf"], ph["duplicateOf"], first["uuid"])
	}
	_, body := c.send(t, "GET", "/receipts?duplicates=true", "", nil)
	var listed []string
	for _, r := range jsonBody(t, body)["receipts"].([]any) {
		listed = append(listed, r.(map[string]any)["uuid"].(string))
	}
	slices.Sort(listed)
	if want := []string{again["uuid"].(string), ph["uuid"].(string)}; !slices.Equal(listed, want) {
		t.Errorf("?duplicates=true lists %v, want %v", listed, want)
	}
}

// TestCountryHints: a hint at upload, the tenant's default from
// PUT /settings, and a hint at reprocessing each decide whose rules read
// the receipt (fields.country), over what the receipt's evidence says.
// (A hint over the default is internal/processor's TestCountryHint.)
func TestCountryHints(t *testing.T) {
	t.Parallel() // mostly waiting for OCR: two at once on two cores
	st, _ := sharedStack(t)
	c := newClient(t, st, "hinting")
	jpg := sroie(t, "000.jpg")[0]
	upload := func(country string) map[string]any {
		t.Helper()
		status, body := c.uploadForm(t, jpg, map[string]string{"country": country})
		if status != 200 {
			t.Fatalf("upload with country %q: %d %s", country, status, body)
		}
		var id string
		_ = json.Unmarshal([]byte(body), &id)
		return c.waitDone(t, id)
	}
	if got := fieldsOf(upload(""))["country"]; got != "MY" {
		t.Fatalf("no hint: country %v, want MY from the receipt's evidence", got)
	}
	if got := upload("GB"); got["countryHint"] != "GB" || fieldsOf(got)["country"] != "GB" {
		t.Errorf("hint GB: hint %v, country %v", got["countryHint"], fieldsOf(got)["country"])
	}
	if status, body := c.uploadForm(t, jpg, map[string]string{"country": "JP"}); status != 400 || !strings.Contains(body, "country must be one of") {
		t.Errorf("hint JP: %d %s", status, body)
	}
	if status, body := c.send(t, "PUT", "/settings", "application/json", strings.NewReader(`{"country":"US"}`)); status != 200 || jsonBody(t, body)["country"] != "US" {
		t.Fatalf("PUT /settings: %d %s", status, body)
	}
	if status, body := c.send(t, "GET", "/settings", "", nil); status != 200 || jsonBody(t, body)["country"] != "US" {
		t.Errorf("GET /settings: %d %s", status, body)
	}
	byDefault := upload("")
	if fieldsOf(byDefault)["country"] != "US" {
		t.Errorf("tenant default US: country %v", fieldsOf(byDefault)["country"])
	}
	id := byDefault["uuid"].(string)
	if status, body := c.send(t, "POST", "/receipt/"+id+"/reprocess", "application/json", strings.NewReader(`{"country":"MY"}`)); status != 202 {
		t.Fatalf("reprocess: %d %s", status, body)
	}
	if got := c.waitDone(t, id); fieldsOf(got)["country"] != "MY" || got["countryHint"] != "MY" {
		t.Errorf("reprocessed with MY: country %v, hint %v", fieldsOf(got)["country"], got["countryHint"])
	}
	if status, body := c.send(t, "PUT", "/settings", "application/json", strings.NewReader(`{"country":"Germany"}`)); status != 400 || !strings.Contains(body, "country") {
		t.Errorf("PUT /settings Germany: %d %s", status, body)
	}
	// Presigned uploads take the hint too: the receipt keeps it for the
	// processor, which reads it as above.
	status, tk, body := c.ticket(t, `{"filename":"r.jpg","contentType":"image/jpeg","size":`+itoa(len(jpg))+`,"country":"TR"}`)
	if status != 201 {
		t.Fatalf("presign: %d %s", status, body)
	}
	if got := c.waitStatus(t, tk.UUID, "UPLOADING"); got["countryHint"] != "TR" {
		t.Errorf("presigned with TR: hint %v", got["countryHint"])
	}
	if status, _, body := c.ticket(t, `{"filename":"r.jpg","contentType":"image/jpeg","size":10,"country":"XX"}`); status != 400 || !strings.Contains(body, "country") {
		t.Errorf("presign with XX: %d %s", status, body)
	}
}

// uploadForm posts a file with form values beside it.
func (c *client) uploadForm(t *testing.T, data []byte, values map[string]string) (int, string) {
	t.Helper()
	q := url.Values{}
	for k, v := range values {
		q.Set(k, v)
	}
	ct, body := formBody(t, data, q)
	return c.send(t, "POST", "/receipt", ct, body)
}

// formBody is a multipart body with data as the part "file" and each
// non-empty value as a form value.
func formBody(t *testing.T, data []byte, values url.Values) (string, *bytes.Buffer) {
	t.Helper()
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, err := mw.CreateFormFile("file", "r.jpg")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(data)
	for k := range values {
		if v := values.Get(k); v != "" {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.Close()
	return mw.FormDataContentType(), body
}

// seedReceipts writes n completed receipts of tenant straight into the
// stack's table with BatchWriteItem, as the store lays them out: dates
// over 2024 (every 10th none), a few vendors, totals from 0.00 up.
func seedReceipts(t *testing.T, st *stack.Stack, tenant string, n int) []*receipt.Receipt {
	t.Helper()
	shops := []string{"ALDI SÜD", "Aldi Nord GmbH", "Lidl", "Mr. D.I.Y. (M) Sdn Bhd", "REWE Markt"}
	now := time.Now().UTC()
	rs := make([]*receipt.Receipt, n)
	for i := range rs {
		id, err := receipt.NewID()
		if err != nil {
			t.Fatal(err)
		}
		f := receipt.Fields{Vendor: shops[i%len(shops)], Total: fmt.Sprintf("%d.%02d", (i*13)%60, (i*7)%100), Currency: "EUR"}
		if i%10 != 0 {
			f.Date = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37)%366).Format(time.DateOnly)
		}
		rs[i] = &receipt.Receipt{ID: id, Tenant: tenant, Status: receipt.Completed, Filename: "r.jpg", FileKey: receipt.FileKey(tenant, id),
			ContentType: receipt.JPEG, Size: 1000, SHA256: strings.Repeat("cd", 32), Details: "TEXT", Fields: f, Engine: "tesseract",
			CreatedAt: now, UpdatedAt: now}
	}
	testenv.PutReceipts(t, st.DB, st.Template.PhysicalName("ReceiptsTable"), rs)
	return rs
}

// TestFiltersOverThousands lists 3,000 receipts through the API with each
// filter, following nextCursor: every match comes once, nothing else does,
// and the requests needed stay within what the documented read bound
// allows (each reads at most LIST_READ_LIMIT receipts, or limit plus one
// when only dates narrow the list; internal/store's tests count the reads
// themselves).
func TestFiltersOverThousands(t *testing.T) {
	t.Parallel() // mostly waiting for OCR: two at once on two cores
	st, _ := sharedStack(t)
	const n = 3000
	tenant := fmt.Sprintf("thousands-%d", time.Now().UnixNano())
	c := &client{base: st.APIURL, key: newKey(t, st, tenant)}
	seeded := seedReceipts(t, st, tenant, n)
	readLimit := 1000 // ListFunction's LIST_READ_LIMIT in template.yaml
	now := time.Now()
	for _, tt := range []struct {
		query    string
		q        receipt.ListQuery
		filtered bool
	}{
		{"from=2024-06-01&to=2024-06-30", receipt.ListQuery{From: "2024-06-01", To: "2024-06-30"}, false},
		{"vendor=aldi", receipt.ListQuery{Vendor: "aldi"}, true},
		{"minTotal=10.70&maxTotal=20.40", receipt.ListQuery{MinTotal: "10.70", MaxTotal: "20.40"}, true},
		{"from=2024-10-01&vendor=mr%20d.i&maxTotal=30", receipt.ListQuery{From: "2024-10-01", Vendor: "mrdi", MaxTotal: "30"}, true},
	} {
		t.Run(tt.query, func(t *testing.T) {
			var want []string
			for _, r := range seeded {
				if tt.q.Matches(r, now) {
					want = append(want, r.ID)
				}
			}
			const limit = 100
			bound := limit + 1
			if tt.filtered {
				bound = readLimit
			}
			var got []string
			cursor := ""
			requests := 0
			for {
				requests++
				if requests > n/bound+len(want)/limit+2 {
					t.Fatalf("still paging after %d requests: more than %d receipts read a request", requests, bound)
				}
				status, body := c.send(t, "GET", "/receipts?limit=100&"+tt.query+cursor, "", nil)
				if status != 200 {
					t.Fatalf("%d %s", status, body)
				}
				page := jsonBody(t, body)
				for _, r := range page["receipts"].([]any) {
					got = append(got, r.(map[string]any)["uuid"].(string))
				}
				next, ok := page["nextCursor"].(string)
				if !ok {
					break
				}
				cursor = "&cursor=" + next
			}
			slices.Sort(got)
			slices.Sort(want)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%d receipts over %d requests, want the %d that match", len(got), requests, len(want))
			}
			t.Logf("%d matches of %d in %d requests", len(want), n, requests)
		})
	}
}
