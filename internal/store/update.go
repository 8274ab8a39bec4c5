package store

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// update builds an UpdateExpression: attributes set, removed, and the
// version counted up, every one through a #name placeholder.
type update struct {
	sets    []string
	removes []string
	values  map[string]any
}

func newUpdate() *update { return &update{values: map[string]any{}} }

// set sets attr to v.
func (u *update) set(attr string, v any) {
	u.sets = append(u.sets, "#"+attr+" = :"+attr)
	u.values[":"+attr] = v
}

// remove removes attr.
func (u *update) remove(attr string) { u.removes = append(u.removes, "#"+attr) }

// setOrRemove sets attr to v when present, else removes it.
func (u *update) setOrRemove(attr string, v any, present bool) {
	if present {
		u.set(attr, v)
	} else {
		u.remove(attr)
	}
}

// expr is the UpdateExpression; every update counts the version up.
func (u *update) expr() string {
	e := ""
	if len(u.sets) > 0 {
		e = "SET " + strings.Join(u.sets, ", ")
	}
	if len(u.removes) > 0 {
		e += " REMOVE " + strings.Join(u.removes, ", ")
	}
	u.values[":versionStep"] = 1
	return strings.TrimSpace(e + " ADD #version :versionStep")
}

// input returns the expression, its condition's and its own placeholders
// and values; condValues are the condition's own values.
func (u *update) input(cond string, condValues map[string]any) (expr string, nm map[string]string, values map[string]types.AttributeValue, err error) {
	expr = u.expr()
	for k, v := range condValues {
		u.values[k] = v
	}
	values, err = attributevalue.MarshalMap(u.values)
	if err != nil {
		return "", nil, nil, fmt.Errorf("marshal update: %w", err)
	}
	return expr, names(expr + " " + cond), values, nil
}

// setFields writes the fields clients see and what the filters and
// indexes read from them (derived), and the engine's reading beside them
// when corrections make the two differ.
func (u *update) setFields(f receipt.Fields, extracted *receipt.Fields) {
	fi := fieldsItem(f)
	u.setOrRemove("fields", fi, fi != nil)
	var ei *fields
	if extracted != nil {
		ei = fieldsItem(*extracted)
	}
	u.setOrRemove("extracted", ei, ei != nil)
	d := derive(f)
	u.setOrRemove("receiptDate", d.date, d.date != "")
	u.setOrRemove("vendorKey", d.vendor, d.vendor != "")
	u.setOrRemove("totalValue", d.total, d.total != "")
}

// derived are the attributes the list filters and the indexes read,
// taken from a receipt's fields as clients see them: its date (ByDate's
// sort key; a receipt without one is not in that index), its vendor
// folded (receipt.FoldVendor) and its total as a number.
type derived struct {
	date, vendor string
	total        attributevalue.Number
}

func derive(f receipt.Fields) derived {
	var d derived
	if receipt.ValidDate(f.Date) {
		d.date = f.Date
	}
	d.vendor = receipt.FoldVendor(f.Vendor)
	if receipt.ValidAmount(f.Total) {
		d.total = attributevalue.Number(f.Total)
	}
	return d
}
