package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	t.Logf("receipts %s\n%s%s", strings.Join(args, " "), out.String(), errOut.String())
	return out.String(), err
}
