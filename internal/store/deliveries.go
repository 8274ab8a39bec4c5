package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/webhook"
)

type deliveryItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	ID             string `dynamodbav:"id"`
	Tenant         string `dynamodbav:"tenant"`
	EndpointID     string `dynamodbav:"endpointId"`
	EventID        string `dynamodbav:"eventId"`
	EventType      string `dynamodbav:"eventType"`
	ReceiptID      string `dynamodbav:"receiptId,omitempty"`
	Payload        string `dynamodbav:"payload"`
	State          string `dynamodbav:"state"`
	Manual         bool   `dynamodbav:"manual,omitempty"`
	Round          int    `dynamodbav:"round"`
	Attempts       int    `dynamodbav:"attempts"`
	LastStatusCode int    `dynamodbav:"lastStatusCode,omitempty"`
	LastError      string `dynamodbav:"lastError,omitempty"`
	LastResponse   string `dynamodbav:"lastResponse,omitempty"`
	LastLatencyMs  int64  `dynamodbav:"lastLatencyMs,omitempty"`
	LastAttemptAt  string `dynamodbav:"lastAttemptAt,omitempty"`
	NextAttemptAt  string `dynamodbav:"nextAttemptAt,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt"`
	UpdatedAt      string `dynamodbav:"updatedAt"`
	// ExpiresAt is the table's TTL attribute, in epoch seconds.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

func deliverySK(endpointID, id string) string { return deliveryPrefix + endpointID + "#" + id }

func deliveryKey(tenant, endpointID, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"SK": &types.AttributeValueMemberS{Value: deliverySK(endpointID, id)},
	}
}

func (it deliveryItem) domain() *webhook.Delivery {
	return &webhook.Delivery{
		ID: it.ID, Tenant: it.Tenant, EndpointID: it.EndpointID, EventID: it.EventID, EventType: it.EventType,
		ReceiptID: it.ReceiptID, Payload: []byte(it.Payload), State: webhook.State(it.State), Manual: it.Manual,
		Round: it.Round, Attempts: it.Attempts, LastStatusCode: it.LastStatusCode, LastError: it.LastError,
		LastResponse: it.LastResponse, LastLatency: time.Duration(it.LastLatencyMs) * time.Millisecond,
		LastAttemptAt: parseOptional(it.LastAttemptAt), NextAttemptAt: parseOptional(it.NextAttemptAt),
		CreatedAt: parseOptional(it.CreatedAt), UpdatedAt: parseOptional(it.UpdatedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0),
	}
}

// CreateDelivery stores a new delivery, requested; one that exists already
// (the same event to the same endpoint, made again from a replayed stream
// record) is receipt.ErrConflict, and is left as it is.
func (s *Store) CreateDelivery(ctx context.Context, d *webhook.Delivery) error {
	av, err := attributevalue.MarshalMap(deliveryItem{
		PK: tenantPK(d.Tenant), SK: deliverySK(d.EndpointID, d.ID), ID: d.ID, Tenant: d.Tenant,
		EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, ReceiptID: d.ReceiptID,
		Payload: string(d.Payload), State: string(d.State), Manual: d.Manual,
		CreatedAt: d.CreatedAt.UTC().Format(timeLayout), UpdatedAt: d.UpdatedAt.UTC().Format(timeLayout),
		ExpiresAt: d.ExpiresAt.Unix(),
	})
	if err != nil {
		return fmt.Errorf("marshal delivery %s: %w", d.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return fmt.Errorf("create delivery %s: %w", d.ID, mapErr(err))
	}
	return nil
}

// GetDelivery returns a delivery, or webhook.ErrDeliveryNotFound (also
// once it expired, as DynamoDB's TTL deletion lags).
func (s *Store) GetDelivery(ctx context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: deliveryKey(tenant, endpointID, id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get delivery %s: %w", id, err)
	}
	var it deliveryItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal delivery %s: %w", id, err)
	}
	if len(out.Item) == 0 || it.ExpiresAt <= now.Unix() {
		return nil, fmt.Errorf("get delivery %s: %w", id, webhook.ErrDeliveryNotFound)
	}
	return it.domain(), nil
}

// FindDelivery returns the delivery with the id to any of the endpoints
// (a tenant's, at most webhook.MaxEndpoints), in one BatchGetItem.
func (s *Store) FindDelivery(ctx context.Context, tenant, id string, endpointIDs []string, now time.Time) (*webhook.Delivery, error) {
	if len(endpointIDs) == 0 {
		return nil, fmt.Errorf("find delivery %s: %w", id, webhook.ErrDeliveryNotFound)
	}
	if len(endpointIDs) > 100 {
		return nil, fmt.Errorf("find delivery %s: %d endpoints, more than one request reads", id, len(endpointIDs))
	}
	keys := make([]map[string]types.AttributeValue, len(endpointIDs))
	for i, e := range endpointIDs {
		keys[i] = deliveryKey(tenant, e, id)
	}
	var items []map[string]types.AttributeValue
	req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for len(req) > 0 {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("find delivery %s: %w", id, err)
		}
		items = append(items, out.Responses[s.table]...)
		req = out.UnprocessedKeys
	}
	for _, av := range items {
		var it deliveryItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, fmt.Errorf("unmarshal delivery %s: %w", id, err)
		}
		if it.ExpiresAt > now.Unix() {
			return it.domain(), nil
		}
	}
	return nil, fmt.Errorf("find delivery %s: %w", id, webhook.ErrDeliveryNotFound)
}

