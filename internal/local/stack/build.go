package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// BuildFlags are the flags every function binary is built with (the
// Makefile's build-<LogicalId> target), for Go programs that stand beside the
// functions in tests and benchmarks: no RPC mode (provided.al2023 needs none)
// and no symbols.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// Build compiles each function into buildDir/<CodeUri's folder>/bootstrap
// with the Makefile's build-<LogicalId> target, the one `sam build` runs,
// for this machine's OS and architecture.
func Build(ctx context.Context, root, buildDir string, fns []samtemplate.Function) error {
	for _, fn := range fns {
		if err := buildFunction(ctx, root, filepath.Join(buildDir, filepath.Base(fn.CodeURI)), fn); err != nil {
			return err
		}
	}
	return nil
}

// buildFunction runs make build-<LogicalId>, which writes out/bootstrap.
// Cancelling ctx stops make and the compiler it started.
func buildFunction(ctx context.Context, root, out string, fn samtemplate.Function) error {
	cmd := exec.CommandContext(ctx, "make", "-s", "-C", root, "build-"+fn.LogicalID,
		"ARTIFACTS_DIR="+out, "LAMBDA_GOOS="+runtime.GOOS, "LAMBDA_GOARCH="+runtime.GOARCH)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: make build-%s: %w\n%s", fn.LogicalID, fn.LogicalID, err, b)
	}
	return nil
}

// GoBuild builds the Go package in dir into the executable out with
// BuildFlags.
func GoBuild(ctx context.Context, root, out, dir string) error {
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out, dir)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", dir, err, b)
	}
	return nil
}
