package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// cliLimit bounds one command in the tests, `upload --wait` included: far
// longer than any takes, so only a command that would never end reaches it.
const cliLimit = 5 * time.Minute

// cli runs the CLI with args and returns what it printed.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliLimit)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, &out, &errOut)
	t.Logf("receipts %s\n%s%s", strings.Join(args, " "), out.String(), errOut.String())
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("receipts %s did not end within %s", strings.Join(args, " "), cliLimit)
	}
	return out.String(), err
}
