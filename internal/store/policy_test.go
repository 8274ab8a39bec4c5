//go:build !integration

package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// The table's key layout is also its permission boundary: receipts and
// idempotency records live under TENANT#, API keys under KEY#. IAM holds
// each function to its side of it with dynamodb:LeadingKeys.
const (
	tenantKeys = "TENANT#*"
	apiKeys    = "KEY#*"
	// keyReader is the one function that may read API key records.
	keyReader = "AuthorizerFunction"
)

// streamActions act on the table's stream, not on items: LeadingKeys does
// not apply to them.
var streamActions = map[string]bool{
	"dynamodb:describestream": true, "dynamodb:getrecords": true,
	"dynamodb:getsharditerator": true, "dynamodb:liststreams": true,
}

// unboundable are actions that LeadingKeys cannot confine (they name no
// partition key, and ForAllValues holds for an absent key), so no function
// may have them.
var unboundable = map[string]bool{"dynamodb:scan": true, "dynamodb:*": true, "*": true, "dynamodb:partiqlselect": true}

// leadingKeyProblems lists what in fn's policies lets it reach items outside
// its side of the table.
func leadingKeyProblems(fn samtemplate.Function) []string {
	want := tenantKeys
	if fn.LogicalID == keyReader {
		want = apiKeys
	}
	var problems []string
	policies, _ := fn.Properties["Policies"].([]any)
	if p, ok := fn.Properties["Policies"].(string); ok {
		policies = []any{p}
	}
	for i, p := range policies {
		switch p := p.(type) {
		case string:
			if strings.Contains(strings.ToLower(p), "dynamodb") {
				problems = append(problems, fmt.Sprintf("policy %d: managed policy %s grants the whole table", i, p))
			}
		case map[string]any:
			statements, isDoc := p["Statement"].([]any)
			if !isDoc {
				for name := range p {
					if strings.Contains(strings.ToLower(name), "dynamodb") {
						problems = append(problems, fmt.Sprintf("policy %d: SAM policy template %s grants the whole table; write a Statement with the LeadingKeys condition", i, name))
					}
				}
				continue
			}
			for j, st := range statements {
				problems = append(problems, statementProblems(fmt.Sprintf("policy %d statement %d", i, j), st, fn.LogicalID, want)...)
			}
		}
	}
	return problems
}

func statementProblems(where string, st any, function, want string) []string {
	s, _ := st.(map[string]any)
	if s["Effect"] != "Allow" {
		return nil
	}
	var items []string
	for _, a := range list(s["Action"]) {
		a = strings.ToLower(a)
		switch {
		case unboundable[a]:
			return []string{fmt.Sprintf("%s: %s can't be confined by dynamodb:LeadingKeys", where, a)}
		case strings.HasPrefix(a, "dynamodb:") && !streamActions[a]:
			items = append(items, a)
		}
	}
	if len(items) == 0 {
		return nil
	}
	if function == keyReader && !reflect.DeepEqual(items, []string{"dynamodb:getitem"}) {
		return []string{fmt.Sprintf("%s: the authorizer may only GetItem, has %v", where, items)}
	}
	cond, _ := s["Condition"].(map[string]any)
	like, _ := cond["ForAllValues:StringLike"].(map[string]any)
	if got := list(like["dynamodb:LeadingKeys"]); !reflect.DeepEqual(got, []string{want}) {
		return []string{fmt.Sprintf("%s: %v without Condition ForAllValues:StringLike dynamodb:LeadingKeys [%q] (has %v)", where, items, want, cond)}
	}
	return nil
}

// list reads a policy field that may be one string or a list of them.
func list(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// TestFunctionsStayOnTheirSideOfTheTable reads template.yaml: every
// function with DynamoDB access has the LeadingKeys condition, TENANT# for
// all but the authorizer, which alone reads KEY#.
func TestFunctionsStayOnTheirSideOfTheTable(t *testing.T) {
	fns, err := testenv.Template(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	withTable := 0
	for _, fn := range fns {
		if strings.Contains(fmt.Sprint(fn.Properties["Policies"]), "dynamodb:") {
			withTable++
		}
		for _, p := range leadingKeyProblems(fn) {
			t.Errorf("%s: %s", fn.LogicalID, p)
		}
	}
	if withTable < 5 {
		t.Errorf("only %d functions have DynamoDB access: is the template read right?", withTable)
	}
}

// TestLeadingKeyProblems shows the check above catches what it should.
func TestLeadingKeyProblems(t *testing.T) {
	const head = `
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Policies:
`
	tests := []struct {
		name     string
		function string
		policies string
		want     int // problems
	}{
		{"condition on tenants", "Fn", `
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:PutItem]
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["TENANT#*"]}}`, 0},
		{"no condition", "Fn", `
        - Statement:
            - Effect: Allow
              Action: dynamodb:UpdateItem
              Resource: !GetAtt Table.Arn`, 1},
		{"condition on keys outside the authorizer", "Fn", `
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["KEY#*"]}}`, 1},
		{"any leading key", "Fn", `
        - Statement:
            - Effect: Allow
              Action: dynamodb:Query
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["*"]}}`, 1},
		{"scan", "Fn", `
        - Statement:
            - Effect: Allow
              Action: dynamodb:Scan
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["TENANT#*"]}}`, 1},
		{"wildcard", "Fn", `
        - Statement:
            - Effect: Allow
              Action: "dynamodb:*"
              Resource: "*"`, 1},
		{"SAM policy template", "Fn", `
        - DynamoDBCrudPolicy:
            TableName: !Ref Table`, 1},
		{"managed policy", "Fn", `
        - AmazonDynamoDBFullAccess`, 1},
		{"stream and queue actions need no condition", "Fn", `
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetRecords, dynamodb:GetShardIterator, dynamodb:DescribeStream]
              Resource: !GetAtt Table.StreamArn
        - SQSSendMessagePolicy:
            QueueName: q`, 0},
		{"authorizer reads keys", keyReader, `
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["KEY#*"]}}`, 0},
		{"authorizer on tenants' side", keyReader, `
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["TENANT#*"]}}`, 1},
		{"authorizer writing", keyReader, `
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:PutItem]
              Resource: !GetAtt Table.Arn
              Condition: {ForAllValues:StringLike: {dynamodb:LeadingKeys: ["KEY#*"]}}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(head, "  Fn:", "  "+tt.function+":", 1) + strings.TrimPrefix(tt.policies, "\n") + "\n"
			tpl, err := samtemplate.Parse([]byte(src), samtemplate.Options{Region: "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			fn, err := tpl.Function(tt.function)
			if err != nil {
				t.Fatal(err)
			}
			if got := leadingKeyProblems(fn); len(got) != tt.want {
				t.Errorf("problems = %q, want %d", got, tt.want)
			}
		})
	}
}
