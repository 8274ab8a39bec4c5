//go:build !integration

package stack_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/local/testenv"
)

// TestEveryFunctionHasItsBuildTarget holds the template and the Makefile
// together: each function is built by make build-<LogicalId> (what
// BuildMethod: makefile runs), with the flags the tests use, from its own
// CodeUri.
func TestEveryFunctionHasItsBuildTarget(t *testing.T) {
	root := testenv.Root(t)
	fns, err := testenv.Template(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range fns {
		t.Run(fn.LogicalID, func(t *testing.T) {
			if bm, _ := fn.Metadata["BuildMethod"].(string); bm != "makefile" {
				t.Errorf("BuildMethod %q, want makefile", bm)
			}
			out, err := exec.Command("make", "-n", "-C", root, "build-"+fn.LogicalID, "ARTIFACTS_DIR=/out").CombinedOutput()
			if err != nil {
				t.Fatalf("make -n build-%s: %v\n%s", fn.LogicalID, err, out)
			}
			rel, err := filepath.Rel(root, fn.CodeURI)
			if err != nil {
				t.Fatal(err)
			}
			cmd := string(out)
			for _, want := range []string{"GOARCH=arm64", "-tags lambda.norpc -trimpath -ldflags \"-s -w\"", "-o /out/bootstrap", "./" + rel} {
				if !strings.Contains(cmd, want) {
					t.Errorf("build command lacks %q:\n%s", want, cmd)
				}
			}
		})
	}
}
