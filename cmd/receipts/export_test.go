//go:build !integration

package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportServer serves pages of receipts as the API does, checking that
// each request carries the export's filters and the previous cursor.
func exportServer(t *testing.T, pages []string, wantQuery map[string]string) (*httptest.Server, *int) {
	served := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		want := ""
		if served > 0 {
			want = fmt.Sprintf("c%d", served)
		}
		if q.Get("cursor") != want || q.Get("limit") != "100" {
			t.Errorf("request %d: %s, want cursor %q", served+1, r.URL, want)
		}
		for k, v := range wantQuery {
			if q.Get(k) != v {
				t.Errorf("request %d: %s=%q, want %q", served+1, k, q.Get(k), v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages[served]))
		served++
	}))
	t.Cleanup(srv.Close)
	return srv, &served
}

func TestExportCSV(t *testing.T) {
	pages := []string{
		`{"receipts":[{"uuid":"r1","status":"COMPLETED","filename":"a.jpg","fields":{"vendor":"ACME, Inc. \"Best\"","date":"2024-01-02","total":"12.50","currency":"EUR","lineItems":[{},{}]},"corrections":{"vendor":{"at":"x"},"total":{"at":"x"}}}],"nextCursor":"c1"}`,
		`{"receipts":[],"nextCursor":"c2"}`,
		`{"receipts":[{"uuid":"r2","status":"FAILED","filename":"=HYPERLINK(\"x\")"},{"uuid":"r3","status":"COMPLETED","fields":{"vendor":"  -Minus\nShop ","address":"Line 1\r\nLine 2","total":"-3.00"},"duplicateOf":"r1"}]}`,
	}
	srv, served := exportServer(t, pages, map[string]string{"from": "2024-01-01", "to": "2024-12-31"})
	out := filepath.Join(t.TempDir(), "receipts.csv")
	if _, err := cli(t, "--url", srv.URL, "--key", "k", "export", "--from", "2024-01-01", "--to", "2024-12-31", "-o", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, b)
	}
	if lines := strings.Count(string(b), "\n"); lines != 4 || len(rows) != 4 || *served != 3 {
		t.Fatalf("%d lines, %d rows over %d requests; want a header and a line per receipt over 3:\n%s", lines, len(rows), *served, b)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, c := range []struct {
		row          int
		column, want string
	}{
		{1, "vendor", `ACME, Inc. "Best"`},
		{1, "total", "12.50"},
		{1, "lineItems", "2"},
		{1, "corrected", "total vendor"},
		{2, "filename", `'=HYPERLINK("x")`},
		{3, "vendor", "'-Minus Shop"},
		{3, "address", "Line 1 Line 2"},
		{3, "total", "-3.00"},
		{3, "duplicateOf", "r1"},
	} {
		if got := rows[c.row][col[c.column]]; got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.column, got, c.want)
		}
	}
}

func TestExportJSON(t *testing.T) {
	pages := []string{
		`{"receipts":[{"uuid":"r1","details":"LONG TEXT","fields":{"total":"1.00"}}],"nextCursor":"c1"}`,
		`{"receipts":[{"uuid":"r2"}]}`,
	}
	srv, _ := exportServer(t, pages, map[string]string{"vendor": "aldi"})
	out, err := cli(t, "--url", srv.URL, "--key", "k", "export", "--format", "json", "--vendor", "aldi")
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 2 || rs[0]["details"] != nil || rs[1]["uuid"] != "r2" {
		t.Errorf("export = %s (%v)", out, err)
	}
	srv, _ = exportServer(t, []string{`{"receipts":[]}`}, nil)
	if out, err := cli(t, "--url", srv.URL, "--key", "k", "--json", "export"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("an empty export = %q, %v; want []", out, err)
	}
}
