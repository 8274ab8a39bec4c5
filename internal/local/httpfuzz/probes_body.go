package httpfuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

func (g *generator) bodyProbes(op *operation) []probe {
	var out []probe
	if op.body == nil {
		return nil
	}
	for _, ct := range sortedKeys(op.body.Content) {
		mt := op.body.Content[ct]
		switch {
		case strings.HasPrefix(ct, "multipart/form-data"):
			out = append(out, g.formProbes(op, mt)...)
		case strings.Contains(ct, "json"):
			out = append(out, g.jsonProbes(op, ct, mt)...)
		}
	}
	// A few bodies of random bytes, whatever the operation takes.
	for range 3 {
		r := g.baseline(op)
		r.body = make([]byte, g.rnd.IntN(4096))
		for i := range r.body {
			r.body[i] = byte(g.rnd.IntN(256))
		}
		out = append(out, probe{op: op, what: fmt.Sprintf("%d random bytes as the body", len(r.body)), req: r})
	}
	return out
}

// formProbes vary a multipart/form-data body: every media type its file
// parts allow, whole and cut short, other files, missing parts, file names
// of every size and kind, and broken multipart framing.
func (g *generator) formProbes(op *operation, mt *openapi3.MediaType) []probe {
	s := schemaOf(mt)
	valid := formParts(s, mt.Encoding, g.docs)
	var out []probe
	send := func(what string, parts []part, e expectation, why string) {
		r := g.baseline(op)
		r.body = multipartBody(boundary, parts)
		out = append(out, probe{op: op, what: what, req: r, expect: e, why: why})
	}
	for i, p := range valid {
		if !p.file {
			continue
		}
		with := func(change func(*part)) []part {
			parts := append([]part(nil), valid...)
			change(&parts[i])
			return parts
		}
		declared := mt.Encoding[p.name] != nil && mt.Encoding[p.name].ContentType != ""
		for _, t := range mediaTypes(mt.Encoding, p.name) {
			d := g.docs[t]
			send("a whole "+t, with(func(x *part) { x.data, x.filename, x.contentType = d.whole, "r"+d.ext, t }), accept, "a whole "+t)
			e, why := anything, ""
			if declared {
				e, why = refuse, "a "+t+" cut short is not a whole "+t
			}
			send("a "+t+" cut short", with(func(x *part) { x.data, x.filename = d.cut, "r"+d.ext }), e, why)
			send("half a "+t, with(func(x *part) { x.data, x.filename = d.whole[:len(d.whole)/2], "r"+d.ext }), e, why)
		}
		if declared {
			for what, data := range map[string][]byte{"an empty file": nil, "a text file named .png": []byte("hello"),
				"a PNG signature alone": []byte("\x89PNG\r\n\x1a\n")} {
				send(what, with(func(x *part) { x.data, x.filename = data, "r.png" }), refuse, what+" is none of the document's media types")
			}
		}
		names := map[string]string{
			"255 characters": strings.Repeat("n", 255), "256 characters": strings.Repeat("n", 256),
			"64 four-byte characters": strings.Repeat("\U0001F600", 64), "256 four-byte characters": strings.Repeat("\U0001F600", 256),
			"4096 characters": strings.Repeat("n", 4096), "400 KB": strings.Repeat("n", 400<<10),
			// Stored, each would grow sevenfold in a list answer.
			"330000 <": strings.Repeat("<", 330000), "330000 >": strings.Repeat(">", 330000), "330000 &": strings.Repeat("&", 330000),
			"a path": "../../etc/passwd", "quotes and backslashes": `a"b\c.png`, "not UTF-8": "\xff\xfe.png",
			"a NUL": "a\x00b.png", "control characters": "a\x01\x1f.png", "a right-to-left override": "a\u202egnp.exe",
		}
		for _, what := range sortedKeys(names) {
			send("file name: "+what, with(func(x *part) { x.filename = names[what] }), anything, "")
		}
		send("file name in RFC 2231 form", with(func(x *part) {
			x.disposition = fmt.Sprintf(`form-data; name=%q; filename*=UTF-8''%%E2%%82%%AC%%00.png`, x.name)
		}), anything, "")
		send("file part without a file name", with(func(x *part) { x.file = false }), anything, "")
		send("file part under another name", with(func(x *part) { x.name = x.name + "x" }), refuse, "no part "+p.name)
		send("the file part twice", append(with(func(*part) {}), valid[i]), anything, "")
	}
	send("no parts", nil, refuse, "no parts")
	many := make([]part, 5000)
	for i := range many {
		many[i] = part{name: fmt.Sprintf("f%d", i), data: []byte("x")}
	}
	send("5000 form values", many, refuse, "no file part")

	frame := func(what string, change func(r *request)) {
		r := g.baseline(op)
		change(r)
		out = append(out, probe{op: op, what: what, req: r, expect: refuse, why: "not a multipart body"})
	}
	frame("multipart without a boundary", func(r *request) { r.set("Content-Type", "multipart/form-data") })
	frame("another boundary", func(r *request) { r.set("Content-Type", "multipart/form-data; boundary=other") })
	frame("multipart cut short", func(r *request) { r.body = r.body[:len(r.body)*2/3] })
	frame("empty multipart body", func(r *request) { r.body = nil })
	frame("a 4 MiB part header", func(r *request) {
		r.body = multipartBody(boundary, []part{{name: "file", disposition: `form-data; name="file"; filename="` + strings.Repeat("h", 4<<20) + `"`}})
	})
	return out
}

