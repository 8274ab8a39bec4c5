package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

// Beside its receipts, a tenant's partition holds its settings
// (SK=SETTINGS), its vendor memory (SK=VENDOR#<kind>#<value>) and a
// count of its reprocessing per day (SK=REPROCESSED#<YYYY-MM-DD>).
const (
	settingsSK    = "SETTINGS"
	vendorPrefix  = "VENDOR#"
	reprocessedSK = "REPROCESSED#"
)

func tenantItemKey(tenant, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

// versionIs is the condition that a receipt exists at version v (0: one
// written before versions were counted).
func versionIs(v int64) (string, map[string]any) {
	if v == 0 {
		return "attribute_exists(PK) AND attribute_not_exists(#version)", nil
	}
	return "attribute_exists(PK) AND #version = :seen", map[string]any{":seen": v}
}

// Correct writes r's fields, engine's reading and corrections, if r is
// still at version seen (else receipt.ErrConflict), and stores what the
// correction teaches the tenant's vendor memory, in one transaction. r's
// Version becomes the new one.
func (s *Store) Correct(ctx context.Context, r *receipt.Receipt, seen int64, teach []vendors.Entry, now time.Time) error {
	u := newUpdate()
	var extracted *receipt.Fields
	if len(r.Corrections) > 0 {
		extracted = &r.Extracted
	}
	u.setFields(r.Fields, extracted)
	ci := correctionsItem(r.Corrections)
	u.setOrRemove("corrections", ci, ci != nil)
	u.set("updatedAt", now.UTC().Format(timeLayout))
	cond, condValues := versionIs(seen)
	expr, nm, values, err := u.input(cond, condValues)
	if err != nil {
		return fmt.Errorf("correct receipt %s: %w", r.ID, err)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(r.Tenant, r.ID),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: nm, ExpressionAttributeValues: values,
	}}}
	for _, e := range teach {
		av, err := attributevalue.MarshalMap(vendorItemOf(r.Tenant, e))
		if err != nil {
			return fmt.Errorf("marshal vendor memory: %w", err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}})
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("correct receipt %s: %w", r.ID, mapErr(err))
	}
	r.Version = seen + 1
	return nil
}

// Reprocess sends a finished receipt back to PROCESSING, if it is still
// at version seen (else receipt.ErrConflict), which starts its processing
// again (the stream's MODIFY record), and counts it against the tenant's
// allowance of limit a day (UTC), in one transaction: over it,
// receipt.ErrLimit and nothing changes. hint, when not nil, replaces the
// receipt's country hint ("" removes it).
func (s *Store) Reprocess(ctx context.Context, tenant, id string, seen int64, hint *string, limit int, now time.Time) error {
	u := newUpdate()
	u.set("status", string(receipt.Processing))
	u.set("updatedAt", now.UTC().Format(timeLayout))
	u.remove("error")
	if hint != nil {
		u.setOrRemove("countryHint", *hint, *hint != "")
	}
	cond, condValues := versionIs(seen)
	cond += " AND #status IN (:completed, :failed)"
	if condValues == nil {
		condValues = map[string]any{}
	}
	condValues[":completed"], condValues[":failed"] = string(receipt.Completed), string(receipt.Failed)
	expr, nm, values, err := u.input(cond, condValues)
	if err != nil {
		return fmt.Errorf("reprocess receipt %s: %w", id, err)
	}
	day := now.UTC()
	counter, err := attributevalue.MarshalMap(map[string]any{
		":one": 1, ":limit": limit, ":expires": day.Add(48 * time.Hour).Unix(),
	})
	if err != nil {
		return fmt.Errorf("marshal reprocess count: %w", err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(tenant, id),
			UpdateExpression: aws.String(expr), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: nm, ExpressionAttributeValues: values,
		}},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: tenantItemKey(tenant, reprocessedSK+day.Format(time.DateOnly)),
			UpdateExpression:          aws.String("ADD #count :one SET #expiresAt = :expires"),
			ConditionExpression:       aws.String("attribute_not_exists(#count) OR #count < :limit"),
			ExpressionAttributeNames:  map[string]string{"#count": "count", "#expiresAt": "expiresAt"},
			ExpressionAttributeValues: counter,
		}},
	}})
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) && len(tc.CancellationReasons) == 2 && aws.ToString(tc.CancellationReasons[1].Code) == "ConditionalCheckFailed" {
		return fmt.Errorf("reprocess receipt %s: %d a day: %w", id, limit, receipt.ErrLimit)
	}
	if err != nil {
		return fmt.Errorf("reprocess receipt %s: %w", id, mapErr(err))
	}
	return nil
}

