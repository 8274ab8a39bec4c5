package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// List returns up to limit of the tenant's receipts, newest first (ids are
// UUIDv7), starting after the receipt with id after (none: from the newest),
// optionally only those with the given status. more says whether receipts
// may follow the last one returned.
func (s *Store) List(ctx context.Context, tenant string, limit int, after string, status receipt.Status) (_ []*receipt.Receipt, more bool, _ error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":sk": &types.AttributeValueMemberS{Value: "RECEIPT#"},
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
	}
	if status != "" {
		in.FilterExpression = aws.String("#status = :status")
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":status"] = &types.AttributeValueMemberS{Value: string(status)}
	}
	if after != "" {
		// The start key is built on the caller's own partition: a cursor can
		// only ever move within the tenant's receipts.
		in.ExclusiveStartKey = key(tenant, after)
	}
	var out []*receipt.Receipt
	for {
		// One more than asked tells whether another page exists.
		in.Limit = aws.Int32(int32(limit + 1 - len(out)))
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, false, fmt.Errorf("list receipts of %s: %w", tenant, err)
		}
		var items []item
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, false, fmt.Errorf("unmarshal receipts: %w", err)
		}
		for _, it := range items {
			r, err := fromItem(it)
			if err != nil {
				return nil, false, err
			}
			out = append(out, r)
		}
		if len(out) > limit {
			return out[:limit], true, nil
		}
		if page.LastEvaluatedKey == nil {
			return out, false, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// Delete removes the tenant's receipt, or returns receipt.ErrNotFound.
func (s *Store) Delete(ctx context.Context, tenant, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.table),
		Key:                 key(tenant, id),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if err != nil {
		if err = mapErr(err); err == receipt.ErrConflict {
			err = receipt.ErrNotFound
		}
		return fmt.Errorf("delete receipt %s: %w", id, err)
	}
	return nil
}
