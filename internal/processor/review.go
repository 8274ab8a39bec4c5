package processor

import (
	"context"
	"errors"
	"fmt"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
	"github.com/receipts-api/receipts/internal/workqueue"
)

// outcome is what processing a receipt found, before it is stored.
type outcome struct {
	text   string
	fields receipt.Fields
	// extracted is the reading beneath the receipt's corrections, when
	// it has any (see receipt.Result).
	extracted                        *receipt.Fields
	engine                           string
	duplicateOf, possibleDuplicateOf string
}

// markersRead is how many of a file's oldest receipts are looked at to
// find the first that still exists.
const markersRead = 3

// firstOfFile returns the tenant's first receipt of the same file, older
// than rc, or nil, and records rc's own file for the receipts after it.
// A receipt processed again keeps what its first processing found.
func (p *Processor) firstOfFile(ctx context.Context, job workqueue.Job, rc *receipt.Receipt) (*receipt.Receipt, error) {
	sha := rc.SHA256
	if sha == "" {
		sha = job.SHA256
	}
	if rc.Reprocessing() {
		if rc.DuplicateOf == "" {
			return nil, nil
		}
		first, err := p.receipts.Get(ctx, job.Tenant, rc.DuplicateOf)
		if errors.Is(err, receipt.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read first receipt of file %s: %w", rc.DuplicateOf, err)
		}
		// Named again, never copied: reprocessing means extracting.
		return &receipt.Receipt{ID: first.ID, Status: receipt.Processing}, nil
	}
	if sha == "" {
		return nil, nil
	}
	ids, err := p.receipts.ReceiptsOfFile(ctx, job.Tenant, sha, markersRead)
	if err != nil {
		return nil, err
	}
	if err := p.receipts.RecordFile(ctx, job.Tenant, sha, job.ID); err != nil {
		return nil, err
	}
	for _, id := range ids {
		// Ids sort by creation time: only older receipts are first.
		if id >= job.ID {
			return nil, nil
		}
		first, err := p.receipts.Get(ctx, job.Tenant, id)
		if errors.Is(err, receipt.ErrNotFound) {
			continue // deleted, its marker left behind
		}
		if err != nil {
			return nil, fmt.Errorf("read first receipt of file %s: %w", id, err)
		}
		return first, nil
	}
	return nil, nil
}

// copyOf is the outcome of a receipt whose file a completed receipt,
// first, already holds: its text and fields, as clients see them, with
// no extraction.
func (p *Processor) copyOf(ctx context.Context, first *receipt.Receipt) (outcome, error) {
	text := first.Details
	if first.DetailsKey != "" {
		b, err := p.files.Get(ctx, first.DetailsKey)
		if err != nil {
			return outcome{}, fmt.Errorf("read text of first receipt %s: %w", first.ID, err)
		}
		text = string(b)
	}
	engine := first.Engine
	if engine == "" {
		engine = p.Engine
	}
	return outcome{text: text, fields: first.Fields, engine: engine, duplicateOf: first.ID}, nil
}

// country is where the receipt is from as its client or tenant says:
// the receipt's own hint, else the tenant's default, else "" (the
// receipt's evidence decides).
func (p *Processor) country(ctx context.Context, rc *receipt.Receipt) (string, error) {
	if rc.CountryHint != "" {
		return rc.CountryHint, nil
	}
	set, err := p.receipts.Settings(ctx, rc.Tenant)
	if err != nil {
		return "", err
	}
	return set.Country, nil
}

// review applies to an extracted outcome what the tenant taught: its
// vendor memory, then the receipt's own corrections on top, and names an
// earlier receipt of the same purchase.
func (p *Processor) review(ctx context.Context, rc *receipt.Receipt, out *outcome) error {
	if keys := vendors.Keys(out.fields); len(keys) > 0 {
		known, err := p.receipts.VendorEntries(ctx, rc.Tenant, keys)
		if err != nil {
			return err
		}
		if e, changed := vendors.Recall(&out.fields, known); changed {
			p.log.InfoContext(ctx, "vendor recalled", "tenant", rc.Tenant, "id", rc.ID, "identifier", e.Kind, "taughtBy", e.Receipt)
		}
	}
	if len(rc.Corrections) > 0 {
		extracted := out.fields
		out.extracted = &extracted
		out.fields = receipt.Corrected(extracted, rc.Fields, rc.Corrections)
	}
	if out.duplicateOf != "" {
		return nil
	}
	ids, err := p.receipts.SameReceipt(ctx, rc.Tenant, out.fields, rc.SHA256)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id != rc.ID {
			out.possibleDuplicateOf = id
			break
		}
	}
	return nil
}
