//go:build integration

package samtemplate_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/local/testenv"
)

// TestTemplateTranslates runs SAM's own translator (what `sam validate` and
// CloudFormation's transform run) over template.yaml for every parameter
// value that changes which resources exist.
func TestTemplateTranslates(t *testing.T) {
	root := testenv.Root(t)
	tool := filepath.Join(root, "..", "shared", "tools", "sam-translate")
	for _, params := range [][]string{
		nil,
		{"AlarmEmail=oncall@example.com"},
		{"LogLevel=DEBUG"},
		{"Extractor=tesseract"},
	} {
		t.Run(strings.Join(append([]string{"defaults"}, params...), " "), func(t *testing.T) {
			cmd := exec.Command("python3", append([]string{tool, filepath.Join(root, "template.yaml")}, params...)...)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "translated") {
				t.Fatalf("sam-translate %v: %v\n%s", params, err, out)
			}
		})
	}
}
