package localstack

import (
	"encoding/json"
	"testing"
)

func TestPattern(t *testing.T) {
	const receiptFilter = `{"eventName": ["INSERT"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "RECEIPT#"}]}}}}`
	event := func(name, sk string) map[string]any {
		var m map[string]any
		_ = json.Unmarshal([]byte(`{"eventName":"`+name+`","dynamodb":{"Keys":{"PK":{"S":"TENANT#t"},"SK":{"S":"`+sk+`"}}}}`), &m)
		return m
	}
	tests := []struct {
		name    string
		pattern string
		event   map[string]any
		want    bool
	}{
		{"new receipt", receiptFilter, event("INSERT", "RECEIPT#1"), true},
		{"receipt update", receiptFilter, event("MODIFY", "RECEIPT#1"), false},
		{"receipt removal", receiptFilter, event("REMOVE", "RECEIPT#1"), false},
		{"other item", receiptFilter, event("INSERT", "IDEMPOTENCY#k"), false},
		{"one of several values", `{"eventName": ["MODIFY", "INSERT"]}`, event("INSERT", "x"), true},
		{"anything-but", `{"eventName": [{"anything-but": ["REMOVE"]}]}`, event("INSERT", "x"), true},
		{"anything-but excludes", `{"eventName": [{"anything-but": "REMOVE"}]}`, event("REMOVE", "x"), false},
		{"exists", `{"dynamodb": {"NewImage": [{"exists": false}]}}`, event("INSERT", "x"), true},
		{"missing key", `{"userIdentity": ["x"]}`, event("INSERT", "x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.matches(tt.event); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}
