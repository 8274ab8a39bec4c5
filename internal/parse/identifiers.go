package parse

import (
	"regexp"
	"strings"

	"github.com/receipts-api/receipts/internal/locale"
)

// maxIdentifierLines bounds the lines searched for the seller's numbers.
const maxIdentifierLines = 400

var (
	// webDomain is a web address's or an e-mail address's domain.
	webDomain = regexp.MustCompile(`(?:WWW\.|@)([A-Z0-9][A-Z0-9-]*(?:\.[A-Z0-9-]+)*\.[A-Z]{2,6})\b`)
	nonDigit  = regexp.MustCompile(`[^0-9+]`)
)

// identifiers reads what names the seller on paper more reliably than its
// name: the country's registration and tax numbers (its profile's
// identifiers; every country's when it is unknown), the phone number and
// the first address line of the header, and a web or e-mail domain.
func (l *loc) identifiers(lines []textLine, h header) map[string]string {
	out := map[string]string{}
	if len(lines) > maxIdentifierLines {
		lines = lines[:maxIdentifierLines]
	}
	profiles := []*locale.Profile{l.p}
	if l.p == nil {
		profiles = locale.All()
	}
	for _, ln := range lines {
		for _, p := range profiles {
			for _, id := range p.Identifiers {
				if _, ok := out[id.Kind]; ok {
					continue
				}
				if found := id.Find(ln.up, 1); len(found) > 0 {
					out[id.Kind] = strings.Join(strings.Fields(found[0]), "")
				}
			}
		}
		if _, ok := out["domain"]; !ok {
			if m := webDomain.FindStringSubmatch(ln.up); m != nil {
				out["domain"] = strings.ToLower(m[1])
			}
		}
	}
	// The phone and address of the header are the seller's; lower down
	// they are a service line's or a customer's.
	for _, ln := range lines[:min(len(lines), max(h.end, 0)+3)] {
		if _, ok := out["phone"]; ok {
			break
		}
		if m := phone.FindString(ln.up); m != "" {
			if d := nonDigit.ReplaceAllString(m, ""); len(d) >= 7 {
				out["phone"] = d
			}
		}
	}
	if first, _, _ := strings.Cut(h.address, ", "); first != "" {
		out["address"] = strings.Join(strings.Fields(locale.Fold(first)), " ")
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
