package store

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// The table's stream and the dead letters of its consumer carry items as
// they are laid out here; these read them back, so the layout stays in this
// package.

// KeyFromStreamKeys reads the tenant and id of a receipt from an item's
// string keys (attribute name to value), as a stream record carries them.
// ok is false for an item that is not a receipt: an API key, an idempotency
// record.
func KeyFromStreamKeys(keys map[string]string) (tenant, id string, ok bool) {
	tenant, ok1 := strings.CutPrefix(keys["PK"], tenantPrefix)
	id, ok2 := strings.CutPrefix(keys["SK"], receiptPrefix)
	if !ok1 || !ok2 || tenant == "" || id == "" {
		return "", "", false
	}
	return tenant, id, true
}

// ReceiptFromImage reads the receipt a stream record's image holds. It
// needs no more than the attributes every receipt item has from its first
// write, so that a record the stream's consumer must act on is never
// dropped over a field it does not use: times it cannot parse are left
// zero. An item that is not a receipt is an error.
func ReceiptFromImage(img map[string]types.AttributeValue) (*receipt.Receipt, error) {
	var it item
	if err := attributevalue.UnmarshalMap(img, &it); err != nil {
		return nil, fmt.Errorf("unmarshal stream image: %w", err)
	}
	tenant, id, ok := KeyFromStreamKeys(map[string]string{"PK": it.PK, "SK": it.SK})
	if !ok {
		return nil, fmt.Errorf("stream image of %q/%q is not a receipt", it.PK, it.SK)
	}
	r := receiptOf(it)
	r.Tenant, r.ID = tenant, id
	return r, nil
}
