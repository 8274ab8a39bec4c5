package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// List returns up to limit of the tenant's receipts, newest first (ids are
// UUIDv7), starting after the receipt with id after (none: from the newest),
// optionally only those with the given status as clients see it at now
// (receipt.StatusAt). more says whether receipts may follow the last one
// returned.
func (s *Store) List(ctx context.Context, tenant string, limit int, after string, status receipt.Status, now time.Time) (_ []*receipt.Receipt, more bool, _ error) {
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
		filter, timed := statusFilter[status]
		if !timed {
			filter = "#status = :status"
		}
		in.FilterExpression = aws.String(filter)
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":status"] = &types.AttributeValueMemberS{Value: string(status)}
		if timed {
			in.ExpressionAttributeNames["#until"] = "uploadExpiresAt"
			in.ExpressionAttributeValues[":now"] = &types.AttributeValueMemberS{Value: now.UTC().Format(timeLayout)}
		}
		if status == receipt.Failed {
			in.ExpressionAttributeValues[":uploading"] = &types.AttributeValueMemberS{Value: string(receipt.Uploading)}
		}
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

// statusFilter holds the filters for statuses that depend on the time, as
// receipt.StatusAt decides them: an UPLOADING receipt whose upload URL has
// expired is FAILED. Times are compared as RFC 3339 strings in UTC, exact
// to the second.
var statusFilter = map[receipt.Status]string{
	receipt.Failed:    "#status = :status OR (#status = :uploading AND #until < :now)",
	receipt.Uploading: "#status = :status AND (attribute_not_exists(#until) OR #until >= :now)",
}
