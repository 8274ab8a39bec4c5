package httpfuzz

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// value is a text to send for a scalar and what the schema says of it:
// valid, invalid, or not for the fuzzer to judge (0).
type value struct {
	text  string
	valid int // 1 valid, -1 invalid, 0 unjudged
}

// scalarValues returns texts for a parameter of schema s: boundaries on
// both sides, other types, other cases of enum values, and a few random
// ones. Whether each is valid is the schema's to say.
func scalarValues(s *openapi3.Schema, rnd *rand.Rand) []value {
	texts := []string{"", " ", "%00", "\x00", "null", "true", "[]", "{}", "-0", "1e3", "0x10", "1.5", "NaN",
		"99999999999999999999999", strings.Repeat("9", 400), "<script>", "'", `"`, `\`, "\u202e", "\U0001F600",
		strings.Repeat("a", 8000), fmt.Sprint(rnd.Int64()), randomText(rnd)}
	boundary := map[string]bool{}
	if s != nil {
		for _, e := range s.Enum {
			v := fmt.Sprint(e)
			texts = append(texts, v, strings.ToLower(v), strings.ToUpper(v)+" ", v+"\x00")
			boundary[v] = true
		}
		if s.Min != nil {
			lo := int64(*s.Min)
			texts = append(texts, strconv.FormatInt(lo-1, 10), strconv.FormatInt(lo, 10))
			boundary[strconv.FormatInt(lo, 10)] = true
		}
		if s.Max != nil {
			hi := int64(*s.Max)
			texts = append(texts, strconv.FormatInt(hi, 10), strconv.FormatInt(hi+1, 10))
			boundary[strconv.FormatInt(hi, 10)] = true
		}
		if s.MaxLength != nil {
			n := int(*s.MaxLength)
			texts = append(texts, strings.Repeat("a", n), strings.Repeat("a", n+1))
		}
	}
	var out []value
	for _, t := range texts {
		v := value{text: t}
		if s != nil && (s.Type.Is("integer") || s.Type.Is("number") || len(s.Enum) > 0) {
			v.valid = judgeScalar(s, t)
			if v.valid == 1 && !boundary[t] {
				// Valid by the schema but not a value a client writes (an
				// exponent, a sign on zero): the checks every answer gets.
				v.valid = 0
			}
		}
		out = append(out, v)
	}
	return out
}

func judgeScalar(s *openapi3.Schema, text string) int {
	if text == "" {
		// An empty parameter is commonly taken as an absent one.
		return 0
	}
	var v any = text
	if s.Type.Is("integer") || s.Type.Is("number") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || strings.TrimSpace(text) != text {
			return -1
		}
		v = f
	}
	if err := s.VisitJSON(v); err != nil {
		return -1
	}
	return 1
}

func randomText(rnd *rand.Rand) string {
	b := make([]rune, 1+rnd.IntN(30))
	for i := range b {
		b[i] = rune(rnd.IntN(0x3000))
	}
	return string(b)
}

func schemaOf(x any) *openapi3.Schema {
	var ref *openapi3.SchemaRef
	switch v := x.(type) {
	case *openapi3.Parameter:
		ref = v.Schema
	case *openapi3.MediaType:
		ref = v.Schema
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

func firstContent(op *operation) (string, *openapi3.MediaType) {
	if op.body == nil {
		return "", nil
	}
	for _, ct := range sortedKeys(op.body.Content) {
		return ct, op.body.Content[ct]
	}
	return "", nil
}

func sep(target string) string {
	if strings.Contains(target, "?") {
		return "&"
	}
	return "?"
}

// short is a value as the report shows it.
func short(v string) string {
	if len(v) > 48 {
		return strconv.Quote(v[:32]) + fmt.Sprintf("... (%d bytes)", len(v))
	}
	return strconv.Quote(v)
}
