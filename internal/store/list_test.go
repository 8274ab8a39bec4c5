//go:build integration

package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// queryMeter counts the Query calls a client makes and the items they read.
type queryMeter struct {
	mu      sync.Mutex
	calls   int
	scanned int
}

func (m *queryMeter) take() (calls, scanned int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	calls, scanned = m.calls, m.scanned
	m.calls, m.scanned = 0, 0
	return calls, scanned
}

// meteredStore returns a Store whose DynamoDB client reports its queries to
// a queryMeter.
func meteredStore(t *testing.T, opts ...store.Option) (*store.Store, *queryMeter) {
	m := &queryMeter{}
	db := testenv.Dynamo(t)
	metered := dynamodb.New(db.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("queryMeter",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if q, ok := out.Result.(*dynamodb.QueryOutput); ok {
						m.mu.Lock()
						m.calls++
						m.scanned += int(q.ScannedCount)
						m.mu.Unlock()
					}
					return out, md, err
				}), middleware.After)
		})
	})
	return store.New(metered, testenv.Template(t).PhysicalName("ReceiptsTable"), opts...), m
}

// seed writes n receipts of a new tenant, oldest first, with the statuses
// status(i) gives, each with a kilobyte of text as completed receipts have.
func seed(t *testing.T, s *store.Store, n int, status func(i int) receipt.Status) (tenant string, ids []string) {
	t.Helper()
	tenant = fmt.Sprintf("seeded-%d", time.Now().UnixNano())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	text := strings.Repeat("ITEM 1 x 9.90\n", 73)
	rs := make([]*receipt.Receipt, n)
	for i := range rs {
		id, err := receipt.NewID()
		if err != nil {
			t.Fatal(err)
		}
		rs[i] = &receipt.Receipt{
			ID: id, Tenant: tenant, Status: status(i), Filename: "r.jpg", FileKey: receipt.FileKey(tenant, id),
			ContentType: receipt.JPEG, Size: 123456, SHA256: strings.Repeat("ab", 32), Details: text,
			Fields:    receipt.Fields{Vendor: "SHOP", Total: "9.90", Date: "2026-11-30", Currency: "EUR"},
			CreatedAt: now, UpdatedAt: now,
		}
		ids = append(ids, id)
	}
	// UUIDv7 ids made within one millisecond are ordered by their random
	// counter; sorting keeps "oldest first" exact.
	sort.Strings(ids)
	for i, r := range rs {
		r.ID, r.FileKey = ids[i], receipt.FileKey(tenant, ids[i])
	}
	start := time.Now()
	if err := s.PutAll(context.Background(), rs, 4); err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Logf("seeded %d receipts in %v", n, time.Since(start).Round(time.Millisecond))
	return tenant, ids
}

// TestFilteredListIsBounded lists status=FAILED, limit=1 over 15,000
// receipts of which the oldest alone failed: each request makes one Query
// reading at most the read limit, answers well within a second, and
// following the cursors finds the failed one. (A list that queried until it
// had enough matches read all 15,000 in one request.)
func TestFilteredListIsBounded(t *testing.T) {
	const n, readLimit = 15000, 1000
	s, meter := meteredStore(t, store.WithListReadLimit(readLimit))
	tenant, ids := seed(t, s, n, func(i int) receipt.Status {
		if i == 0 {
			return receipt.Failed
		}
		return receipt.Completed
	})
	ctx := context.Background()
	var (
		found     []string
		latencies []time.Duration
		after     string
	)
	meter.take()
	for page := 1; ; page++ {
		if page > n/readLimit+10 {
			t.Fatalf("still paging after %d requests", page)
		}
		start := time.Now()
		rs, next, err := s.List(ctx, tenant, receipt.ListQuery{Limit: 1, After: after, Status: receipt.Failed}, time.Now())
		latencies = append(latencies, time.Since(start))
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		calls, scanned := meter.take()
		if calls != 1 || scanned > readLimit {
			t.Fatalf("page %d: %d queries read %d receipts, want 1 query reading at most %d", page, calls, scanned, readLimit)
		}
		for _, r := range rs {
			found = append(found, r.ID)
		}
		if next == "" {
			break
		}
		if next == after {
			t.Fatalf("page %d: cursor did not move", page)
		}
		after = next
	}
	if want := []string{ids[0]}; !slices.Equal(found, want) {
		t.Errorf("following the cursors found %v, want %v", found, want)
	}
	slices.Sort(latencies)
	p99 := latencies[(len(latencies)*99+99)/100-1]
	t.Logf("%d requests; latency p50 %v, p99 %v", len(latencies), latencies[len(latencies)/2], p99)
	// The bound on work is the count above; this only proves each request
	// ends well inside API Gateway's 29 s, however loaded the machine.
	if p99 > 10*time.Second {
		t.Errorf("p99 latency of a filtered page is %v: over the 10 s liveness bound (each request reads at most %d receipts)", p99, readLimit)
	}
}

// TestListPages checks the pages' edges: an unfiltered list reads one more
// than it returns; a filtered one returns what it read, with a cursor
// after the last receipt read when it stopped on the read limit.
func TestListPages(t *testing.T) {
	s, meter := meteredStore(t, store.WithListReadLimit(4))
	// Oldest first: F C C C C F F C C C (F failed, C completed).
	pattern := "FCCCCFFCCC"
	tenant, ids := seed(t, s, len(pattern), func(i int) receipt.Status {
		if pattern[i] == 'F' {
			return receipt.Failed
		}
		return receipt.Completed
	})
	newest := slices.Clone(ids)
	slices.Reverse(newest) // newest[0] is pattern[9]
	ctx := context.Background()
	tests := []struct {
		name        string
		limit       int
		status      receipt.Status
		after       string
		want        []string
		wantNext    string
		wantScanned int
	}{
		{"first page", 3, "", "", newest[:3], newest[2], 4},
		{"last page", 3, "", newest[6], newest[7:], "", 3},
		{"filtered, one found", 1, receipt.Failed, "", newest[3:4], newest[3], 4},
		{"filtered, two found, one returned", 1, receipt.Failed, newest[2], newest[3:4], newest[3], 4},
		{"filtered, none found: empty page, cursor after the reads", 1, receipt.Failed, newest[4], nil, newest[8], 4},
		{"filtered, limit over the read limit", 5, receipt.Failed, "", newest[3:5], newest[5], 6},
		{"filtered, last one", 2, receipt.Failed, newest[6], newest[9:], "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meter.take()
			rs, next, err := s.List(ctx, tenant, receipt.ListQuery{Limit: tt.limit, After: tt.after, Status: tt.status}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) || next != tt.wantNext {
				t.Errorf("List = %v next %q, want %v next %q", got, next, tt.want, tt.wantNext)
			}
			if calls, scanned := meter.take(); calls != 1 || scanned != tt.wantScanned {
				t.Errorf("%d queries read %d receipts, want 1 reading %d", calls, scanned, tt.wantScanned)
			}
		})
	}
}
