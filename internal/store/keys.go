package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// keyItem is an API key record: PK=KEY#<sha256 of the key>.
type keyItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Prefix    string `dynamodbav:"prefix"`
	Tenant    string `dynamodbav:"tenant"`
	CreatedAt string `dynamodbav:"createdAt"`
	RevokedAt string `dynamodbav:"revokedAt,omitempty"`
}

const keySK = "KEY"

func keyKey(hash string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "KEY#" + hash},
		"SK": &types.AttributeValueMemberS{Value: keySK},
	}
}

// PutKey stores a new key record.
func (s *Store) PutKey(ctx context.Context, k receipt.APIKey) error {
	av, err := attributevalue.MarshalMap(keyItem{
		PK: "KEY#" + k.Hash, SK: keySK, Prefix: k.Prefix, Tenant: k.Tenant,
		CreatedAt: k.CreatedAt.UTC().Format(timeLayout),
	})
	if err != nil {
		return fmt.Errorf("marshal key %s: %w", k.Prefix, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return fmt.Errorf("put key %s: %w", k.Prefix, mapErr(err))
	}
	return nil
}

// GetKey returns the key record with the given hash, or receipt.ErrNotFound.
func (s *Store) GetKey(ctx context.Context, hash string) (receipt.APIKey, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: keyKey(hash), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return receipt.APIKey{}, fmt.Errorf("get key: %w", err)
	}
	if len(out.Item) == 0 {
		return receipt.APIKey{}, fmt.Errorf("get key: %w", receipt.ErrNotFound)
	}
	var it keyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return receipt.APIKey{}, fmt.Errorf("unmarshal key: %w", err)
	}
	return keyFromItem(it), nil
}

func keyFromItem(it keyItem) receipt.APIKey {
	k := receipt.APIKey{Hash: it.PK[len("KEY#"):], Prefix: it.Prefix, Tenant: it.Tenant}
	k.CreatedAt, _ = time.Parse(timeLayout, it.CreatedAt)
	if it.RevokedAt != "" {
		k.RevokedAt, _ = time.Parse(timeLayout, it.RevokedAt)
	}
	return k
}

// ListKeys returns every key record, oldest first. Keys are few and listing
// them is an operator's task, so a filtered scan is enough.
func (s *Store) ListKeys(ctx context.Context) ([]receipt.APIKey, error) {
	var keys []receipt.APIKey
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String("begins_with(PK, :k) AND SK = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": &types.AttributeValueMemberS{Value: "KEY#"}, ":sk": &types.AttributeValueMemberS{Value: keySK}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		var items []keyItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("unmarshal keys: %w", err)
		}
		for _, it := range items {
			keys = append(keys, keyFromItem(it))
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].CreatedAt.Before(keys[j].CreatedAt) })
	return keys, nil
}

// RevokeKey marks the key with the given hash revoked; revoking twice is not
// an error, revoking an unknown key is receipt.ErrNotFound.
func (s *Store) RevokeKey(ctx context.Context, hash string, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyKey(hash),
		UpdateExpression:    aws.String("SET revokedAt = if_not_exists(revokedAt, :now)"),
		ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": &types.AttributeValueMemberS{Value: now.UTC().Format(timeLayout)},
		},
	})
	if err != nil {
		err = mapErr(err)
		if err == receipt.ErrConflict {
			err = receipt.ErrNotFound
		}
		return fmt.Errorf("revoke key: %w", err)
	}
	return nil
}
