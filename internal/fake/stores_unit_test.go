//go:build !integration

package fake_test

import (
	"testing"

	"github.com/receipts-api/receipts/internal/fake"
)

// stores are the stores TestConformance checks: the fake alone in the
// unit tier.
func stores(*testing.T) map[string]conforming {
	return map[string]conforming{"fake": fake.NewStore()}
}
