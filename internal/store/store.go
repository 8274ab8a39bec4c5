// Package store keeps receipts in DynamoDB. Item shapes and attribute names
// live here only; the rest of the service sees receipt.Receipt.
package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/receipts-api/receipts/internal/receipt"
)

// Store is a receipt repository over one DynamoDB table.
type Store struct {
	db            *dynamodb.Client
	table         string
	listReadLimit int
}

// Option changes a Store built by New.
type Option func(*Store)

// WithListReadLimit bounds how many receipts a filtered List reads per
// call (default DefaultListReadLimit).
func WithListReadLimit(n int) Option { return func(s *Store) { s.listReadLimit = n } }

// New returns a Store over the named table.
func New(db *dynamodb.Client, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, listReadLimit: DefaultListReadLimit}
	for _, o := range opts {
		o(s)
	}
	return s
}

// item is a receipt as it is laid out in the table (DESIGN §4).
type item struct {
	PK          string  `dynamodbav:"PK"`
	SK          string  `dynamodbav:"SK"`
	ID          string  `dynamodbav:"id"`
	Tenant      string  `dynamodbav:"tenant"`
	Status      string  `dynamodbav:"status"`
	Filename    string  `dynamodbav:"filename,omitempty"`
	FileKey     string  `dynamodbav:"fileKey"`
	ContentType string  `dynamodbav:"contentType"`
	Size        int64   `dynamodbav:"size"`
	SHA256      string  `dynamodbav:"sha256"`
	Details     string  `dynamodbav:"details,omitempty"`
	DetailsKey  string  `dynamodbav:"detailsKey,omitempty"`
	Truncated   bool    `dynamodbav:"detailsTruncated,omitempty"`
	Fields      *fields `dynamodbav:"fields,omitempty"`
	// Extracted is the engine's reading, kept only while corrections make
	// fields differ from it.
	Extracted   *fields               `dynamodbav:"extracted,omitempty"`
	Corrections map[string]correction `dynamodbav:"corrections,omitempty"`
	CountryHint string                `dynamodbav:"countryHint,omitempty"`
	DuplicateOf string                `dynamodbav:"duplicateOf,omitempty"`
	PossibleDup string                `dynamodbav:"possibleDuplicateOf,omitempty"`
	// Version counts writes (the receipt's ETag); items written before
	// it was counted have none, read as 0.
	Version int64 `dynamodbav:"version,omitempty"`
	// Index keys and filter attributes, derived from the receipt's
	// fields and file (see indexes.go).
	ReceiptDate string                `dynamodbav:"receiptDate,omitempty"`
	VendorKey   string                `dynamodbav:"vendorKey,omitempty"`
	TotalValue  attributevalue.Number `dynamodbav:"totalValue,omitempty"`
	Engine      string                `dynamodbav:"engine,omitempty"`
	Timings     *timings              `dynamodbav:"timings,omitempty"`
	Error       string                `dynamodbav:"error,omitempty"`
	Attempts    int                   `dynamodbav:"attempts"`
	CreatedAt   string                `dynamodbav:"createdAt"`
	UpdatedAt   string                `dynamodbav:"updatedAt"`
	FinishedAt  string                `dynamodbav:"finishedAt,omitempty"`
	UploadUntil string                `dynamodbav:"uploadExpiresAt,omitempty"`
}

const timeLayout = time.RFC3339Nano

// The key layout: a receipt is PK=TENANT#<tenant>, SK=RECEIPT#<id>.
const (
	tenantPrefix  = "TENANT#"
	receiptPrefix = "RECEIPT#"
)

func tenantPK(tenant string) string { return tenantPrefix + tenant }
func receiptSK(id string) string    { return receiptPrefix + id }

func key(tenant, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: tenantPK(tenant)},
		"SK": &types.AttributeValueMemberS{Value: receiptSK(id)},
	}
}

// toItem lays a receipt out as an item; a new receipt (version 0) is
// written as version 1.
func toItem(r *receipt.Receipt) item {
	d := derive(r.Fields)
	it := item{
		PK: tenantPK(r.Tenant), SK: receiptSK(r.ID), ID: r.ID, Tenant: r.Tenant,
		Status: string(r.Status), Filename: r.Filename, FileKey: r.FileKey,
		ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256,
		Details: r.Details, DetailsKey: r.DetailsKey, Truncated: r.DetailsTruncated, Fields: fieldsItem(r.Fields), Error: r.Error, Attempts: r.Attempts,
		Engine: r.Engine, Timings: timingsItem(r.Timings),
		Corrections: correctionsItem(r.Corrections), CountryHint: r.CountryHint,
		DuplicateOf: r.DuplicateOf, PossibleDup: r.PossibleDuplicateOf, Version: max(r.Version, 1),
		ReceiptDate: d.date, VendorKey: d.vendor, TotalValue: d.total,
		CreatedAt:   r.CreatedAt.UTC().Format(timeLayout),
		UpdatedAt:   r.UpdatedAt.UTC().Format(timeLayout),
		FinishedAt:  formatOptional(r.FinishedAt),
		UploadUntil: formatOptional(r.UploadExpiresAt),
	}
	if len(r.Corrections) > 0 {
		it.Extracted = fieldsItem(r.Extracted)
	}
	return it
}

