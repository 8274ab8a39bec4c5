//go:build !integration

package bench_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// BenchmarkColdStart compares each function's cold start through the local
// Runtime API with two binaries built the same way, started alternately so
// all three see the same machine:
//
//   - SDK-only: links every AWS SDK package the function links, and the
//     clients' constructors, and does nothing else. The SDK's own package
//     initialisation is a floor no code of ours can lower; what the function
//     costs above it is ours (our packages' init, main's wiring).
//   - hello world: the smallest aws-lambda-go function.
//
// Each start is invoked once with an empty event: only the init before it is
// measured, and an error the handler returns (the authorizer's
// "Unauthorized") still follows a complete init.
func BenchmarkColdStart(b *testing.B) {
	st := startStack(b)
	root := testenv.Root(b)
	helloBin := filepath.Join(root, ".local", "bench", "hello", "bootstrap")
	if err := stack.GoBuild(context.Background(), root, helloBin, "./internal/bench/testdata/hello"); err != nil {
		b.Fatal(err)
	}
	fns, err := st.Template.Functions()
	if err != nil {
		b.Fatal(err)
	}
	for _, fn := range fns {
		b.Run(fn.LogicalID, func(b *testing.B) {
			pkg := "./" + filepath.ToSlash(mustRel(b, root, fn.CodeURI))
			sdkBin := buildSDKOnly(b, root, pkg)
			ours := st.Function(fn.LogicalID)
			sdk, hello := ours, ours
			sdk.Name, sdk.Bootstrap, sdk.Dir = "SDKOnly", sdkBin, filepath.Dir(sdkBin)
			hello.Name, hello.Bootstrap, hello.Dir = "Hello", helloBin, filepath.Dir(helloBin)
			var o, s, h []time.Duration
			for b.Loop() {
				o = append(o, coldStart(b, ours))
				s = append(s, coldStart(b, sdk))
				h = append(h, coldStart(b, hello))
			}
			oursMS, sdkMS, helloMS := percentile(o, 0.5), percentile(s, 0.5), percentile(h, 0.5)
			b.ReportMetric(oursMS, "ours-ms")
			b.ReportMetric(sdkMS, "sdkonly-ms")
			b.ReportMetric(helloMS, "hello-ms")
			b.ReportMetric(oursMS/sdkMS, "ratio-sdkonly")
			b.ReportMetric(oursMS/helloMS, "ratio-hello")
			fmt.Printf("cold start %s vs SDK-only (median init): %.3fms vs %.3fms = %.2fx\n", fn.LogicalID, oursMS, sdkMS, oursMS/sdkMS)
			fmt.Printf("cold start %s vs hello world (median init): %.3fms vs %.3fms = %.2fx\n", fn.LogicalID, oursMS, helloMS, oursMS/helloMS)
		})
	}
}

// coldStart starts a fresh instance of fn, invokes it once with an empty
// event, and returns the init duration Lambda would report. Each instance
// gets an empty /tmp of its own, as each Lambda sandbox does (the machine's
// shared one holds whatever else runs here, which the processor's init
// would list).
func coldStart(b *testing.B, fn lambdalocal.Function) time.Duration {
	fn.Env = maps.Clone(fn.Env)
	fn.Env["TMPDIR"] = b.TempDir()
	h := lambdalocal.NewHost(fn, discard{})
	defer h.Close()
	res, err := h.Invoke(context.Background(), []byte(`{}`))
	var fe *lambdalocal.FunctionError
	if err != nil && (!errors.As(err, &fe) || fe.Init) {
		b.Fatalf("%s: %v", fn.Name, err)
	}
	return res.InitDuration
}

// buildSDKOnly builds the SDK-only baseline of the function package pkg and
// returns its executable. Functions that link the same SDK packages share
// one baseline.
func buildSDKOnly(b *testing.B, root, pkg string) string {
	sdk := sdkPackages(b, root, pkg)
	sum := sha256.Sum256([]byte(strings.Join(sdk, "\n")))
	dir := filepath.Join(root, ".local", "bench", "sdkonly", fmt.Sprintf("%x", sum[:6]))
	bin := filepath.Join(dir, "bootstrap")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), sdkOnlySource(sdk), 0o644); err != nil {
		b.Fatal(err)
	}
	src := "./" + filepath.ToSlash(mustRel(b, root, dir))
	if err := stack.GoBuild(context.Background(), root, bin, src); err != nil {
		b.Fatal(err)
	}
	// The baseline must link what the function links of the SDK, no less
	// and no more, or the ratio measures something else.
	if got := sdkPackages(b, root, src); !slices.Equal(got, sdk) {
		b.Fatalf("the SDK-only baseline of %s links other SDK packages than the function:\nfunction: %v\nbaseline: %v", pkg, sdk, got)
	}
	return bin
}

// sdkPackages lists, sorted, the packages of the AWS SDK (and of smithy-go,
// its runtime) that the Go package pkg links, as a function is built.
func sdkPackages(b *testing.B, root, pkg string) []string {
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("go list %s: %v", pkg, err)
	}
	var sdk []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(p, "github.com/aws/smithy-go") {
			sdk = append(sdk, p)
		}
	}
	slices.Sort(sdk)
	return sdk
}

// sdkOnlySource is a Lambda function that imports the given SDK packages
// (those a program may import: not the SDK's internal ones, which come with
// them), links each service client's constructor, and does nothing else.
func sdkOnlySource(sdk []string) []byte {
	var imports, clients []string
	for _, p := range sdk {
		if slices.Contains(strings.Split(p, "/"), "internal") {
			continue
		}
		if svc, ok := strings.CutPrefix(p, "github.com/aws/aws-sdk-go-v2/service/"); ok && !strings.Contains(svc, "/") {
			alias := fmt.Sprintf("client%d", len(clients))
			imports = append(imports, fmt.Sprintf("\t%s %q", alias, p))
			clients = append(clients, alias+".NewFromConfig")
			continue
		}
		imports = append(imports, fmt.Sprintf("\t_ %q", p))
	}
	return fmt.Appendf(nil, `// Code generated by internal/bench's BenchmarkColdStart; DO NOT EDIT.

// The SDK-only baseline of a function's cold start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
%s
)

var clients = []any{%s}

func main() {
	lambda.Start(func() (int, error) { return len(clients), nil })
}
`, strings.Join(imports, "\n"), strings.Join(clients, ", "))
}

func mustRel(b *testing.B, base, target string) string {
	rel, err := filepath.Rel(base, target)
	if err != nil {
		b.Fatal(err)
	}
	return rel
}
