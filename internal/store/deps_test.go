//go:build !integration

package store_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStoreIsOnlyAStorageAdapter: the store links the SDK and the domain,
// not the authorizer or Lambda's event types.
func TestStoreIsOnlyAStorageAdapter(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list found %d packages; too few", len(deps))
	}
	for _, d := range deps {
		if d == "github.com/receipts-api/receipts/internal/auth" || strings.HasPrefix(d, "github.com/aws/aws-lambda-go/") {
			t.Errorf("internal/store links %s", d)
		}
	}
}
