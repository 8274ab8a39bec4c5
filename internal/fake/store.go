// Package fake holds in-memory stand-ins for the stores the functions
// use, for unit tests: Store for internal/store's Store (receipts,
// Idempotency-Key records, vendor memory, settings, API keys, webhook
// endpoints and deliveries) and Files for internal/files' Store. Each is
// written once, and keeps the conditions of the real one where code relies
// on them: every state transition conditional, everything scoped to its
// tenant, a missing item not found. The integration tier runs the same
// tests against the real stores, and checks_test.go holds both to the
// interfaces their users declare.
//
// Only tests may import it: TestOnlyTestsImport keeps it out of every
// function and command.
package fake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
	"github.com/receipts-api/receipts/internal/webhook"
)

// Store keeps in memory what internal/store keeps in DynamoDB. Its zero
// value is not ready: use NewStore.
type Store struct {
	mu          sync.Mutex
	receipts    map[string]*stored           // by tenant + "/" + id
	files       map[string][]string          // receipt ids by tenant + "/" + SHA-256
	idem        map[string]*idemRecord       // by tenant + "/" + key
	vendors     map[string]vendors.Entry     // by tenant + "/" + kind + "/" + value
	settings    map[string]receipt.Settings  // by tenant
	reprocessed map[string]int               // by tenant + "/" + day
	keys        map[string]receipt.APIKey    // by hash
	endpoints   map[string]*webhook.Endpoint // by tenant + "/" + id
	deliveries  map[string]*webhook.Delivery // by tenant + "/" + endpoint + "/" + id
}

// stored is a receipt as the table holds it: the engine's reading apart
// only when it differs from the fields (corrections, or a vendor memory
// that changed them).
type stored struct {
	r         receipt.Receipt
	extracted *receipt.Fields
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		receipts: map[string]*stored{}, files: map[string][]string{}, idem: map[string]*idemRecord{},
		vendors: map[string]vendors.Entry{}, settings: map[string]receipt.Settings{}, reprocessed: map[string]int{},
		keys: map[string]receipt.APIKey{}, endpoints: map[string]*webhook.Endpoint{}, deliveries: map[string]*webhook.Delivery{},
	}
}

// read is the receipt as Get returns it: a copy, its engine's reading the
// fields unless stored apart.
func (s *stored) read() *receipt.Receipt {
	c := s.r
	c.Extracted = c.Fields
	if s.extracted != nil {
		c.Extracted = *s.extracted
	}
	return &c
}

// Create writes a new receipt; it never overwrites (receipt.ErrConflict).
func (s *Store) Create(_ context.Context, r *receipt.Receipt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.create(r)
}

func (s *Store) create(r *receipt.Receipt) error {
	k := r.Tenant + "/" + r.ID
	if _, ok := s.receipts[k]; ok {
		return fmt.Errorf("create receipt %s: %w", r.ID, receipt.ErrConflict)
	}
	r.Version = max(r.Version, 1)
	st := &stored{r: *r}
	if len(r.Corrections) > 0 {
		x := r.Extracted
		st.extracted = &x
	}
	s.receipts[k] = st
	return nil
}

// Get returns the tenant's receipt, or receipt.ErrNotFound.
func (s *Store) Get(_ context.Context, tenant, id string) (*receipt.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.receipts[tenant+"/"+id]
	if !ok {
		return nil, fmt.Errorf("get receipt %s: %w", id, receipt.ErrNotFound)
	}
	return st.read(), nil
}

// Update changes the stored receipt as a write from elsewhere would (a
// test's setup), without condition or new version. It panics when the
// tenant has no such receipt: the test is wrong.
func (s *Store) Update(tenant, id string, change func(*receipt.Receipt)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.receipts[tenant+"/"+id]
	if !ok {
		panic(fmt.Sprintf("fake: no receipt %s of %s to update", id, tenant))
	}
	change(&st.r)
}

// Delete removes the tenant's receipt and the marker of its file, or
// returns receipt.ErrNotFound.
func (s *Store) Delete(_ context.Context, tenant, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tenant + "/" + id
	st, ok := s.receipts[k]
	if !ok {
		return fmt.Errorf("delete receipt %s: %w", id, receipt.ErrNotFound)
	}
	delete(s.receipts, k)
	if sha := st.r.SHA256; sha != "" {
		fk := tenant + "/" + sha
		s.files[fk] = slices.DeleteFunc(s.files[fk], func(x string) bool { return x == id })
	}
	return nil
}

