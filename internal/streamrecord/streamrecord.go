// Package streamrecord reads the table's stream records as Lambda delivers
// them: their attribute values are in aws-lambda-go's type, and the store
// reads the SDK's. It translates values, knowing nothing of what the
// attributes mean.
package streamrecord

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Strings returns the attributes that are strings.
func Strings(attrs map[string]events.DynamoDBAttributeValue) map[string]string {
	out := make(map[string]string, len(attrs))
	for name, v := range attrs {
		if v.DataType() == events.DataTypeString {
			out[name] = v.String()
		}
	}
	return out
}

// SDK returns attrs as the SDK's attribute values.
func SDK(attrs map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(attrs))
	for name, v := range attrs {
		if sv := sdkValue(v); sv != nil {
			out[name] = sv
		}
	}
	return out
}

func sdkValue(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: SDK(v.Map())}
	case events.DataTypeList:
		l := make([]types.AttributeValue, 0, len(v.List()))
		for _, e := range v.List() {
			if sv := sdkValue(e); sv != nil {
				l = append(l, sv)
			}
		}
		return &types.AttributeValueMemberL{Value: l}
	}
	return nil
}
