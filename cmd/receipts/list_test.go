//go:build !integration

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestListFollowsShortPages serves filtered pages as the API may: short or
// empty with a cursor. list gathers --limit receipts across them, and
// --all reads every page.
func TestListFollowsShortPages(t *testing.T) {
	pages := []string{
		`{"receipts":[],"nextCursor":"c1"}`,
		`{"receipts":[{"uuid":"r1"}],"nextCursor":"c2"}`,
		`{"receipts":[],"nextCursor":"c3"}`,
		`{"receipts":[{"uuid":"r2"},{"uuid":"r3"}],"nextCursor":"c4"}`,
		`{"receipts":[{"uuid":"r4"}]}`,
	}
	tests := []struct {
		args      []string
		want      []string
		wantPages int
	}{
		{[]string{"--limit", "2"}, []string{"r1", "r2"}, 4},
		{[]string{"--limit", "1"}, []string{"r1"}, 2},
		{[]string{"--limit", "2", "--all"}, []string{"r1", "r2", "r3", "r4"}, 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.args), func(t *testing.T) {
			served := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				want := ""
				if served > 0 {
					want = fmt.Sprintf("c%d", served)
				}
				if got := r.URL.Query().Get("cursor"); got != want || r.URL.Query().Get("status") != "FAILED" {
					t.Errorf("request %d: %s, want cursor %q and status FAILED", served+1, r.URL, want)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(pages[served]))
				served++
			}))
			defer srv.Close()
			args := append([]string{"--url", srv.URL, "--key", "k", "--json", "list", "--status", "FAILED"}, tt.args...)
			out, err := cli(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			var rs []map[string]any
			if err := json.Unmarshal([]byte(out), &rs); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r["uuid"].(string))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || served != tt.wantPages {
				t.Errorf("listed %v over %d pages, want %v over %d", got, served, tt.want, tt.wantPages)
			}
		})
	}
}
