package dynamolocal

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// CreateTables creates each AWS::DynamoDB::Table of a template, so the local
// schema is the deployed one. A table that exists already is left alone.
func CreateTables(ctx context.Context, db *dynamodb.Client, tables []samtemplate.Resource) error {
	for _, t := range tables {
		in, err := createTableInput(t)
		if err != nil {
			return fmt.Errorf("table %s: %w", t.LogicalID, err)
		}
		if _, err := db.CreateTable(ctx, in); err != nil {
			var inUse *types.ResourceInUseException
			if errors.As(err, &inUse) {
				continue
			}
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		if ttl, ok := t.Properties["TimeToLiveSpecification"].(map[string]any); ok && ttl["Enabled"] == true {
			_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: aws.String(t.Name),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{
					AttributeName: aws.String(fmt.Sprint(ttl["AttributeName"])),
					Enabled:       aws.Bool(true),
				},
			})
			if err != nil {
				return fmt.Errorf("enable ttl on %s: %w", t.Name, err)
			}
		}
	}
	return nil
}

func createTableInput(t samtemplate.Resource) (*dynamodb.CreateTableInput, error) {
	p := t.Properties
	in := &dynamodb.CreateTableInput{TableName: aws.String(t.Name), BillingMode: types.BillingModePayPerRequest}
	for _, a := range list(p["AttributeDefinitions"]) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(fmt.Sprint(a["AttributeName"])),
			AttributeType: types.ScalarAttributeType(fmt.Sprint(a["AttributeType"])),
		})
	}
	in.KeySchema = keySchema(p["KeySchema"])
	if len(in.KeySchema) == 0 {
		return nil, fmt.Errorf("no KeySchema")
	}
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(fmt.Sprint(g["IndexName"])),
			KeySchema:  keySchema(g["KeySchema"]),
			Projection: projection(g["Projection"]),
		})
	}
	if s, ok := p["StreamSpecification"].(map[string]any); ok {
		in.StreamSpecification = &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewType(fmt.Sprint(s["StreamViewType"])),
		}
	}
	return in, nil
}

func keySchema(v any) []types.KeySchemaElement {
	var out []types.KeySchemaElement
	for _, k := range list(v) {
		out = append(out, types.KeySchemaElement{
			AttributeName: aws.String(fmt.Sprint(k["AttributeName"])),
			KeyType:       types.KeyType(fmt.Sprint(k["KeyType"])),
		})
	}
	return out
}

func projection(v any) *types.Projection {
	m, _ := v.(map[string]any)
	p := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	if t, ok := m["ProjectionType"]; ok {
		p.ProjectionType = types.ProjectionType(fmt.Sprint(t))
	}
	nonKey, _ := m["NonKeyAttributes"].([]any)
	for _, a := range nonKey {
		p.NonKeyAttributes = append(p.NonKeyAttributes, fmt.Sprint(a))
	}
	return p
}

func list(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
