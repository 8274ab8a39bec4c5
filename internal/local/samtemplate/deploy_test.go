package samtemplate

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// The SAM CLI (1.164) as its source behaves, which these tests hold the
// deploy to:
//   - sam build builds every function of the template whatever its
//     Condition, a PackageType Image one with a container engine, unless
//     --exclude names it;
//   - sam build sets the ImageUri of each image it builds; sam package
//     passes over an ImageUri that is an intrinsic, and fails on an image
//     function with none, and SAM's transform wants one even where the
//     Condition is false;
//   - sam deploy refuses a template in which an image function has an
//     ImageUri (built or not) unless image repositories are given
//     (resolve_image_repos or image_repositories);
//   - a samconfig.toml environment's command section overrides its global
//     one, and --parameter-overrides replaces parameter_overrides whole.

// samconfig is samconfig.toml: environment, command, "parameters", values.
type samconfig map[string]map[string]map[string]any

func loadSamconfig(t *testing.T, root string) samconfig {
	t.Helper()
	var raw map[string]any
	if _, err := toml.DecodeFile(filepath.Join(root, "samconfig.toml"), &raw); err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	cfg := samconfig{}
	for env, v := range raw {
		cmds, ok := v.(map[string]any)
		if !ok {
			continue // version
		}
		cfg[env] = map[string]map[string]any{}
		for cmd, sec := range cmds {
			params, _ := sec.(map[string]any)["parameters"].(map[string]any)
			cfg[env][cmd] = params
		}
	}
	return cfg
}

// params are what `sam <cmd> --config-env <env>` reads.
func (c samconfig) params(env, cmd string) map[string]any {
	out := maps.Clone(c[env]["global"])
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, c[env][cmd])
	return out
}

func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, s := range v {
			out = append(out, fmt.Sprint(s))
		}
		return out
	}
	return nil
}

// overrides reads parameter_overrides ("Name=Value ...").
func overrides(v any) map[string]string {
	out := map[string]string{}
	for _, kv := range stringsOf(v) {
		k, val, _ := strings.Cut(kv, "=")
		out[k] = strings.Trim(val, `"'`)
	}
	return out
}

// extractorValues are the template's Extractor parameter's allowed values.
func extractorValues(t *testing.T, raw map[string]any) (values []string, def string) {
	t.Helper()
	p, _ := raw["Parameters"].(map[string]any)["Extractor"].(map[string]any)
	for _, v := range p["AllowedValues"].([]any) {
		values = append(values, fmt.Sprint(v))
	}
	if len(values) == 0 {
		t.Fatal("the template's Extractor parameter has no AllowedValues")
	}
	return values, fmt.Sprint(p["Default"])
}

