package receipt

import (
	"math/big"
	"strings"
	"time"
)

// ListQuery says which of a tenant's receipts a list wants, and where the
// previous page stopped.
type ListQuery struct {
	Limit int
	// After is the previous page's cursor, as the store made it; empty
	// starts from the first receipt.
	After  string
	Status Status
	// From and To bound the receipt's date (YYYY-MM-DD, both included);
	// either may be empty. With either, receipts without a date are left
	// out and the list runs by date, latest first.
	From, To string
	// Vendor is a prefix of the vendor as FoldVendor folds it.
	Vendor string
	// MinTotal and MaxTotal bound the total (decimals, both included);
	// either may be empty. With either, receipts without a total are left
	// out.
	MinTotal, MaxTotal string
	// Duplicates keeps only receipts that name a duplicate (DuplicateOf or
	// PossibleDuplicateOf).
	Duplicates bool
}

// ByDate reports whether the query bounds the receipt date.
func (q ListQuery) ByDate() bool { return q.From != "" || q.To != "" }

// Matches reports whether r is one of the receipts q asks for, with its
// status as clients see it at now.
func (q ListQuery) Matches(r *Receipt, now time.Time) bool {
	f := r.Fields
	switch {
	case q.Status != "" && r.StatusAt(now) != q.Status,
		q.ByDate() && !ValidDate(f.Date),
		q.From != "" && f.Date < q.From,
		q.To != "" && f.Date > q.To,
		q.Vendor != "" && !strings.HasPrefix(FoldVendor(f.Vendor), q.Vendor),
		q.Duplicates && r.DuplicateOf == "" && r.PossibleDuplicateOf == "":
		return false
	}
	if q.MinTotal == "" && q.MaxTotal == "" {
		return true
	}
	total, ok := new(big.Rat).SetString(f.Total)
	if !ok || !ValidAmount(f.Total) {
		return false
	}
	if lo, ok := new(big.Rat).SetString(q.MinTotal); ok && total.Cmp(lo) < 0 {
		return false
	}
	if hi, ok := new(big.Rat).SetString(q.MaxTotal); ok && total.Cmp(hi) > 0 {
		return false
	}
	return true
}

// Cursor is where a list q stopped: the id of the last receipt read, and
// on a list by date that receipt's date before it ("2024-05-01/<id>").
func (q ListQuery) Cursor(date, id string) string {
	if q.ByDate() {
		return date + "/" + id
	}
	return id
}

// Position reads q.After, the cursor of q's previous page: ErrBadCursor
// when it is not one of q's (another list's, or a date outside q's
// bounds).
func (q ListQuery) Position() (date, id string, err error) {
	id = q.After
	if q.ByDate() {
		var ok bool
		if date, id, ok = strings.Cut(q.After, "/"); !ok || !ValidDate(date) ||
			(q.From != "" && date < q.From) || (q.To != "" && date > q.To) {
			return "", "", ErrBadCursor
		}
	}
	if !ValidID(id) {
		return "", "", ErrBadCursor
	}
	return date, id, nil
}