// List returns a page of the tenant's receipts matching q: newest first
// (UUIDv7 ids sort by creation), or latest date first.
func (s *Store) List(_ context.Context, tenant string, q receipt.ListQuery, now time.Time) ([]*receipt.Receipt, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var after *receipt.Receipt
	if q.After != "" {
		date, id, err := q.Position()
		if err != nil {
			return nil, "", fmt.Errorf("list: %w", err)
		}
		after = &receipt.Receipt{ID: id, Fields: receipt.Fields{Date: date}}
	}
	less := func(a, b *receipt.Receipt) bool {
		if q.ByDate() && a.Fields.Date != b.Fields.Date {
			return a.Fields.Date > b.Fields.Date
		}
		return a.ID > b.ID
	}
	var rs []*receipt.Receipt
	for k, st := range s.receipts {
		if strings.HasPrefix(k, tenant+"/") && (after == nil || less(after, &st.r)) {
			rs = append(rs, st.read())
		}
	}
	slices.SortFunc(rs, func(a, b *receipt.Receipt) int {
		if less(a, b) {
			return -1
		}
		return 1
	})
	var out []*receipt.Receipt
	for i, r := range rs {
		if !q.Matches(r, now) {
			continue
		}
		if len(out) == q.Limit {
			prev := rs[i-1]
			return out, q.Cursor(prev.Fields.Date, prev.ID), nil
		}
		out = append(out, r)
	}
	return out, "", nil
}

// transition changes the tenant's receipt if it is in state from, and
// counts its version up; else receipt.ErrConflict.
func (s *Store) transition(tenant, id string, from receipt.Status, change func(*stored)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.receipts[tenant+"/"+id]
	if !ok || st.r.Status != from {
		return fmt.Errorf("finish receipt %s: %w", id, receipt.ErrConflict)
	}
	change(st)
	st.r.Version++
	return nil
}

// Uploaded moves a receipt from UPLOADING to PROCESSING, its file checked
// and at fileKey.
func (s *Store) Uploaded(_ context.Context, tenant, id, fileKey string, size int64, sha256 string, now time.Time) error {
	return s.transition(tenant, id, receipt.Uploading, func(st *stored) {
		r := &st.r
		r.Status, r.FileKey, r.Size, r.SHA256, r.UpdatedAt = receipt.Processing, fileKey, size, sha256, now.UTC()
		r.UploadExpiresAt = time.Time{}
	})
}

// FailUpload moves a receipt from UPLOADING to FAILED.
func (s *Store) FailUpload(_ context.Context, tenant, id, reason string, now time.Time) error {
	return s.transition(tenant, id, receipt.Uploading, func(st *stored) {
		r := &st.r
		r.Status, r.Error, r.UpdatedAt, r.FinishedAt = receipt.Failed, reason, now.UTC(), now.UTC()
	})
}

// Complete records a result and moves the receipt from PROCESSING to
// COMPLETED, replacing whatever an earlier processing left.
func (s *Store) Complete(_ context.Context, tenant, id string, res receipt.Result, now time.Time) error {
	return s.transition(tenant, id, receipt.Processing, func(st *stored) {
		r := &st.r
		r.Status, r.UpdatedAt, r.FinishedAt, r.Error = receipt.Completed, now.UTC(), now.UTC(), ""
		r.Attempts++
		r.Details, r.DetailsKey, r.DetailsTruncated = res.Details, res.DetailsKey, res.DetailsTruncated
		if res.DetailsKey != "" {
			r.Details = ""
		}
		r.Fields, r.Engine, r.Timings = res.Fields, res.Engine, res.Timings
		r.DuplicateOf, r.PossibleDuplicateOf = res.DuplicateOf, res.PossibleDuplicateOf
		st.extracted = nil
		if res.Extracted != nil {
			x := *res.Extracted
			st.extracted = &x
		}
	})
}

// Fail moves a receipt from PROCESSING to FAILED with the reason.
func (s *Store) Fail(_ context.Context, tenant, id, reason string, now time.Time) error {
	return s.transition(tenant, id, receipt.Processing, func(st *stored) {
		r := &st.r
		r.Status, r.Error, r.UpdatedAt, r.FinishedAt = receipt.Failed, reason, now.UTC(), now.UTC()
		r.Attempts++
	})
}