// settingsItem is a tenant's settings.
type settingsItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Country   string `dynamodbav:"country,omitempty"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

// Settings returns the tenant's settings: the zero Settings when it has
// set none.
func (s *Store) Settings(ctx context.Context, tenant string) (receipt.Settings, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: tenantItemKey(tenant, settingsSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return receipt.Settings{}, fmt.Errorf("get settings of %s: %w", tenant, err)
	}
	var it settingsItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return receipt.Settings{}, fmt.Errorf("unmarshal settings of %s: %w", tenant, err)
	}
	set := receipt.Settings{Country: it.Country}
	set.UpdatedAt, _ = time.Parse(timeLayout, it.UpdatedAt)
	return set, nil
}

// PutSettings replaces the tenant's settings.
func (s *Store) PutSettings(ctx context.Context, tenant string, set receipt.Settings) error {
	av, err := attributevalue.MarshalMap(settingsItem{
		PK: tenantPK(tenant), SK: settingsSK, Country: set.Country, UpdatedAt: set.UpdatedAt.UTC().Format(timeLayout),
	})
	if err != nil {
		return fmt.Errorf("marshal settings of %s: %w", tenant, err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("put settings of %s: %w", tenant, err)
	}
	return nil
}

// vendorItem is one entry of a tenant's vendor memory.
type vendorItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"kind"`
	Value   string `dynamodbav:"value"`
	Vendor  string `dynamodbav:"vendor"`
	Receipt string `dynamodbav:"receiptId"`
	At      string `dynamodbav:"at"`
	Shared  bool   `dynamodbav:"shared,omitempty"`
}

func vendorSK(k vendors.Key) string { return vendorPrefix + k.Kind + "#" + k.Value }

func vendorItemOf(tenant string, e vendors.Entry) vendorItem {
	return vendorItem{
		PK: tenantPK(tenant), SK: vendorSK(e.Key), Kind: e.Kind, Value: e.Value,
		Vendor: e.Vendor, Receipt: e.Receipt, At: e.At.UTC().Format(timeLayout), Shared: e.Shared,
	}
}

// VendorEntries returns the tenant's vendor memory for the given
// identifiers, those it has.
func (s *Store) VendorEntries(ctx context.Context, tenant string, keys []vendors.Key) (map[vendors.Key]vendors.Entry, error) {
	out := map[vendors.Key]vendors.Entry{}
	var want []map[string]types.AttributeValue
	for _, k := range keys {
		want = append(want, tenantItemKey(tenant, vendorSK(k)))
	}
	for start := 0; start < len(want); start += 100 {
		pending := want[start:min(start+100, len(want))]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 5 {
				return nil, fmt.Errorf("read vendor memory of %s: %d keys still unprocessed", tenant, len(pending))
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				s.table: {Keys: pending, ConsistentRead: aws.Bool(true)},
			}})
			if err != nil {
				return nil, fmt.Errorf("read vendor memory of %s: %w", tenant, err)
			}
			var items []vendorItem
			if err := attributevalue.UnmarshalListOfMaps(res.Responses[s.table], &items); err != nil {
				return nil, fmt.Errorf("unmarshal vendor memory of %s: %w", tenant, err)
			}
			for _, it := range items {
				at, _ := time.Parse(timeLayout, it.At)
				k := vendors.Key{Kind: it.Kind, Value: it.Value}
				out[k] = vendors.Entry{Key: k, Vendor: it.Vendor, Receipt: it.Receipt, At: at, Shared: it.Shared}
			}
			pending = res.UnprocessedKeys[s.table].Keys
			if len(pending) > 0 {
				time.Sleep(time.Duration(10<<attempt) * time.Millisecond)
			}
		}
	}
	return out, nil
}
