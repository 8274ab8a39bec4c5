//go:build !integration

package stack

import (
	"encoding/json"
	"strings"
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
		{"a number is not its string", `{"n": [5]}`, raw(`{"n": "5"}`), false},
		{"a string is not its number", `{"n": ["5"]}`, raw(`{"n": 5}`), false},
		{"numbers compare as numbers", `{"n": [5]}`, raw(`{"n": 5.0}`), true},
		{"null", `{"n": [null]}`, raw(`{"n": null}`), true},
		{"null is not absent", `{"n": [null]}`, raw(`{}`), false},
		{"numeric range", `{"n": [{"numeric": [">", 0, "<=", 5]}]}`, raw(`{"n": 5}`), true},
		{"numeric range, outside", `{"n": [{"numeric": [">", 0, "<=", 5]}]}`, raw(`{"n": 6}`), false},
		{"numeric on a string", `{"n": [{"numeric": [">", 0]}]}`, raw(`{"n": "6"}`), false},
		{"equals-ignore-case", `{"eventName": [{"equals-ignore-case": "insert"}]}`, event("INSERT", "x"), true},
		{"anything-but a prefix", `{"eventName": [{"anything-but": {"prefix": "IN"}}]}`, event("INSERT", "x"), false},
		{"anything-but a number", `{"n": [{"anything-but": [5]}]}`, raw(`{"n": 6}`), true},
		{"an array in the event matches by any element", `{"tags": ["b"]}`, raw(`{"tags": ["a", "b"]}`), true},
		{"an array in the event, no element matches", `{"tags": ["c"]}`, raw(`{"tags": ["a", "b"]}`), false},
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

func raw(s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

// TestUnsupportedPatternsAreRefused: a pattern the local matcher would not
// apply as Lambda does fails at start-up, naming what is wrong.
func TestUnsupportedPatternsAreRefused(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{`{"$or": [{"a": ["x"]}, {"b": ["y"]}]}`, "$or"},
		{`{"ip": [{"cidr": "10.0.0.0/24"}]}`, `"cidr"`},
		{`{"a": [{"wildcard": "x*"}]}`, `"wildcard"`},
		{`{"a": "x"}`, "in an array"},
		{`{"a": [true]}`, "not a string, number or null"},
		{`{"a": [{"prefix": 1}]}`, "prefix takes a string"},
		{`{"a": [{"prefix": "x", "suffix": "y"}]}`, "exactly one operator"},
		{`{"a": [{"numeric": [">"]}]}`, "numeric"},
		{`{"a": [{"numeric": ["~", 1]}]}`, "unknown comparison"},
		{`{"a": [{"exists": "yes"}]}`, "exists takes true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := parsePattern(tt.pattern)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parsePattern = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