// ListDeliveries returns a page of the endpoint's deliveries, newest
// first, after the delivery id after (none: from the newest), and the id
// to continue after, if more remain. Expired deliveries are left out.
func (s *Store) ListDeliveries(ctx context.Context, tenant, endpointID string, limit int, after string, now time.Time) ([]*webhook.Delivery, string, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":sk": &types.AttributeValueMemberS{Value: deliveryPrefix + endpointID + "#"},
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
		Limit:            aws.Int32(int32(limit + 1)),
	}
	if after != "" {
		in.ExclusiveStartKey = deliveryKey(tenant, endpointID, after)
	}
	page, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries of %s: %w", endpointID, err)
	}
	var items []deliveryItem
	if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
		return nil, "", fmt.Errorf("unmarshal deliveries: %w", err)
	}
	out := make([]*webhook.Delivery, 0, min(len(items), limit))
	for _, it := range items[:min(len(items), limit)] {
		if it.ExpiresAt <= now.Unix() {
			// Older ones expired too.
			return out, "", nil
		}
		out = append(out, it.domain())
	}
	if len(items) > limit {
		return out, out[limit-1].ID, nil
	}
	return out, "", nil
}

// RecordAttempt writes what attempt n of round r of a delivery gave (d's
// state, attempts and last* fields), only if the delivery still awaited
// that attempt: else receipt.ErrConflict (a duplicate message made it).
func (s *Store) RecordAttempt(ctx context.Context, d *webhook.Delivery) error {
	values := map[string]any{
		":state": string(d.State), ":n": d.Attempts, ":prev": d.Attempts - 1, ":round": d.Round,
		":at": d.LastAttemptAt.UTC().Format(timeLayout), ":now": d.UpdatedAt.UTC().Format(timeLayout),
		":latency": d.LastLatency.Milliseconds(), ":code": d.LastStatusCode, ":error": d.LastError, ":response": d.LastResponse,
		":requested": string(webhook.Requested), ":pending": string(webhook.Pending),
	}
	update := "SET #state = :state, #attempts = :n, #lastAttemptAt = :at, #updatedAt = :now, #lastLatencyMs = :latency, " +
		"#lastStatusCode = :code, #lastError = :error, #lastResponse = :response"
	if d.NextAttemptAt.IsZero() {
		update += " REMOVE #nextAttemptAt"
	} else {
		update += ", #nextAttemptAt = :next"
		values[":next"] = d.NextAttemptAt.UTC().Format(timeLayout)
	}
	cond := "#attempts = :prev AND #round = :round AND #state IN (:requested, :pending)"
	av, err := attributevalue.MarshalMap(values)
	if err != nil {
		return fmt.Errorf("marshal attempt of delivery %s: %w", d.ID, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: deliveryKey(d.Tenant, d.EndpointID, d.ID),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names(update + " " + cond), ExpressionAttributeValues: av,
	})
	if err != nil {
		return fmt.Errorf("record attempt %d of delivery %s: %w", d.Attempts, d.ID, mapErr(err))
	}
	return nil
}

// RequestRetry asks for one more attempt of a delivery, now, in a new
// round: it is requested again (so the table's stream sends it to the
// queue), and any attempt scheduled before is stale.
func (s *Store) RequestRetry(ctx context.Context, tenant, endpointID, id string, now time.Time) (*webhook.Delivery, error) {
	update := "SET #state = :requested, #manual = :true, #round = #round + :one, #updatedAt = :now REMOVE #nextAttemptAt"
	av, err := attributevalue.MarshalMap(map[string]any{
		":requested": string(webhook.Requested), ":true": true, ":one": 1, ":now": now.UTC().Format(timeLayout), ":now_s": now.Unix(),
	})
	if err != nil {
		return nil, err
	}
	cond := "attribute_exists(PK) AND #expiresAt > :now_s"
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: deliveryKey(tenant, endpointID, id),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names(update + " " + cond), ExpressionAttributeValues: av,
		ReturnValues: types.ReturnValueAllNew,
	})
	if errors.Is(mapErr(err), receipt.ErrConflict) {
		return nil, fmt.Errorf("retry delivery %s: %w", id, webhook.ErrDeliveryNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("retry delivery %s: %w", id, err)
	}
	var it deliveryItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return nil, fmt.Errorf("unmarshal delivery %s: %w", id, err)
	}
	return it.domain(), nil
}

// DeliveryFromImage reads the delivery a stream record's image holds; ok
// is false for any other item.
func DeliveryFromImage(img map[string]types.AttributeValue) (_ *webhook.Delivery, ok bool) {
	var it deliveryItem
	if err := attributevalue.UnmarshalMap(img, &it); err != nil || !strings.HasPrefix(it.SK, deliveryPrefix) {
		return nil, false
	}
	if _, err := tenantOf(it.PK); err != nil || it.ID == "" || it.EndpointID == "" {
		return nil, false
	}
	return it.domain(), true
}

func tenantOf(pk string) (string, error) {
	t, ok := strings.CutPrefix(pk, tenantPrefix)
	if !ok || t == "" {
		return "", fmt.Errorf("%q is not a tenant's partition", pk)
	}
	return t, nil
}
