package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// byDate is the table's one global secondary index (template.yaml):
// receipts by their date (receiptDate), with all their attributes. It is
// keyed by the tenant's partition (PK), so the dynamodb:LeadingKeys
// condition that confines every function to TENANT#* holds on it too,
// and it is sparse: a receipt without a date is not in it. One index, as
// CloudFormation adds at most one to a table per update.
// docs/access-patterns.md says which request reads what, and its cost.
const byDate = "ByDate"

// A tenant's partition holds a marker per receipt file,
// SK=FILE#<sha256>#<id>, so the tenant's receipts of one file read
// oldest first (ids are UUIDv7).
const filePrefix = "FILE#"

func fileSK(sha256, id string) string { return filePrefix + sha256 + "#" + id }

// correction is a receipt.Correction in the item.
type correction struct {
	At string `dynamodbav:"at"`
	By string `dynamodbav:"by,omitempty"`
}

func correctionsItem(cs map[string]receipt.Correction) map[string]correction {
	if len(cs) == 0 {
		return nil
	}
	out := make(map[string]correction, len(cs))
	for name, c := range cs {
		out[name] = correction{At: c.At.UTC().Format(timeLayout), By: c.By}
	}
	return out
}

func (it item) corrections() map[string]receipt.Correction {
	if len(it.Corrections) == 0 {
		return nil
	}
	out := make(map[string]receipt.Correction, len(it.Corrections))
	for name, c := range it.Corrections {
		at, _ := time.Parse(timeLayout, c.At)
		out[name] = receipt.Correction{At: at, By: c.By}
	}
	return out
}

// ReceiptsOfFile returns the ids of the tenant's n oldest receipts whose
// file has this SHA-256, as RecordFile recorded them, oldest first. It
// reads n items at most, strongly consistent. (A receipt deleted while
// its marker could not be may still be named.)
func (s *Store) ReceiptsOfFile(ctx context.Context, tenant, sha256 string, n int) ([]string, error) {
	if sha256 == "" {
		return nil, nil
	}
	prefix := filePrefix + sha256 + "#"
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :file)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":file": &types.AttributeValueMemberS{Value: prefix},
		},
		ScanIndexForward: aws.Bool(true),
		ConsistentRead:   aws.Bool(true),
		Limit:            aws.Int32(int32(n)),
	})
	if err != nil {
		return nil, fmt.Errorf("find receipts of file %s: %w", sha256, err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		sk, _ := it["SK"].(*types.AttributeValueMemberS)
		if sk == nil {
			return nil, fmt.Errorf("find receipts of file %s: a marker without SK", sha256)
		}
		ids = append(ids, strings.TrimPrefix(sk.Value, prefix))
	}
	return ids, nil
}

// RecordFile records that the tenant's receipt id holds the file with
// this SHA-256, for ReceiptsOfFile. Recording it again changes nothing;
// Delete removes it with the receipt.
func (s *Store) RecordFile(ctx context.Context, tenant, sha256, id string) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			"SK": &types.AttributeValueMemberS{Value: fileSK(sha256, id)},
		},
	})
	if err != nil {
		return fmt.Errorf("record file of receipt %s: %w", id, err)
	}
	return nil
}

// SameReceiptReadLimit is how many receipts of one date SameReceipt reads
// at most.
const SameReceiptReadLimit = 200

// SameReceipt returns the ids, oldest first, of the tenant's receipts of
// another file than the one with this SHA-256, dated f's date, with f's
// vendor (as receipt.FoldVendor folds it) and f's total: the probable
// duplicates of a receipt with fields f. It reads at most
// SameReceiptReadLimit receipts of that date, from the ByDate index
// (eventually consistent).
func (s *Store) SameReceipt(ctx context.Context, tenant string, f receipt.Fields, sha256 string) ([]string, error) {
	d := derive(f)
	if d.date == "" || d.vendor == "" || d.total == "" {
		return nil, nil
	}
	values, err := attributevalue.MarshalMap(map[string]any{
		":pk": tenantPK(tenant), ":date": d.date, ":vendor": d.vendor, ":total": d.total,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal query: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(byDate),
		KeyConditionExpression:    aws.String("PK = :pk AND receiptDate = :date"),
		FilterExpression:          aws.String("vendorKey = :vendor AND totalValue = :total"),
		ExpressionAttributeValues: values,
		ProjectionExpression:      aws.String("PK, SK, sha256"),
		Limit:                     aws.Int32(SameReceiptReadLimit),
	})
	if err != nil {
		return nil, fmt.Errorf("find receipts like one of %s: %w", d.date, err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		if sha, _ := it["sha256"].(*types.AttributeValueMemberS); sha256 != "" && sha != nil && sha.Value == sha256 {
			continue // the same file: an exact duplicate, not a probable one
		}
		id, err := receiptID(it)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}
