//go:build !integration

package store

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Image is the item r is stored as, as a stream record's image carries it.
func Image(r *receipt.Receipt) (map[string]types.AttributeValue, error) { return Item(r) }
