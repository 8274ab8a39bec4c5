package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// DefaultListReadLimit is how many receipts a filtered list reads at most
// per request (LIST_READ_LIMIT), matching or not.
const DefaultListReadLimit = 1000

// ListReadLimitFromEnv reads LIST_READ_LIMIT through getenv: the default
// when unset, an error when it is not a whole number from 1.
func ListReadLimitFromEnv(getenv func(string) string) (int, error) {
	v := getenv("LIST_READ_LIMIT")
	if v == "" {
		return DefaultListReadLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("LIST_READ_LIMIT %q: want a whole number of receipts from 1", v)
	}
	return n, nil
}

// List returns up to limit of the tenant's receipts, newest first (ids are
// UUIDv7), starting after the receipt with id after (none: from the newest),
// optionally only those with the given status as clients see it at now
// (receipt.StatusAt). next is the id to continue after, or "" when no
// receipts follow.
//
// Each call makes one Query, which reads at most limit+1 receipts, or with
// a status at most the store's list read limit (and never more than
// DynamoDB's 1 MB a page), however few of them match. So a filtered page
// may hold fewer than limit receipts, even none, and still have a next: the
// cost of a request is bounded, never the work of finding limit matches in
// a partition where they are rare.
func (s *Store) List(ctx context.Context, tenant string, limit int, after string, status receipt.Status, now time.Time) (_ []*receipt.Receipt, next string, _ error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":sk": &types.AttributeValueMemberS{Value: receiptPrefix},
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
		// One more than asked tells whether another page exists.
		Limit: aws.Int32(int32(limit + 1)),
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
		// Limit counts receipts read before the filter.
		in.Limit = aws.Int32(int32(max(limit+1, s.listReadLimit)))
	}
	if after != "" {
		// The start key is built on the caller's own partition: a cursor can
		// only ever move within the tenant's receipts.
		in.ExclusiveStartKey = key(tenant, after)
	}
	page, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list receipts of %s: %w", tenant, err)
	}
	var items []item
	if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
		return nil, "", fmt.Errorf("unmarshal receipts: %w", err)
	}
	out := make([]*receipt.Receipt, 0, min(len(items), limit))
	for _, it := range items[:min(len(items), limit)] {
		r, err := fromItem(it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	switch {
	case len(items) > limit:
		return out, out[limit-1].ID, nil
	case page.LastEvaluatedKey != nil:
		// Receipts were read past the last match: continue after the last
		// one read, matching or not.
		next, err := receiptID(page.LastEvaluatedKey)
		return out, next, err
	}
	return out, "", nil
}

// receiptID reads the id out of a receipt's key.
func receiptID(k map[string]types.AttributeValue) (string, error) {
	sk, _ := k["SK"].(*types.AttributeValueMemberS)
	if sk == nil || !strings.HasPrefix(sk.Value, receiptSK("")) {
		return "", fmt.Errorf("list: last evaluated key %v is not a receipt's", k)
	}
	return strings.TrimPrefix(sk.Value, receiptSK("")), nil
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
