package localstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/receipts-api/receipts/internal/sam"
)

// BuildFlags are the flags every function binary is built with, locally and
// for deployment: no RPC mode (provided.al2023 needs none) and no symbols.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// Build compiles each function's CodeUri into buildDir/<name>/bootstrap.
func Build(ctx context.Context, root, buildDir string, fns []sam.Function) error {
	for _, fn := range fns {
		out := filepath.Join(buildDir, filepath.Base(fn.CodeURI), "bootstrap")
		if err := GoBuild(ctx, root, out, fn.CodeURI); err != nil {
			return fmt.Errorf("build %s: %w", fn.LogicalID, err)
		}
	}
	return nil
}

// GoBuild builds the Go package in dir into the executable out.
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
