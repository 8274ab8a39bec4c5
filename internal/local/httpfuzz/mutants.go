package httpfuzz

import (
	"fmt"
	"net/url"
	"strings"
)

// mutant is a valid request of a random operation with a few random
// changes: bytes of its body flipped, inserted or cut, a header repeated or
// given random bytes, a random query, a path segment of random escapes.
func (g *generator) mutant() probe {
	op := &g.spec.ops[g.rnd.IntN(len(g.spec.ops))]
	r := g.baseline(op)
	var what []string
	for range 1 + g.rnd.IntN(3) {
		switch k := g.rnd.IntN(6); {
		case k == 0 && len(r.body) > 0:
			i := g.rnd.IntN(len(r.body))
			r.body = append(r.body[:i:i], r.body[i:]...)
			r.body[i] ^= byte(1 + g.rnd.IntN(255))
			what = append(what, fmt.Sprintf("body byte %d flipped", i))
		case k == 1 && len(r.body) > 0:
			n := g.rnd.IntN(len(r.body))
			r.body = r.body[:n]
			what = append(what, fmt.Sprintf("body cut to %d bytes", n))
		case k == 2:
			i := g.rnd.IntN(len(r.body) + 1)
			junk := []byte(randomText(g.rnd))
			r.body = append(append(append([]byte(nil), r.body[:i]...), junk...), r.body[i:]...)
			what = append(what, fmt.Sprintf("%d bytes put in the body at %d", len(junk), i))
		case k == 3 && len(r.header) > 0:
			h := r.header[g.rnd.IntN(len(r.header))]
			r.header = append(r.header, [2]string{h[0], url.PathEscape(randomText(g.rnd))})
			what = append(what, h[0]+" repeated")
		case k == 4:
			r.target += sep(r.target) + url.QueryEscape(randomText(g.rnd)) + "=" + url.QueryEscape(randomText(g.rnd))
			what = append(what, "a random query")
		default:
			if i := strings.LastIndex(r.target, "/"); i >= 0 {
				rest := ""
				if q := strings.Index(r.target[i:], "?"); q >= 0 {
					rest = r.target[i+q:]
				}
				r.target = r.target[:i+1] + g.randomSegment() + rest
				what = append(what, "a random last path segment")
			}
		}
	}
	return probe{op: op, what: "random: " + strings.Join(what, ", "), req: r}
}