// Correct writes r's fields and corrections if the receipt is still at
// version seen (else receipt.ErrConflict), with what they teach the vendor
// memory.
func (s *Store) Correct(_ context.Context, r *receipt.Receipt, seen int64, teach []vendors.Entry, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.receipts[r.Tenant+"/"+r.ID]
	if !ok || st.r.Version != seen {
		return fmt.Errorf("correct receipt %s: %w", r.ID, receipt.ErrConflict)
	}
	st.r.Fields, st.r.Corrections, st.r.UpdatedAt = r.Fields, maps.Clone(r.Corrections), now.UTC()
	st.extracted = nil
	if len(r.Corrections) > 0 {
		x := r.Extracted
		st.extracted = &x
	}
	st.r.Version = seen + 1
	r.Version = seen + 1
	for _, e := range teach {
		s.vendors[r.Tenant+"/"+e.Kind+"/"+e.Value] = e
	}
	return nil
}

// Reprocess sends a COMPLETED or FAILED receipt still at version seen
// back to PROCESSING (else receipt.ErrConflict), within the tenant's
// allowance of limit a day (UTC; else receipt.ErrLimit).
func (s *Store) Reprocess(_ context.Context, tenant, id string, seen int64, hint *string, limit int, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.receipts[tenant+"/"+id]
	if !ok || st.r.Version != seen || (st.r.Status != receipt.Completed && st.r.Status != receipt.Failed) {
		return fmt.Errorf("reprocess receipt %s: %w", id, receipt.ErrConflict)
	}
	day := tenant + "/" + now.UTC().Format(time.DateOnly)
	if s.reprocessed[day] >= limit {
		return fmt.Errorf("reprocess receipt %s: %d a day: %w", id, limit, receipt.ErrLimit)
	}
	s.reprocessed[day]++
	r := &st.r
	r.Status, r.Error, r.UpdatedAt = receipt.Processing, "", now.UTC()
	r.Version++
	if hint != nil {
		r.CountryHint = *hint
	}
	return nil
}

// ReceiptsOfFile returns the ids of the tenant's n first receipts (by id)
// recorded as holding the file with this SHA-256.
func (s *Store) ReceiptsOfFile(_ context.Context, tenant, sha256 string, n int) ([]string, error) {
	if sha256 == "" {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Clone(s.files[tenant+"/"+sha256])
	slices.Sort(ids)
	return ids[:min(n, len(ids))], nil
}

// RecordFile records that the tenant's receipt id holds the file with this
// SHA-256; recording it again changes nothing.
func (s *Store) RecordFile(_ context.Context, tenant, sha256, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := tenant + "/" + sha256
	if !slices.Contains(s.files[k], id) {
		s.files[k] = append(s.files[k], id)
	}
	return nil
}

// SameReceipt returns the ids, oldest first, of the tenant's receipts of
// another file than sha256 with f's date, vendor (folded) and total.
func (s *Store) SameReceipt(_ context.Context, tenant string, f receipt.Fields, sha256 string) ([]string, error) {
	vendor := receipt.FoldVendor(f.Vendor)
	if f.Date == "" || vendor == "" || f.Total == "" {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for k, st := range s.receipts {
		g := st.r.Fields
		if strings.HasPrefix(k, tenant+"/") && (sha256 == "" || st.r.SHA256 != sha256) &&
			g.Date == f.Date && g.Total == f.Total && receipt.FoldVendor(g.Vendor) == vendor {
			ids = append(ids, st.r.ID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// VendorEntries returns the tenant's vendor memory for the keys it has.
func (s *Store) VendorEntries(_ context.Context, tenant string, keys []vendors.Key) (map[vendors.Key]vendors.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[vendors.Key]vendors.Entry{}
	for _, k := range keys {
		if e, ok := s.vendors[tenant+"/"+k.Kind+"/"+k.Value]; ok {
			out[k] = e
		}
	}
	return out, nil
}

// Teach puts entries in the tenant's vendor memory, as corrections of
// earlier receipts would have.
func (s *Store) Teach(tenant string, entries ...vendors.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		s.vendors[tenant+"/"+e.Kind+"/"+e.Value] = e
	}
}

// Settings returns the tenant's settings, the zero Settings when it set
// none.
func (s *Store) Settings(_ context.Context, tenant string) (receipt.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings[tenant], nil
}

// PutSettings replaces the tenant's settings.
func (s *Store) PutSettings(_ context.Context, tenant string, set receipt.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[tenant] = set
	return nil
}
