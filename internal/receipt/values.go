package receipt

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

// amount is a decimal as fields hold it: the receipt's own decimals,
// never an exponent.
var amount = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)

// ValidAmount reports whether s is a decimal amount as fields hold it
// ("12.50", "-0.25").
func ValidAmount(s string) bool { return amount.MatchString(s) }

// ValidDate reports whether s is a calendar date as YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}

// ValidCurrency reports whether s is an ISO 4217 currency code, upper
// case.
func ValidCurrency(s string) bool {
	if len(s) != 3 || strings.ToUpper(s) != s {
		return false
	}
	_, err := currency.ParseISO(s)
	return err == nil
}

// ValidCountry reports whether s is an ISO 3166-1 alpha-2 country code,
// upper case (a country a receipt may be corrected to, whether or not its
// receipts can be read).
func ValidCountry(s string) bool {
	if len(s) != 2 || strings.ToUpper(s) != s {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry()
}

// Countries are the countries whose receipts the parser has a profile
// for (internal/locale), and so the hints a client may give. The list is
// kept here, not read from the profiles, so that the API functions do not
// load every profile at each cold start; a test holds it to
// locale.Countries().
var Countries = []string{"DE", "ES", "FR", "GB", "IT", "MY", "NL", "RS", "TR", "US"}

// CountryHint returns the supported country s names and whether it
// names one: its ISO 3166-1 alpha-2 code as written, upper case.
func CountryHint(s string) (string, bool) {
	return s, slices.Contains(Countries, s)
}

// FoldVendor is how vendors are compared and searched: lower case,
// letters and digits only, so "Mr. D.I.Y." and "MR DIY" are one name and
// "mr d" finds both.
func FoldVendor(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