// deployedFunctions are the functions CloudFormation creates with params.
func deployedFunctions(t *testing.T, root string, params map[string]string) []string {
	t.Helper()
	tp, err := Load(filepath.Join(root, "template.yaml"), Options{Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tp.Functions()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fns {
		names = append(names, f.LogicalID)
	}
	return names
}

func rawTemplate(t *testing.T, root string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := decode(src)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// functionResources are every AWS::Serverless::Function of the template,
// whatever its Condition, as sam build sees them.
func functionResources(raw map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := raw["Resources"].(map[string]any)
	for id, r := range res {
		m, _ := r.(map[string]any)
		if m["Type"] == "AWS::Serverless::Function" {
			props, _ := m["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "samconfig.toml")); err != nil {
		t.Fatalf("no samconfig.toml at the module's root: %v", err)
	}
	return root
}

// TestDeployCommands holds samconfig.toml, the Makefile's deploy target and
// template.yaml to a deploy that works as the SAM CLI behaves, for every
// environment: sam build builds exactly the functions the environment's
// Extractor deploys (no container image where the zip processor is
// deployed, so no Docker is needed), sam deploy gets the image repositories
// it insists on, and the README (or docs/) gives the command of each
// Extractor value.
func TestDeployCommands(t *testing.T) {
	root := repoRoot(t)
	cfg := loadSamconfig(t, root)
	raw := rawTemplate(t, root)
	all := functionResources(raw)
	values, def := extractorValues(t, raw)
	docs := deployDocs(t, root)

	deployed := map[string][]string{} // Extractor value: environments
	for _, env := range slices.Sorted(maps.Keys(cfg)) {
		t.Run(env, func(t *testing.T) {
			cmd := exec.Command("make", "-s", "-n", "-C", root, "deploy", "ENV="+env)
			// As a user runs it, not as a job of the make that runs the
			// tests (make test -j), whose jobserver it can't reach.
			cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make -n deploy ENV=%s: %v\n%s", env, err, out)
			}
			want := fmt.Sprintf("sam build --config-env %s && sam deploy --config-env %s", env, env)
			if got := strings.TrimSpace(string(out)); got != want {
				t.Fatalf("make deploy ENV=%s runs\n  %s\nwant\n  %s\n(everything else belongs in samconfig.toml, where this test reads it)", env, got, want)
			}

			build, deploy := cfg.params(env, "build"), cfg.params(env, "deploy")
			params := overrides(deploy["parameter_overrides"])
			extractor := params["Extractor"]
			if extractor == "" {
				extractor = def
			}
			if !slices.Contains(values, extractor) {
				t.Fatalf("Extractor=%s is not one of the template's %v", extractor, values)
			}
			deployed[extractor] = append(deployed[extractor], env)

			excluded := stringsOf(build["exclude"])
			for _, x := range excluded {
				if all[x] == nil {
					t.Errorf("exclude names %s, which is no function of the template", x)
				}
			}
			var built []string
			for id := range all {
				if !slices.Contains(excluded, id) {
					built = append(built, id)
				}
			}
			slices.Sort(built)
			runs := deployedFunctions(t, root, params)
			for _, id := range built {
				if !slices.Contains(runs, id) {
					t.Errorf("sam build builds %s, which Extractor=%s does not deploy: add it to [%s.build.parameters] exclude", id, extractor, env)
				}
			}
			for _, id := range runs {
				if !slices.Contains(built, id) {
					t.Errorf("sam build leaves out %s, which Extractor=%s deploys", id, extractor)
				}
			}

			images := false // an image function's ImageUri in the built template
			for id, props := range all {
				if props["PackageType"] != "Image" {
					continue
				}
				if slices.Contains(built, id) {
					images = true
					if build["use_buildkit"] != true {
						t.Errorf("%s is built, and its Dockerfile's build stage needs BuildKit (FROM --platform=$BUILDPLATFORM): set use_buildkit = true in [%s.build.parameters]", id, env)
					}
					continue
				}
				switch uri := props["ImageUri"].(type) {
				case map[string]any:
					images = true // an intrinsic: sam package passes over it
				case nil:
					t.Errorf("%s is not built and has no ImageUri: sam package fails on it (give it an intrinsic, e.g. !Ref AWS::NoValue)", id)
				default:
					t.Errorf("%s is not built and its ImageUri %v is not an intrinsic: sam package would look for that image", id, uri)
				}
			}
			if images && deploy["resolve_image_repos"] != true && deploy["image_repositories"] == nil {
				t.Errorf("sam deploy refuses a template whose image functions have an ImageUri without image repositories: set resolve_image_repos = true in [%s.deploy.parameters]", env)
			}
			if deploy["resolve_s3"] != true && deploy["s3_bucket"] == nil {
				t.Errorf("sam deploy needs a bucket for the zip functions: resolve_s3 = true in [%s.deploy.parameters]", env)
			}
		})
	}

	for _, v := range values {
		envs := deployed[v]
		if len(envs) == 0 {
			t.Errorf("no environment of samconfig.toml deploys Extractor=%s", v)
			continue
		}
		var cmds []string
		for _, env := range envs {
			cmd := "make deploy ENV=" + env
			if env == "default" {
				cmd = "make deploy"
			}
			cmds = append(cmds, cmd)
		}
		if !slices.ContainsFunc(cmds, func(c string) bool { return regexp.MustCompile(regexp.QuoteMeta(c) + `\b`).MatchString(docs) }) {
			t.Errorf("the deploy docs give no command for Extractor=%s: want one of %q", v, cmds)
		}
	}
	for _, m := range regexp.MustCompile(`make deploy ENV=([\w-]+)`).FindAllStringSubmatch(docs, -1) {
		if cfg[m[1]] == nil {
			t.Errorf("the deploy docs say %q, and samconfig.toml has no environment %s", m[0], m[1])
		}
	}
}

// deployDocs is the README's and docs/' Markdown, wherever the deploy
// section lives.
func deployDocs(t *testing.T, root string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	var b strings.Builder
	for _, f := range append([]string{filepath.Join(root, "README.md")}, files...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(src)
	}
	if !strings.Contains(b.String(), "sam build") {
		t.Fatal("neither the README nor docs/ describe the deploy")
	}
	return b.String()
}

// TestArchitectures holds the Makefile's LAMBDA_GOARCH, what make build and
// sam build compile the zip functions for, to the template's Architectures,
// what Lambda runs them on, for every function of the template.
func TestArchitectures(t *testing.T) {
	root := repoRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_GOARCH\s*\??=\s*(\S+)`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no LAMBDA_GOARCH in the Makefile")
	}
	lambdaArch := map[string]string{"arm64": "arm64", "amd64": "x86_64"}[string(m[1])]
	if lambdaArch == "" {
		t.Fatalf("LAMBDA_GOARCH %s: Lambda runs arm64 or amd64 (x86_64)", m[1])
	}
	raw := rawTemplate(t, root)
	values, _ := extractorValues(t, raw)
	for _, v := range values {
		tp, err := Load(filepath.Join(root, "template.yaml"), Options{Parameters: map[string]string{"Extractor": v}})
		if err != nil {
			t.Fatal(err)
		}
		fns, err := tp.Functions()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fns {
			archs := stringsOf(f.Properties["Architectures"])
			if len(archs) == 0 {
				archs = []string{"x86_64"} // Lambda's default
			}
			if !slices.Equal(archs, []string{lambdaArch}) {
				t.Errorf("%s runs on %v, and the Makefile builds for %s (LAMBDA_GOARCH %s)", f.LogicalID, archs, lambdaArch, m[1])
			}
		}
	}
}
