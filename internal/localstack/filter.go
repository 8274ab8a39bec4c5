package localstack

import (
	"encoding/json"
	"fmt"
	"strings"
)

// pattern is an event source mapping filter (the EventBridge-style pattern
// language Lambda uses), compiled from its JSON.
type pattern map[string]any

func parsePattern(src string) (pattern, error) {
	var p pattern
	if err := json.Unmarshal([]byte(src), &p); err != nil {
		return nil, fmt.Errorf("filter pattern %s: %w", src, err)
	}
	return p, nil
}

// matches reports whether event (decoded JSON) satisfies the pattern: every
// key in the pattern must match, a list matches if any of its elements does.
func (p pattern) matches(event map[string]any) bool {
	for k, want := range p {
		v, present := event[k]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok || !pattern(w).matches(sub) {
				return false
			}
		case []any:
			if !anyMatches(w, v, present) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func anyMatches(options []any, v any, present bool) bool {
	for _, o := range options {
		if matchOne(o, v, present) {
			return true
		}
	}
	return false
}

func matchOne(option, v any, present bool) bool {
	rule, ok := option.(map[string]any)
	if !ok {
		return present && fmt.Sprint(option) == fmt.Sprint(v)
	}
	for op, arg := range rule {
		switch op {
		case "prefix":
			s, ok := v.(string)
			return ok && strings.HasPrefix(s, fmt.Sprint(arg))
		case "suffix":
			s, ok := v.(string)
			return ok && strings.HasSuffix(s, fmt.Sprint(arg))
		case "exists":
			return present == (arg == true)
		case "anything-but":
			list, isList := arg.([]any)
			if !isList {
				list = []any{arg}
			}
			return present && !anyMatches(list, v, present)
		}
	}
	return false
}
