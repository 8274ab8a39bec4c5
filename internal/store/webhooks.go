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
	"github.com/receipts-api/receipts/internal/webhook"
)

// Webhooks live in their tenant's partition, beside its receipts:
//
//	endpoint   SK=WEBHOOK#<id>
//	its count  SK=WEBHOOKS (count), so at most webhook.MaxEndpoints exist
//	delivery   SK=DELIVERY#<endpoint id>#<delivery id>, newest last, with
//	           a TTL (expiresAt) of webhook.DeliveryRetention
const (
	endpointPrefix = "WEBHOOK#"
	endpointCount  = "WEBHOOKS"
	deliveryPrefix = "DELIVERY#"
)

type endpointItem struct {
	PK                  string   `dynamodbav:"PK"`
	SK                  string   `dynamodbav:"SK"`
	ID                  string   `dynamodbav:"id"`
	Tenant              string   `dynamodbav:"tenant"`
	URL                 string   `dynamodbav:"url"`
	Description         string   `dynamodbav:"description,omitempty"`
	Events              []string `dynamodbav:"events"`
	Secret              string   `dynamodbav:"secret"`
	PreviousSecret      string   `dynamodbav:"previousSecret,omitempty"`
	PreviousSecretUntil string   `dynamodbav:"previousSecretUntil,omitempty"`
	FailingSince        string   `dynamodbav:"failingSince,omitempty"`
	ProbeUntil          string   `dynamodbav:"probeUntil,omitempty"`
	Disabled            bool     `dynamodbav:"disabled,omitempty"`
	DisabledAt          string   `dynamodbav:"disabledAt,omitempty"`
	DisabledReason      string   `dynamodbav:"disabledReason,omitempty"`
	CreatedAt           string   `dynamodbav:"createdAt"`
	UpdatedAt           string   `dynamodbav:"updatedAt"`
}

func endpointKey(tenant, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"SK": &types.AttributeValueMemberS{Value: endpointPrefix + id},
	}
}

func countKey(tenant string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"SK": &types.AttributeValueMemberS{Value: endpointCount},
	}
}

func parseProbe(s string) time.Time {
	t, _ := time.Parse(probeLayout, s)
	return t
}

func parseOptional(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func (it endpointItem) domain() *webhook.Endpoint {
	return &webhook.Endpoint{
		ID: it.ID, Tenant: it.Tenant, URL: it.URL, Description: it.Description, Events: it.Events,
		Secret: webhook.Secret(it.Secret), PreviousSecret: webhook.Secret(it.PreviousSecret),
		PreviousSecretUntil: parseOptional(it.PreviousSecretUntil), FailingSince: parseOptional(it.FailingSince),
		ProbeUntil: parseProbe(it.ProbeUntil),
		Disabled:   it.Disabled, DisabledAt: parseOptional(it.DisabledAt), DisabledReason: it.DisabledReason,
		CreatedAt: parseOptional(it.CreatedAt), UpdatedAt: parseOptional(it.UpdatedAt),
	}
}

// CreateEndpoint stores a new endpoint, and counts it: a tenant that has
// webhook.MaxEndpoints already gets webhook.ErrTooManyEndpoints. The count
// and the endpoint are one transaction, so concurrent creations can't pass
// the limit.
func (s *Store) CreateEndpoint(ctx context.Context, e *webhook.Endpoint) error {
	av, err := attributevalue.MarshalMap(endpointItem{
		PK: tenantPK(e.Tenant), SK: endpointPrefix + e.ID, ID: e.ID, Tenant: e.Tenant, URL: e.URL,
		Description: e.Description, Events: e.Events, Secret: e.Secret.Reveal(),
		CreatedAt: e.CreatedAt.UTC().Format(timeLayout), UpdatedAt: e.UpdatedAt.UTC().Format(timeLayout),
	})
	if err != nil {
		return fmt.Errorf("marshal endpoint %s: %w", e.ID, err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       countKey(e.Tenant),
			UpdateExpression:          aws.String("SET #count = if_not_exists(#count, :zero) + :one"),
			ConditionExpression:       aws.String("attribute_not_exists(#count) OR #count < :max"),
			ExpressionAttributeNames:  map[string]string{"#count": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":one": num(1), ":max": num(webhook.MaxEndpoints)},
		}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) && len(tc.CancellationReasons) > 0 && aws.ToString(tc.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return fmt.Errorf("create endpoint: %w", webhook.ErrTooManyEndpoints)
	}
	if err != nil {
		return fmt.Errorf("create endpoint %s: %w", e.ID, mapErr(err))
	}
	return nil
}

// ListEndpoints returns the tenant's endpoints, oldest first.
func (s *Store) ListEndpoints(ctx context.Context, tenant string) ([]*webhook.Endpoint, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
			":sk": &types.AttributeValueMemberS{Value: endpointPrefix},
		},
		ConsistentRead: aws.Bool(true),
		// The count keeps a tenant to MaxEndpoints; this bounds the read
		// even if it were wrong.
		Limit: aws.Int32(4 * webhook.MaxEndpoints),
	})
	if err != nil {
		return nil, fmt.Errorf("list endpoints of %s: %w", tenant, err)
	}
	var items []endpointItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("unmarshal endpoints: %w", err)
	}
	eps := make([]*webhook.Endpoint, 0, len(items))
	for _, it := range items {
		eps = append(eps, it.domain())
	}
	return eps, nil
}

// GetEndpoint returns the tenant's endpoint, or webhook.ErrEndpointNotFound.
func (s *Store) GetEndpoint(ctx context.Context, tenant, id string) (*webhook.Endpoint, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: endpointKey(tenant, id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get endpoint %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("get endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	var it endpointItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal endpoint %s: %w", id, err)
	}
	return it.domain(), nil
}

