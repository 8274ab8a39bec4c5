//go:build !integration

// Package local holds what only stands in for AWS on one machine: the local
// stack, its API Gateway, Lambda host, DynamoDB Local launcher, S3 server,
// template reader and the integration tests' environment.
package local

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoProductPackageImportsLocal: what runs in Lambda, and the CLI, never
// depends on the emulation, not even indirectly. Only the local stack's own
// command and the benchmarks may.
func TestNoProductPackageImportsLocal(t *testing.T) {
	const module = "github.com/receipts-api/receipts/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "../../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := func(pkg string) bool {
		return strings.HasPrefix(pkg, module+"internal/local/") || pkg == module+"internal/local" ||
			pkg == module+"cmd/local" || pkg == module+"internal/bench"
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if allowed(pkg) {
			continue
		}
		checked++
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, module+"internal/local/") {
				t.Errorf("%s depends on %s", strings.TrimPrefix(pkg, module), strings.TrimPrefix(d, module))
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d packages; go list found too few", checked)
	}
}