func formatOptional(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func fromItem(it item) (*receipt.Receipt, error) {
	r := receiptOf(it)
	var err error
	if r.CreatedAt, err = time.Parse(timeLayout, it.CreatedAt); err != nil {
		return nil, fmt.Errorf("parse createdAt of %s: %w", it.ID, err)
	}
	if r.UpdatedAt, err = time.Parse(timeLayout, it.UpdatedAt); err != nil {
		return nil, fmt.Errorf("parse updatedAt of %s: %w", it.ID, err)
	}
	return r, nil
}

// receiptOf is the receipt an item holds, its times parsed where they can
// be.
func receiptOf(it item) *receipt.Receipt {
	r := &receipt.Receipt{
		ID: it.ID, Tenant: it.Tenant, Status: receipt.Status(it.Status),
		Filename: it.Filename, FileKey: it.FileKey, ContentType: it.ContentType,
		Size: it.Size, SHA256: it.SHA256, Details: it.Details, DetailsKey: it.DetailsKey, DetailsTruncated: it.Truncated, Fields: it.Fields.domain(), Error: it.Error,
		Engine: it.Engine, Timings: it.Timings.domain(), Attempts: it.Attempts,
		Corrections: it.corrections(), CountryHint: it.CountryHint,
		DuplicateOf: it.DuplicateOf, PossibleDuplicateOf: it.PossibleDup, Version: it.Version,
	}
	r.Extracted = r.Fields
	if it.Extracted != nil {
		r.Extracted = it.Extracted.domain()
	}
	r.CreatedAt, _ = time.Parse(timeLayout, it.CreatedAt)
	r.UpdatedAt, _ = time.Parse(timeLayout, it.UpdatedAt)
	if it.UploadUntil != "" {
		r.UploadExpiresAt, _ = time.Parse(timeLayout, it.UploadUntil)
	}
	if it.FinishedAt != "" {
		r.FinishedAt, _ = time.Parse(timeLayout, it.FinishedAt)
	}
	return r
}

// Create writes a new receipt. It never overwrites: an existing item with the
// same key is ErrConflict.
func (s *Store) Create(ctx context.Context, r *receipt.Receipt) error {
	it := toItem(r)
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("marshal receipt %s: %w", r.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return fmt.Errorf("create receipt %s: %w", r.ID, mapErr(err))
	}
	r.Version = it.Version
	return nil
}

// Get returns the tenant's receipt with the given id, or ErrNotFound. The read
// is strongly consistent so a client polling right after upload sees its
// receipt.
func (s *Store) Get(ctx context.Context, tenant, id string) (*receipt.Receipt, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(tenant, id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get receipt %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("get receipt %s: %w", id, receipt.ErrNotFound)
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal receipt %s: %w", id, err)
	}
	return fromItem(it)
}

// Complete records a receipt's result and moves it from PROCESSING to
// COMPLETED, in one conditional write: a receipt that is no longer processing
// (finished, failed or deleted) is receipt.ErrConflict, so a late or replayed
// result never overwrites another. The text is in the item (res.Details) or,
// too long for it, stored elsewhere (res.DetailsKey); whatever an earlier
// processing of the receipt left (its text, its error, its duplicates) is
// replaced.
func (s *Store) Complete(ctx context.Context, tenant, id string, res receipt.Result, now time.Time) error {
	u := newUpdate()
	u.set("status", string(receipt.Completed))
	u.set("updatedAt", now.UTC().Format(timeLayout))
	u.set("finishedAt", now.UTC().Format(timeLayout))
	u.sets = append(u.sets, "#attempts = #attempts + :one")
	u.values[":one"] = 1
	offloaded := res.DetailsKey != ""
	u.setOrRemove("detailsKey", res.DetailsKey, offloaded)
	u.setOrRemove("details", res.Details, !offloaded)
	u.setOrRemove("detailsTruncated", true, res.DetailsTruncated)
	u.setFields(res.Fields, res.Extracted)
	u.setOrRemove("engine", res.Engine, res.Engine != "")
	ti := timingsItem(res.Timings)
	u.setOrRemove("timings", ti, ti != nil)
	u.setOrRemove("duplicateOf", res.DuplicateOf, res.DuplicateOf != "")
	u.setOrRemove("possibleDuplicateOf", res.PossibleDuplicateOf, res.PossibleDuplicateOf != "")
	u.remove("error")
	return s.write(ctx, tenant, id, u, "attribute_exists(PK) AND #status = :from", map[string]any{":from": string(receipt.Processing)})
}

// write applies u to the receipt if cond holds, else fails with
// receipt.ErrConflict.
func (s *Store) write(ctx context.Context, tenant, id string, u *update, cond string, condValues map[string]any) error {
	expr, nm, values, err := u.input(cond, condValues)
	if err != nil {
		return fmt.Errorf("update receipt %s: %w", id, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenant, id),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  nm,
		ExpressionAttributeValues: values,
	})
	if err != nil {
		return fmt.Errorf("update receipt %s: %w", id, mapErr(err))
	}
	return nil
}

