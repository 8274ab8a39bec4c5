//go:build !integration

package receipt_test

import (
	"slices"
	"testing"

	"github.com/receipts-api/receipts/internal/locale"
	"github.com/receipts-api/receipts/internal/receipt"
)

// TestCountriesAreTheProfiles: the hints the API accepts are exactly the
// countries the parser has a profile for.
func TestCountriesAreTheProfiles(t *testing.T) {
	if got, want := receipt.Countries, locale.Countries(); !slices.Equal(got, want) {
		t.Errorf("receipt.Countries = %v, locale.Countries() = %v: add or remove the country in internal/receipt/values.go", got, want)
	}
}
