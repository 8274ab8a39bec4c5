//go:build !integration

package fake_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyTestsImport keeps the fakes out of what is built and deployed:
// no package's own (non-test) files import internal/fake, with or without
// the integration tag, so no function, command or local service can run
// over a stand-in.
func TestOnlyTestsImport(t *testing.T) {
	const fake = "github.com/receipts-api/receipts/internal/fake"
	for _, tags := range []string{"", "integration"} {
		out, err := exec.Command("go", "list", "-tags", tags, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../...").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q: %v\n%s", tags, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) < 20 {
			t.Fatalf("go list -tags %q found only %d packages:\n%s", tags, len(lines), out)
		}
		for _, line := range lines {
			f := strings.Fields(line)
			for _, imp := range f[1:] {
				if imp == fake && f[0] != fake {
					t.Errorf("%s imports %s (tags %q): only tests may", f[0], fake, tags)
				}
			}
		}
	}
}