// DeleteEndpoint removes the tenant's endpoint and uncounts it. Its
// deliveries stay until their TTL; a pending one fails at its next attempt.
func (s *Store) DeleteEndpoint(ctx context.Context, tenant, id string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: endpointKey(tenant, id), ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       countKey(tenant),
			UpdateExpression:          aws.String("SET #count = #count - :one"),
			ConditionExpression:       aws.String("#count > :zero"),
			ExpressionAttributeNames:  map[string]string{"#count": "count"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":one": num(1)},
		}},
	}})
	if errors.Is(mapErr(err), receipt.ErrConflict) {
		return fmt.Errorf("delete endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete endpoint %s: %w", id, err)
	}
	return nil
}

// updateEndpoint applies update to an existing endpoint and returns it as
// it now is.
func (s *Store) updateEndpoint(ctx context.Context, tenant, id, update, cond string, values map[string]any) (*webhook.Endpoint, error) {
	av, err := attributevalue.MarshalMap(values)
	if err != nil {
		return nil, fmt.Errorf("marshal update of endpoint %s: %w", id, err)
	}
	if cond == "" {
		cond = "attribute_exists(PK)"
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      endpointKey(tenant, id),
		UpdateExpression:         aws.String(update),
		ConditionExpression:      aws.String(cond),
		ExpressionAttributeNames: names(update + " " + cond),
		ReturnValues:             types.ReturnValueAllNew,
	}
	if len(av) > 0 {
		in.ExpressionAttributeValues = av
	}
	out, err := s.db.UpdateItem(ctx, in)
	if errors.Is(mapErr(err), receipt.ErrConflict) {
		return nil, fmt.Errorf("update endpoint %s: %w", id, webhook.ErrEndpointNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("update endpoint %s: %w", id, err)
	}
	var it endpointItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return nil, fmt.Errorf("unmarshal endpoint %s: %w", id, err)
	}
	return it.domain(), nil
}

// RotateSecret gives the endpoint a new secret; the one it replaces keeps
// signing beside it until now plus webhook.SecretOverlap (an older previous
// secret stops at once).
func (s *Store) RotateSecret(ctx context.Context, tenant, id string, secret webhook.Secret, now time.Time) (*webhook.Endpoint, error) {
	return s.updateEndpoint(ctx, tenant, id,
		"SET #previousSecret = #secret, #previousSecretUntil = :until, #secret = :new, #updatedAt = :now", "",
		map[string]any{":new": secret.Reveal(), ":until": now.Add(webhook.SecretOverlap).UTC().Format(timeLayout), ":now": now.UTC().Format(timeLayout)})
}

// EndpointSucceeded records that an attempt to the endpoint succeeded: it
// is no longer failing, and a disabled one is enabled again.
func (s *Store) EndpointSucceeded(ctx context.Context, tenant, id string, now time.Time) error {
	_, err := s.updateEndpoint(ctx, tenant, id,
		"SET #updatedAt = :now REMOVE #failingSince, #probeUntil, #disabled, #disabledAt, #disabledReason", "",
		map[string]any{":now": now.UTC().Format(timeLayout)})
	return err
}

// AcquireProbe takes the turn of a failing endpoint's one attempt in
// flight, until until; false when another attempt holds it. Times are
// compared as RFC 3339 strings of the same layout, which sort as time does.
func (s *Store) AcquireProbe(ctx context.Context, tenant, id string, now, until time.Time) (bool, error) {
	_, err := s.updateEndpoint(ctx, tenant, id, "SET #probeUntil = :until",
		"attribute_exists(PK) AND (attribute_not_exists(#probeUntil) OR #probeUntil < :now)",
		map[string]any{":until": until.UTC().Format(probeLayout), ":now": now.UTC().Format(probeLayout)})
	if errors.Is(err, webhook.ErrEndpointNotFound) {
		return false, nil // held, or the endpoint is gone: either way, no attempt now
	}
	return err == nil, err
}

// probeLayout is a fixed-width time, so that its strings compare as times
// do (RFC 3339 with nanoseconds drops trailing zeros).
const probeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// EndpointFailed records that an attempt to the endpoint failed, and
// disables it once it has failed every attempt for disableAfter. It
// returns the endpoint as it now is.
func (s *Store) EndpointFailed(ctx context.Context, tenant, id string, now time.Time, disableAfter time.Duration) (*webhook.Endpoint, error) {
	ep, err := s.updateEndpoint(ctx, tenant, id,
		"SET #failingSince = if_not_exists(#failingSince, :now) REMOVE #probeUntil", "",
		map[string]any{":now": now.UTC().Format(timeLayout)})
	if err != nil || ep.Disabled || now.Sub(ep.FailingSince) < disableAfter {
		return ep, err
	}
	// Only while it is still failing since then: a success in between
	// wins.
	disabled, err := s.updateEndpoint(ctx, tenant, id,
		"SET #disabled = :true, #disabledAt = :now, #disabledReason = :why, #updatedAt = :now",
		"#failingSince = :since",
		map[string]any{":true": true, ":now": now.UTC().Format(timeLayout), ":since": ep.FailingSince.UTC().Format(timeLayout),
			":why": fmt.Sprintf("every attempt failed since %s", ep.FailingSince.UTC().Format(time.RFC3339))})
	if errors.Is(err, webhook.ErrEndpointNotFound) {
		return ep, nil // it succeeded, or was deleted, meanwhile
	}
	return disabled, err
}
