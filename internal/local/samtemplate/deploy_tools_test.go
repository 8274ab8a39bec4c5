//go:build integration

package samtemplate

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDeployWithSAMTools runs SAM's own tools for each environment of
// samconfig.toml: the template translates with its parameter overrides
// (what CloudFormation's transform does at deploy), and sam build's choice
// for each image function is the environment's: left out where it is not
// deployed (no container engine needed), built with one where it is.
func TestDeployWithSAMTools(t *testing.T) {
	root := repoRoot(t)
	tools := filepath.Join(root, "..", "shared", "tools")
	cfg := loadSamconfig(t, root)
	var images []string
	for id, props := range functionResources(rawTemplate(t, root)) {
		if props["PackageType"] == "Image" {
			images = append(images, id)
		}
	}
	slices.Sort(images)
	for _, env := range slices.Sorted(maps.Keys(cfg)) {
		t.Run(env, func(t *testing.T) {
			deploy := cfg.params(env, "deploy")
			args := []string{filepath.Join(tools, "sam-translate"), filepath.Join(root, "template.yaml")}
			args = append(args, stringsOf(deploy["parameter_overrides"])...)
			out, err := exec.Command("python3", args...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "translated") {
				t.Errorf("sam-translate with %v: %v\n%s", deploy["parameter_overrides"], err, out)
			}

			excluded := stringsOf(cfg.params(env, "build")["exclude"])
			args = append([]string{filepath.Join(tools, "sam-build"), filepath.Join(root, "template.yaml")}, images...)
			for _, x := range excluded {
				args = append(args, "--exclude", x)
			}
			out, _ = exec.Command("python3", args...).CombinedOutput()
			for _, id := range images {
				line := lineOf(string(out), id+":")
				want := "container engine" // built: Docker is needed, as the README says
				if slices.Contains(excluded, id) {
					want = "excluded"
				}
				if !strings.Contains(line, want) {
					t.Errorf("sam-build %s: %q, want %q\n%s", id, line, want, out)
				}
			}
		})
	}
}

func lineOf(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