// jsonProbes vary a JSON body: not JSON, JSON followed by more, every
// property missing, null, of another type, at and past its bounds, its name
// in another case. Whether each body is valid is the schema's to say.
func (g *generator) jsonProbes(op *operation, ct string, mt *openapi3.MediaType) []probe {
	s := schemaOf(mt)
	base, _ := sample(s).(map[string]any)
	baseJSON, _ := json.Marshal(base)
	var out []probe
	send := func(what string, body []byte, meant int) {
		r := g.baseline(op)
		r.set("Content-Type", ct)
		r.body = body
		p := probe{op: op, what: what, req: r}
		v, err := strictJSON(body)
		switch {
		case meant == unjudged:
		case err != nil:
			p.expect, p.why = refuse, "not one JSON value"
		case s.VisitJSON(v) != nil:
			p.expect, p.why = refuse, "invalid by the document: "+firstLine(s.VisitJSON(v).Error())
		case meant == 1:
			p.expect, p.why = accept, "valid by the document"
		}
		out = append(out, p)
	}
	for what, body := range map[string]string{
		"empty": "", "null": "null", "an array": "[]", "a string": `"x"`, "an open brace": "{", "not JSON": "not json",
		"trailing garbage": string(baseJSON) + "x", "two values": string(baseJSON) + "{}",
		"a byte order mark": "\ufeff" + string(baseJSON), "deep nesting": strings.Repeat("[", 100000),
		"single quotes": strings.ReplaceAll(string(baseJSON), `"`, `'`), "a lone surrogate": `{"x":"\ud800"}`,
	} {
		send("JSON body: "+what, []byte(body), 0)
	}
	if s == nil || len(base) == 0 {
		return out
	}
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name].Value
		send(name+" missing", object(base, name, missing, ""), 0)
		send(name+" null", object(base, name, nil, ""), 0)
		for _, other := range []any{12345, "12345", true, []any{base[name]}, map[string]any{"x": base[name]}, 1.5} {
			send(fmt.Sprintf("%s = %v (%T)", name, other, other), object(base, name, other, ""), 0)
		}
		send(name+" spelled "+strings.ToUpper(name), object(base, name, missing, strings.ToUpper(name)), 0)
		send(name+" spelled "+strings.ToUpper(name[:1])+name[1:], object(base, name, missing, strings.ToUpper(name[:1])+name[1:]), 0)
		twice := object(base, name, missing, "")
		twice = append(twice[:len(twice)-1], fmt.Sprintf(`,%q:%s,%q:"other"}`, name, mustJSON(base[name]), name)...)
		send(name+" twice", bytes.Replace(twice, []byte("{,"), []byte("{"), 1), unjudged)
		for _, v := range stringValues(p) {
			send(fmt.Sprintf("%s = %s", name, short(v.text)), object(base, name, v.text, ""), v.valid)
		}
		for _, v := range numberValues(p) {
			send(fmt.Sprintf("%s = %v", name, v.n), object(base, name, v.n, ""), v.valid)
		}
	}
	return out
}

// missing, as a property's value, leaves the property out; unjudged, as
// what a body is meant to be, leaves it to the checks every answer gets.
var missing = new(int)

const unjudged = -2

// object is base as JSON with the property name set to v (left out when
// v is missing), and when also is set, base[name] under that name too.
func object(base map[string]any, name string, v any, also string) []byte {
	m := map[string]any{}
	for k, x := range base {
		m[k] = x
	}
	if v == missing {
		delete(m, name)
	} else {
		m[name] = v
	}
	if also != "" {
		m[also] = base[name]
	}
	b, _ := json.Marshal(m)
	return b
}

// stringValues are strings for a string property: its enum values and
// their other cases, and lengths at and past its bounds in one-byte and
// four-byte characters (a bound counts characters, not bytes).
func stringValues(s *openapi3.Schema) []value {
	if s == nil || !s.Type.Is("string") {
		return nil
	}
	var out []value
	for _, e := range s.Enum {
		v := fmt.Sprint(e)
		out = append(out, value{v, 1}, value{strings.ToUpper(v), 0}, value{v + " ", 0}, value{"", 0})
	}
	if len(s.Enum) > 0 {
		return out
	}
	if s.MaxLength != nil {
		n := int(*s.MaxLength)
		out = append(out, value{strings.Repeat("a", n), 1}, value{strings.Repeat("a", n+1), 0},
			value{strings.Repeat("\U0001F600", n), 1}, value{strings.Repeat("\U0001F600", n+1), 0},
			value{strings.Repeat("é", n), 1})
	}
	if s.MinLength > 0 {
		out = append(out, value{strings.Repeat("a", int(s.MinLength)-1), 0})
	}
	return append(out, value{"\x00", 0}, value{"a\u2028b", 0}, value{"<&>", 0}, value{strings.Repeat("<", 3000), 0})
}

type number struct {
	n     any
	valid int
}

// numberValues are numbers for a numeric property: its bounds and one past
// each, zero, a negative, a fraction, and numbers past what JSON clients
// hold exactly.
func numberValues(s *openapi3.Schema) []number {
	if s == nil || !(s.Type.Is("integer") || s.Type.Is("number")) {
		return nil
	}
	out := []number{{0, 0}, {-1, 0}, {1.5, 0}, {json.Number("1e3"), unjudged}, {json.Number("9007199254740993"), 0},
		{json.Number("1" + strings.Repeat("0", 400)), 0}}
	if s.Min != nil {
		out = append(out, number{int64(*s.Min), 1}, number{int64(*s.Min) - 1, 0})
	}
	if s.Max != nil {
		out = append(out, number{int64(*s.Max), 1}, number{int64(*s.Max) + 1, 0})
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
