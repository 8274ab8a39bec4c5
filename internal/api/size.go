package api

import "unicode/utf8"

// MaxAnswerBytes bounds an answer as a Lambda proxy response carries it:
// the body as a JSON string, escaped once more. Lambda refuses a response
// over 6 MB and the function fails; this leaves room for the rest of the
// response. A list page stops short of it (its cursor goes on from there),
// and a receipt's text is cut to fit it.
//
// Escaping is what makes an answer large, not its length: JSON writes a
// "<" or a control character in six bytes, seven once escaped again, so 1
// MiB of text can take 7 MiB.
const MaxAnswerBytes = 5 << 20

// answerSize is how many bytes body, JSON from encoding/json, takes as a
// JSON string: one more for each quote and backslash (encoding/json has
// already escaped every control character, "<", ">" and "&").
func answerSize(body []byte) int {
	n := len(body) + 2
	for _, c := range body {
		if c == '"' || c == '\\' {
			n++
		}
	}
	return n
}

// fitText returns the longest prefix of s, cut between characters, that
// takes at most room bytes in an answer: escaped by encoding/json, then
// once more as answerSize counts.
func fitText(s string, room int) string {
	used := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		cost := size
		switch {
		case r == '"' || r == '\\':
			cost = 4
		case r == '\n' || r == '\r' || r == '\t':
			cost = 3
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' || r == utf8.RuneError && size == 1:
			cost = 7
		}
		if used+cost > room {
			return s[:i]
		}
		used += cost
		i += size
	}
	return s
}
