package samtemplate

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// noValue stands for AWS::NoValue: the property it is assigned to is dropped.
type noValue struct{}

// resolve evaluates the intrinsic functions in v the way CloudFormation
// would for this stack, as far as the local stack needs them.
func (t *Template) resolve(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return t.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := t.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, drop := r.(noValue); !drop {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			r, err := t.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, drop := r.(noValue); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (t *Template) intrinsic(name string, arg any) (any, error) {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("a Ref takes a name, got %v", arg)
		}
		return t.ref(s)
	case "Fn::GetAtt":
		parts, err := t.strings(arg)
		if err != nil || len(parts) != 2 {
			return nil, fmt.Errorf("Fn::GetAtt takes [resource, attribute], got %v", arg)
		}
		return t.getAtt(parts[0], parts[1])
	case "Fn::Sub":
		return t.sub(arg)
	case "Fn::Join":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("Fn::Join takes [separator, list], got %v", arg)
		}
		sep, _ := l[0].(string)
		r, err := t.resolve(l[1])
		if err != nil {
			return nil, err
		}
		parts, err := t.strings(r)
		if err != nil {
			return nil, err
		}
		return strings.Join(parts, sep), nil
	case "Fn::If":
		l, ok := arg.([]any)
		if !ok || len(l) != 3 {
			return nil, fmt.Errorf("Fn::If takes [condition, then, else], got %v", arg)
		}
		cond, _ := l[0].(string)
		yes, err := t.condition(cond)
		if err != nil {
			return nil, err
		}
		if yes {
			return t.resolve(l[1])
		}
		return t.resolve(l[2])
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return t.truth(map[string]any{name: arg})
	}
	return nil, fmt.Errorf("%s is not supported by the local stack", name)
}

func (t *Template) strings(v any) ([]string, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %v", v)
	}
	out := make([]string, len(l))
	for i, e := range l {
		r, err := t.resolve(e)
		if err != nil {
			return nil, err
		}
		out[i] = fmt.Sprint(r)
	}
	return out, nil
}

func (t *Template) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return t.opts.Region, nil
	case "AWS::AccountId":
		return t.opts.AccountID, nil
	case "AWS::StackName":
		return t.opts.StackName, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if p, ok := t.params[name]; ok {
		if v, ok := t.opts.Parameters[name]; ok {
			return v, nil
		}
		pm, _ := p.(map[string]any)
		if d, ok := pm["Default"]; ok {
			return d, nil
		}
		return nil, fmt.Errorf("parameter %s has no value and no default", name)
	}
	if res, ok := t.resources[name]; ok {
		if res["Type"] == "AWS::SQS::Queue" {
			// A queue's Ref is its URL; clients find it by its last segment.
			return QueueURL(t.opts.Region, t.opts.AccountID, t.PhysicalName(name)), nil
		}
		return t.PhysicalName(name), nil
	}
	return nil, fmt.Errorf("unknown name %s in a Ref", name)
}

// QueueURL is the URL of an SQS queue, as its Ref gives it.
func QueueURL(region, account, name string) string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, account, name)
}

// PhysicalName is the name the local stack gives a resource: what the
// template names it, else its logical id (lower-cased for buckets, whose
// names must be).
func (t *Template) PhysicalName(logicalID string) string {
	if v, ok := t.opts.Refs[logicalID]; ok {
		return v
	}
	res := t.resources[logicalID]
	props, _ := res["Properties"].(map[string]any)
	for _, key := range []string{"TableName", "BucketName", "QueueName", "FunctionName"} {
		if v, ok := props[key]; ok {
			if r, err := t.resolve(v); err == nil {
				if s, ok := r.(string); ok {
					return s
				}
			}
		}
	}
	if res["Type"] == "AWS::S3::Bucket" {
		return strings.ToLower(t.opts.StackName + "-" + logicalID)
	}
	return logicalID
}

func (t *Template) getAtt(logicalID, attr string) (any, error) {
	res, ok := t.resources[logicalID]
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt of unknown resource %s", logicalID)
	}
	name := t.PhysicalName(logicalID)
	region, account := t.opts.Region, t.opts.AccountID
	typ, _ := res["Type"].(string)
	switch {
	case typ == "AWS::S3::Bucket" && attr == "Arn":
		return "arn:aws:s3:::" + name, nil
	case typ == "AWS::DynamoDB::Table" && attr == "Arn":
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name), nil
	case typ == "AWS::DynamoDB::Table" && attr == "StreamArn":
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/local", region, account, name), nil
	case typ == "AWS::SQS::Queue" && attr == "Arn":
		return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, name), nil
	case typ == "AWS::SQS::Queue" && attr == "QueueName":
		return name, nil
	case typ == "AWS::Serverless::Function" && attr == "Arn":
		return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name), nil
	}
	return fmt.Sprintf("arn:aws:local:%s:%s:%s/%s", region, account, logicalID, attr), nil
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (t *Template) sub(arg any) (any, error) {
	var (
		format string
		vars   map[string]any
	)
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub takes a string or [string, variables]")
		}
		format, _ = a[0].(string)
		vars, _ = a[1].(map[string]any)
	default:
		return nil, fmt.Errorf("Fn::Sub takes a string or [string, variables]")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var (
			v   any
			err error
		)
		if vv, ok := vars[name]; ok {
			v, err = t.resolve(vv)
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			v, err = t.getAtt(res, attr)
		} else {
			v, err = t.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return fmt.Sprint(v)
	})
	return out, firstErr
}

func (t *Template) condition(name string) (bool, error) {
	c, ok := t.conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %s", name)
	}
	return t.truth(c)
}

func (t *Template) truth(v any) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("not a condition: %v", v)
	}
	for k, arg := range m {
		l, _ := arg.([]any)
		switch k {
		case "Condition":
			s, _ := arg.(string)
			return t.condition(s)
		case "Fn::Equals":
			if len(l) != 2 {
				return false, fmt.Errorf("Fn::Equals takes two values")
			}
			a, err := t.resolve(l[0])
			if err != nil {
				return false, err
			}
			b, err := t.resolve(l[1])
			if err != nil {
				return false, err
			}
			return fmt.Sprint(a) == fmt.Sprint(b), nil
		case "Fn::Not":
			if len(l) != 1 {
				return false, fmt.Errorf("Fn::Not takes one condition")
			}
			b, err := t.truth(l[0])
			return !b, err
		case "Fn::And", "Fn::Or":
			and := k == "Fn::And"
			for _, c := range l {
				b, err := t.truth(c)
				if err != nil {
					return false, err
				}
				if b != and {
					return b, nil
				}
			}
			return and, nil
		}
		return false, fmt.Errorf("%s is not a condition function", k)
	}
	return false, nil
}

// str renders a resolved scalar as CloudFormation would pass it on.
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
