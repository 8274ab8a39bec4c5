package stack

import (
	"encoding/json"
	"fmt"
	"strings"
)

// pattern is an event source mapping filter (the EventBridge-style pattern
// language Lambda uses), compiled from its JSON. It supports what Lambda's
// filtering supports short of $or and cidr: exact values (strings, numbers,
// null), prefix, suffix, equals-ignore-case, exists, anything-but (a value,
// a list, or a prefix) and numeric comparisons. A pattern using anything
// else is refused when the stack starts, so a filter never silently
// matches nothing.
type pattern map[string]any

func parsePattern(src string) (pattern, error) {
	var p pattern
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("filter pattern %s: %w", src, err)
	}
	if err := p.check(""); err != nil {
		return nil, fmt.Errorf("filter pattern %s: %w", src, err)
	}
	return p, nil
}

// check refuses what the matcher would not apply as Lambda does.
func (p pattern) check(path string) error {
	for k, want := range p {
		at := strings.TrimPrefix(path+"."+k, ".")
		if strings.HasPrefix(k, "$") {
			return fmt.Errorf("%s: %s is not supported locally", at, k)
		}
		switch w := want.(type) {
		case map[string]any:
			if err := pattern(w).check(at); err != nil {
				return err
			}
		case []any:
			for _, o := range w {
				if err := checkOption(at, o); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: match values must be in an array, not %v", at, want)
		}
	}
	return nil
}

func checkOption(at string, o any) error {
	rule, ok := o.(map[string]any)
	if !ok {
		switch o.(type) {
		case string, json.Number, nil:
			return nil
		}
		return fmt.Errorf("%s: %v is not a string, number or null", at, o)
	}
	if len(rule) != 1 {
		return fmt.Errorf("%s: a rule has exactly one operator, not %d", at, len(rule))
	}
	for op, arg := range rule {
		switch op {
		case "prefix", "suffix", "equals-ignore-case":
			if _, ok := arg.(string); !ok {
				return fmt.Errorf("%s: %s takes a string", at, op)
			}
		case "exists":
			if _, ok := arg.(bool); !ok {
				return fmt.Errorf("%s: exists takes true or false", at)
			}
		case "anything-but":
			switch a := arg.(type) {
			case string, json.Number:
			case []any:
				for _, x := range a {
					switch x.(type) {
					case string, json.Number:
					default:
						return fmt.Errorf("%s: anything-but lists strings or numbers", at)
					}
				}
			case map[string]any:
				if _, ok := a["prefix"].(string); !ok || len(a) != 1 {
					return fmt.Errorf("%s: anything-but takes a value, a list or a prefix", at)
				}
			default:
				return fmt.Errorf("%s: anything-but takes a value, a list or a prefix", at)
			}
		case "numeric":
			if _, err := numericRange(arg); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
		default:
			return fmt.Errorf("%s: operator %q is not supported locally", at, op)
		}
	}
	return nil
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

// anyMatches: an event value that is an array matches when any of its
// elements matches any option.
func anyMatches(options []any, v any, present bool) bool {
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if anyMatches(options, x, true) {
				return true
			}
		}
		return false
	}
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
		return present && equal(option, v)
	}
	for op, arg := range rule {
		s, isString := v.(string)
		switch op {
		case "prefix":
			return isString && strings.HasPrefix(s, arg.(string))
		case "suffix":
			return isString && strings.HasSuffix(s, arg.(string))
		case "equals-ignore-case":
			return isString && strings.EqualFold(s, arg.(string))
		case "exists":
			return present == arg.(bool)
		case "anything-but":
			if !present {
				return false
			}
			if m, ok := arg.(map[string]any); ok {
				return isString && !strings.HasPrefix(s, m["prefix"].(string))
			}
			list, isList := arg.([]any)
			if !isList {
				list = []any{arg}
			}
			for _, x := range list {
				if equal(x, v) {
					return false
				}
			}
			return true
		case "numeric":
			r, _ := numericRange(arg)
			n, ok := number(v)
			return ok && r(n)
		}
	}
	return false
}

// equal compares a pattern's literal with an event's value by type and
// value: "5" does not match 5, and numbers compare as numbers.
func equal(want, v any) bool {
	switch w := want.(type) {
	case nil:
		return v == nil
	case string:
		s, ok := v.(string)
		return ok && s == w
	case json.Number:
		a, okA := number(w)
		b, okB := number(v)
		return okA && okB && a == b
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// numericRange compiles ["<", 10, ">=", 2]-style comparisons.
func numericRange(arg any) (func(float64) bool, error) {
	list, ok := arg.([]any)
	if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return nil, fmt.Errorf("numeric takes one or two comparisons, e.g. [\">\", 0, \"<=\", 5]")
	}
	type cmp struct {
		op string
		n  float64
	}
	var cmps []cmp
	for i := 0; i < len(list); i += 2 {
		op, _ := list[i].(string)
		n, ok := number(list[i+1])
		switch op {
		case "<", "<=", "=", ">", ">=":
		default:
			return nil, fmt.Errorf("numeric: unknown comparison %v", list[i])
		}
		if !ok {
			return nil, fmt.Errorf("numeric: %v is not a number", list[i+1])
		}
		cmps = append(cmps, cmp{op, n})
	}
	return func(x float64) bool {
		for _, c := range cmps {
			ok := map[string]bool{"<": x < c.n, "<=": x <= c.n, "=": x == c.n, ">": x > c.n, ">=": x >= c.n}[c.op]
			if !ok {
				return false
			}
		}
		return true
	}, nil
}
