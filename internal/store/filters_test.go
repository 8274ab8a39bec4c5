//go:build integration

package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// seedVaried writes n receipts of a new tenant, oldest first, with dates
// over 2024 (every 10th without one), vendors of a few shops written
// several ways, totals from 0.00 up (every 15th without one), every 11th
// FAILED, and a few naming duplicates.
func seedVaried(t *testing.T, s *store.Store, n int) (string, []*receipt.Receipt) {
	t.Helper()
	tenant := uniqueTenant("filters")
	shops := []string{"ALDI SÜD", "Aldi Nord GmbH", "Lidl", "Mr. D.I.Y. (M) Sdn Bhd", "MR DIY KUCHAI", "REWE Markt", "99 Speed Mart"}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	ids := make([]string, n)
	for i := range ids {
		id, err := receipt.NewID()
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	sort.Strings(ids)
	rs := make([]*receipt.Receipt, n)
	for i := range rs {
		f := receipt.Fields{Vendor: shops[i%len(shops)], Currency: "EUR"}
		if i%10 != 0 {
			f.Date = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37)%366).Format(time.DateOnly)
		}
		if i%15 != 0 {
			f.Total = fmt.Sprintf("%d.%02d", (i*13)%60, (i*7)%100)
		}
		r := &receipt.Receipt{
			ID: ids[i], Tenant: tenant, Status: receipt.Completed, Filename: "r.jpg", FileKey: receipt.FileKey(tenant, ids[i]),
			ContentType: receipt.JPEG, Size: 1000, SHA256: strings.Repeat("ab", 32), Details: strings.Repeat("ITEM 1 x 9.90\n", 20),
			Fields: f, CreatedAt: now, UpdatedAt: now,
		}
		if i%11 == 3 {
			// Failed: no fields, or those of an earlier processing.
			r.Status = receipt.Failed
			if i%2 == 0 {
				r.Fields = receipt.Fields{}
			}
		}
		switch {
		case i%97 == 5:
			r.DuplicateOf = ids[i-1]
		case i%131 == 6:
			r.PossibleDuplicateOf = ids[i-1]
		}
		rs[i] = r
	}
	if err := s.PutAll(context.Background(), rs, 4); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return tenant, rs
}

// TestFiltersPageWithinTheReadBound lists a few thousand receipts with
// each filter and some together, following the cursors: the pages hold
// exactly the receipts the filter matches, each once, in the list's
// order, and every request is one Query that reads at most the read limit
// (limit plus one when only the index's key narrows the list).
func TestFiltersPageWithinTheReadBound(t *testing.T) {
	const n, readLimit = 3000, 500
	s, meter := meteredStore(t, store.WithListReadLimit(readLimit))
	tenant, seeded := seedVaried(t, s, n)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		q        receipt.ListQuery
		filtered bool // anything beyond the key: bounded by the read limit
	}{
		{"a month", receipt.ListQuery{Limit: 25, From: "2024-03-01", To: "2024-03-31"}, false},
		{"from a day on", receipt.ListQuery{Limit: 100, From: "2024-11-15"}, false},
		{"up to a day", receipt.ListQuery{Limit: 100, To: "2024-01-20"}, false},
		{"vendor prefix, any case and punctuation", receipt.ListQuery{Limit: 30, Vendor: receipt.FoldVendor("aldi")}, true},
		{"vendor prefix across words", receipt.ListQuery{Limit: 30, Vendor: receipt.FoldVendor("Mr. DIY (M")}, true},
		// Bounds that seeded totals equal: both are included.
		{"totals between", receipt.ListQuery{Limit: 50, MinTotal: "10.7", MaxTotal: "20.40"}, true},
		{"totals from", receipt.ListQuery{Limit: 100, MinTotal: "53.07"}, true},
		{"totals up to", receipt.ListQuery{Limit: 100, MaxTotal: "1.190"}, true},
		{"duplicates", receipt.ListQuery{Limit: 10, Duplicates: true}, true},
		{"a quarter, a vendor, a least total", receipt.ListQuery{Limit: 20, From: "2024-04-01", To: "2024-06-30", Vendor: "lidl", MinTotal: "30"}, true},
		{"failed with a date", receipt.ListQuery{Limit: 20, From: "2024-01-01", Status: receipt.Failed}, true},
		{"failed", receipt.ListQuery{Limit: 100, Status: receipt.Failed}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, r := range seeded {
				if tt.q.Matches(r, now) {
					want = append(want, r.ID)
				}
			}
			if len(want) == 0 {
				t.Fatal("the filter matches none of the seeded receipts: the test proves nothing")
			}
			bound := tt.q.Limit + 1
			if tt.filtered {
				bound = max(bound, readLimit)
			}
			var got []*receipt.Receipt
			q := tt.q
			meter.take()
			for requests := 1; ; requests++ {
				// Each request reads at most bound receipts, so the whole
				// list takes at most this many.
				if requests > n/bound+len(want)/q.Limit+2 {
					t.Fatalf("still paging after %d requests", requests)
				}
				rs, next, err := s.List(context.Background(), tenant, q, now)
				if err != nil {
					t.Fatalf("request %d: %v", requests, err)
				}
				if calls, scanned := meter.take(); calls != 1 || scanned > bound {
					t.Fatalf("request %d: %d queries read %d receipts, want 1 reading at most %d", requests, calls, scanned, bound)
				}
				if len(rs) > q.Limit {
					t.Fatalf("request %d: %d receipts, over the limit %d", requests, len(rs), q.Limit)
				}
				got = append(got, rs...)
				if next == "" {
					break
				}
				if next == q.After {
					t.Fatalf("request %d: the cursor did not move", requests)
				}
				q.After = next
			}
			ids := make([]string, len(got))
			for i, r := range got {
				ids[i] = r.ID
			}
			sorted := slices.Clone(ids)
			slices.Sort(sorted)
			if !slices.Equal(sorted, want) {
				t.Errorf("the pages hold %d receipts, want the %d that match (%d missing or extra)", len(ids), len(want), diff(sorted, want))
			}
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if tt.q.ByDate() && a.Fields.Date < b.Fields.Date || !tt.q.ByDate() && a.ID < b.ID {
					t.Fatalf("out of order at %d: %s %s before %s %s", i, a.Fields.Date, a.ID, b.Fields.Date, b.ID)
				}
			}
		})
	}
}

// diff counts the ids in one sorted list and not the other.
func diff(a, b []string) int {
	n := 0
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			n++
		}
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok {
			n++
		}
	}
	return n
}
