package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// idempotencyItem records a request made with an Idempotency-Key:
// PK=TENANT#<tenant>, SK=IDEMPOTENCY#<key>.
type idempotencyItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Fingerprint string `dynamodbav:"fingerprint"`
	ReceiptID   string `dynamodbav:"receiptId,omitempty"`
	LockedAtMs  int64  `dynamodbav:"lockedAtMs"`
	// ExpiresAt is the table's TTL attribute, in epoch seconds.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

func idempotencyKey(tenant, key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"SK": &types.AttributeValueMemberS{Value: "IDEMPOTENCY#" + key},
	}
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// ClaimIdempotency records that a request for fingerprint holds key, until
// now+ttl. It fails with receipt.ErrConflict while another live record holds
// the key. An expired record counts as absent (TTL deletion lags, and never
// happens on DynamoDB Local), and so does an unfinished one for the same
// request locked before stale: its request died without releasing it.
func (s *Store) ClaimIdempotency(ctx context.Context, tenant, key, fingerprint string, now time.Time, ttl, stale time.Duration) error {
	av, err := attributevalue.MarshalMap(idempotencyItem{
		PK: tenantPK(tenant), SK: "IDEMPOTENCY#" + key, Fingerprint: fingerprint,
		LockedAtMs: now.UnixMilli(), ExpiresAt: now.Add(ttl).Unix(),
	})
	if err != nil {
		return fmt.Errorf("marshal idempotency record: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      av,
		ConditionExpression: aws.String("attribute_not_exists(PK) OR expiresAt < :now OR " +
			"(attribute_not_exists(receiptId) AND fingerprint = :fp AND lockedAtMs < :stale)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now":   num(now.Unix()),
			":stale": num(now.Add(-stale).UnixMilli()),
			":fp":    &types.AttributeValueMemberS{Value: fingerprint},
		},
	})
	if err != nil {
		return fmt.Errorf("claim idempotency key: %w", mapErr(err))
	}
	return nil
}

// GetIdempotency returns the fingerprint and, once its request finished,
// the receipt id recorded for key; receipt.ErrNotFound if none is live.
func (s *Store) GetIdempotency(ctx context.Context, tenant, key string, now time.Time) (fingerprint, receiptID string, err error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: idempotencyKey(tenant, key), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", "", fmt.Errorf("get idempotency record: %w", err)
	}
	var it idempotencyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return "", "", fmt.Errorf("unmarshal idempotency record: %w", err)
	}
	if len(out.Item) == 0 || it.ExpiresAt < now.Unix() {
		return "", "", fmt.Errorf("get idempotency record: %w", receipt.ErrNotFound)
	}
	return it.Fingerprint, it.ReceiptID, nil
}

// CreateIdempotent creates the receipt and records it as the result of
// the request holding key, in one transaction: no receipt exists that its
// key doesn't name, so a retry replays it rather than making another. It
// fails with receipt.ErrConflict, creating nothing, when the key's record
// is gone or already names a receipt (a request that took the key over
// finished first).
func (s *Store) CreateIdempotent(ctx context.Context, r *receipt.Receipt, key string) error {
	av, err := attributevalue.MarshalMap(toItem(r))
	if err != nil {
		return fmt.Errorf("marshal receipt %s: %w", r.ID, err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName: aws.String(s.table), Item: av,
				ConditionExpression: aws.String("attribute_not_exists(PK)"),
			}},
			{Update: &types.Update{
				TableName: aws.String(s.table), Key: idempotencyKey(r.Tenant, key),
				UpdateExpression:          aws.String("SET receiptId = :id"),
				ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(receiptId)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: r.ID}},
			}},
		},
	})
	if err != nil {
		return fmt.Errorf("create receipt %s for idempotency key: %w", r.ID, mapErr(err))
	}
	return nil
}

// ReleaseIdempotency drops the record of a request that failed, so that a
// retry with the same key can run. A finished record is kept.
func (s *Store) ReleaseIdempotency(ctx context.Context, tenant, key string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: idempotencyKey(tenant, key),
		ConditionExpression: aws.String("attribute_not_exists(receiptId)"),
	})
	if err != nil {
		return fmt.Errorf("release idempotency record: %w", mapErr(err))
	}
	return nil
}
