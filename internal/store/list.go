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

// List returns up to q.Limit of the tenant's receipts that q asks for,
// with statuses as clients see them at now (receipt.StatusAt), and the
// cursor to continue with ("" when no receipts follow). The list runs
// newest first (ids are UUIDv7) on the table, or with a date bound,
// latest date first on the ByDate index.
//
// Each call makes one Query, which reads at most q.Limit+1 receipts, or,
// when anything beyond the key narrows the list (status, vendor, totals,
// duplicates), at most the store's list read limit (and never more than
// DynamoDB's 1 MB a page), however few of them match. So a filtered page
// may hold fewer than q.Limit receipts, even none, and still have a next:
// the cost of a request is bounded, never the work of finding q.Limit
// matches in a partition where they are rare.
func (s *Store) List(ctx context.Context, tenant string, q receipt.ListQuery, now time.Time) (_ []*receipt.Receipt, next string, _ error) {
	l := s.listPlan(tenant, q, now)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String(l.keyCond),
		ExpressionAttributeValues: l.values,
		ScanIndexForward:          aws.Bool(false),
		// One more than asked tells whether another page exists.
		Limit: aws.Int32(int32(q.Limit + 1)),
	}
	if l.index == "" {
		in.ConsistentRead = aws.Bool(true) // indexes can't be read so
	} else {
		in.IndexName = aws.String(l.index)
	}
	if len(l.filters) > 0 {
		in.FilterExpression = aws.String("(" + strings.Join(l.filters, ") AND (") + ")")
		in.ExpressionAttributeNames = names(*in.FilterExpression)
		// Limit counts receipts read before the filter.
		in.Limit = aws.Int32(int32(max(q.Limit+1, s.listReadLimit)))
	}
	if q.After != "" {
		start, err := startKey(tenant, q)
		if err != nil {
			return nil, "", err
		}
		// The start key is built on the caller's own partition: a cursor
		// can only ever move within the tenant's receipts.
		in.ExclusiveStartKey = start
	}
	page, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list receipts of %s: %w", tenant, err)
	}
	var items []item
	if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
		return nil, "", fmt.Errorf("unmarshal receipts: %w", err)
	}
	out := make([]*receipt.Receipt, 0, min(len(items), q.Limit))
	for _, it := range items[:min(len(items), q.Limit)] {
		r, err := fromItem(it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	switch {
	case len(items) > q.Limit:
		last := items[q.Limit-1]
		return out, q.Cursor(last.ReceiptDate, last.ID), nil
	case page.LastEvaluatedKey != nil:
		// Receipts were read past the last match: continue after the last
		// one read, matching or not.
		id, err := receiptID(page.LastEvaluatedKey)
		if err != nil {
			return nil, "", err
		}
		date, _ := page.LastEvaluatedKey["receiptDate"].(*types.AttributeValueMemberS)
		if date == nil {
			date = &types.AttributeValueMemberS{}
		}
		return out, q.Cursor(date.Value, id), nil
	}
	return out, "", nil
}

// listPlan is how List reads what a query asks for: which index, its key
// condition, the filters on what it reads, and the values of both.
type listPlan struct {
	index   string
	keyCond string
	filters []string
	values  map[string]types.AttributeValue
}

func (s *Store) listPlan(tenant string, q receipt.ListQuery, now time.Time) listPlan {
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	l := listPlan{values: map[string]types.AttributeValue{":pk": str(tenantPK(tenant))}}
	switch {
	case q.ByDate():
		l.index = byDate
		switch {
		case q.From != "" && q.To != "":
			l.keyCond = "PK = :pk AND receiptDate BETWEEN :from AND :to"
		case q.From != "":
			l.keyCond = "PK = :pk AND receiptDate >= :from"
		default:
			l.keyCond = "PK = :pk AND receiptDate <= :to"
		}
		if q.From != "" {
			l.values[":from"] = str(q.From)
		}
		if q.To != "" {
			l.values[":to"] = str(q.To)
		}
	default:
		l.keyCond = "PK = :pk AND begins_with(SK, :sk)"
		l.values[":sk"] = str(receiptPrefix)
	}
	if q.Status != "" {
		filter, timed := statusFilter[q.Status]
		if !timed {
			filter = "#status = :status"
		}
		l.filters = append(l.filters, filter)
		l.values[":status"] = str(string(q.Status))
		if timed {
			l.values[":now"] = str(now.UTC().Format(timeLayout))
		}
		if q.Status == receipt.Failed {
			l.values[":uploading"] = str(string(receipt.Uploading))
		}
	}
	if q.Duplicates {
		l.filters = append(l.filters, "attribute_exists(#duplicateOf) OR attribute_exists(#possibleDuplicateOf)")
	}
	if q.Vendor != "" {
		l.filters = append(l.filters, "begins_with(#vendorKey, :vendor)")
		l.values[":vendor"] = str(q.Vendor)
	}
	if q.MinTotal != "" {
		l.filters = append(l.filters, "#totalValue >= :minTotal")
		l.values[":minTotal"] = &types.AttributeValueMemberN{Value: q.MinTotal}
	}
	if q.MaxTotal != "" {
		l.filters = append(l.filters, "#totalValue <= :maxTotal")
		l.values[":maxTotal"] = &types.AttributeValueMemberN{Value: q.MaxTotal}
	}
	return l
}

// startKey is the ExclusiveStartKey q's cursor names, on the tenant's
// own partition.
func startKey(tenant string, q receipt.ListQuery) (map[string]types.AttributeValue, error) {
	date, id, err := q.Position()
	if err != nil {
		return nil, fmt.Errorf("list cursor %.80q: %w", q.After, err)
	}
	k := key(tenant, id)
	if q.ByDate() {
		k["receiptDate"] = &types.AttributeValueMemberS{Value: date}
	}
	return k, nil
}

// receiptID reads the id out of a receipt's key.
func receiptID(k map[string]types.AttributeValue) (string, error) {
	sk, _ := k["SK"].(*types.AttributeValueMemberS)
	if sk == nil || !strings.HasPrefix(sk.Value, receiptSK("")) {
		return "", fmt.Errorf("list: last evaluated key %v is not a receipt's", k)
	}
	return strings.TrimPrefix(sk.Value, receiptSK("")), nil
}

// Delete removes the tenant's receipt, and the marker of its file, or
// returns receipt.ErrNotFound.
func (s *Store) Delete(ctx context.Context, tenant, id string) error {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.table),
		Key:                 key(tenant, id),
		ConditionExpression: aws.String("attribute_exists(PK)"),
		ReturnValues:        types.ReturnValueAllOld,
	})
	if err != nil {
		if err = mapErr(err); err == receipt.ErrConflict {
			err = receipt.ErrNotFound
		}
		return fmt.Errorf("delete receipt %s: %w", id, err)
	}
	// The marker goes second: a receipt left without one is only a
	// duplicate not found, and a retried DELETE is a 404 either way.
	if sha, _ := out.Attributes["sha256"].(*types.AttributeValueMemberS); sha != nil && sha.Value != "" {
		if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(s.table), Key: tenantItemKey(tenant, fileSK(sha.Value, id)),
		}); err != nil {
			return fmt.Errorf("delete file marker of receipt %s: %w", id, err)
		}
	}
	return nil
}

// statusFilter holds the filters for statuses that depend on the time, as
// receipt.StatusAt decides them: an UPLOADING receipt whose upload URL has
// expired is FAILED. Times are compared as RFC 3339 strings in UTC, exact
// to the second.
var statusFilter = map[receipt.Status]string{
	receipt.Failed:    "#status = :status OR (#status = :uploading AND #uploadExpiresAt < :now)",
	receipt.Uploading: "#status = :status AND (attribute_not_exists(#uploadExpiresAt) OR #uploadExpiresAt >= :now)",
}