// Fail marks a receipt FAILED with the reason, kept for operators; clients
// see the service's one extraction error. Like Complete, it only moves a
// receipt that is still processing.
func (s *Store) Fail(ctx context.Context, tenant, id, reason string, now time.Time) error {
	return s.finish(ctx, tenant, id,
		"SET #status = :failed, #error = :reason, #updatedAt = :now, #finishedAt = :now, #attempts = #attempts + :one",
		map[string]any{":failed": string(receipt.Failed), ":reason": reason, ":now": now.UTC().Format(timeLayout)})
}

// Uploaded moves a receipt whose presigned upload landed from UPLOADING to
// PROCESSING, which starts its processing (the stream's MODIFY record). The
// file checked now lies at fileKey, with the given size and SHA-256.
func (s *Store) Uploaded(ctx context.Context, tenant, id, fileKey string, size int64, sha256 string, now time.Time) error {
	return s.transition(ctx, tenant, id, receipt.Uploading,
		"SET #status = :processing, #fileKey = :key, #size = :size, #sha256 = :sha, #updatedAt = :now REMOVE #uploadExpiresAt",
		map[string]any{":processing": string(receipt.Processing), ":key": fileKey, ":size": size, ":sha": sha256, ":now": now.UTC().Format(timeLayout)})
}

// FailUpload marks FAILED a receipt whose upload was refused.
func (s *Store) FailUpload(ctx context.Context, tenant, id, reason string, now time.Time) error {
	return s.transition(ctx, tenant, id, receipt.Uploading,
		"SET #status = :failed, #error = :reason, #updatedAt = :now, #finishedAt = :now",
		map[string]any{":failed": string(receipt.Failed), ":reason": reason, ":now": now.UTC().Format(timeLayout)})
}

func (s *Store) finish(ctx context.Context, tenant, id, update string, values map[string]any) error {
	values[":one"] = 1
	return s.transition(ctx, tenant, id, receipt.Processing, update, values)
}

// transition applies update to a receipt that is in state from, else fails
// with receipt.ErrConflict.
func (s *Store) transition(ctx context.Context, tenant, id string, from receipt.Status, update string, values map[string]any) error {
	values[":from"] = string(from)
	values[":versionStep"] = 1
	update += " ADD #version :versionStep"
	av, err := attributevalue.MarshalMap(values)
	if err != nil {
		return fmt.Errorf("marshal update of receipt %s: %w", id, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenant, id),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attribute_exists(PK) AND #status = :from"),
		ExpressionAttributeNames:  names(update + " #status"),
		ExpressionAttributeValues: av,
	})
	if err != nil {
		return fmt.Errorf("finish receipt %s: %w", id, mapErr(err))
	}
	return nil
}

var placeholder = regexp.MustCompile(`#\w+`)

// names declares an expression's #name placeholders. Every attribute goes
// through one, since DynamoDB reserves words such as status and fields.
func names(expr string) map[string]string {
	n := map[string]string{}
	for _, p := range placeholder.FindAllString(expr, -1) {
		n[p] = p[1:]
	}
	return n
}

// mapErr turns a lost condition into receipt.ErrConflict and an item over
// the size limit into receipt.ErrTooLarge, keeping the rest.
func mapErr(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationException" && strings.Contains(api.ErrorMessage(), "Item size") {
		return fmt.Errorf("%w: %s", receipt.ErrTooLarge, api.ErrorMessage())
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return receipt.ErrConflict
	}
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) {
		for _, r := range tc.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return receipt.ErrConflict
			}
		}
	}
	return err
}

// Item is the item r is stored as (a new receipt's first version), for
// tools that write receipts in bulk with BatchWriteItem, such as a test
// seeding thousands: Create writes one at a time, under its condition.
func Item(r *receipt.Receipt) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(toItem(r))
	if err != nil {
		return nil, fmt.Errorf("marshal receipt %s: %w", r.ID, err)
	}
	return av, nil
}
