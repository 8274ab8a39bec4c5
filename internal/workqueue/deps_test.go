//go:build !integration

package workqueue_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDispatchAndDeadLettersLinkNoEngine: the stream's dispatcher and the
// dead-letter consumer do nothing with a document, so their functions link
// neither the extraction engines nor the API (their package init would add
// to every cold start).
func TestDispatchAndDeadLettersLinkNoEngine(t *testing.T) {
	const module = "github.com/receipts-api/receipts/"
	forbidden := []string{module + "internal/extract", module + "internal/processor", module + "internal/api",
		"github.com/aws/aws-sdk-go-v2/service/textract"}
	for _, pkg := range []string{"functions/dispatch", "functions/failed", "internal/workqueue"} {
		out, err := exec.Command("go", "list", "-deps", "../../"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list %s found %d packages; too few", pkg, len(deps))
		}
		for _, d := range deps {
			for _, f := range forbidden {
				if d == f {
					t.Errorf("%s links %s", pkg, d)
				}
			}
		}
	}
}
