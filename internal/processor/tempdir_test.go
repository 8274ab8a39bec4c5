//go:build !integration

package processor_test

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/receipts-api/receipts/internal/processor"
)

func TestTempDirRemovesFoldersOfDeadProcesses(t *testing.T) {
	base := t.TempDir()
	t.Setenv("TMPDIR", base)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	own := fmt.Sprint("processor-", os.Getpid())
	folders := map[string]bool{ // name: kept
		fmt.Sprint("processor-", dead.Process.Pid): false,
		fmt.Sprint("processor-", os.Getppid()):     true,
		"receipt-pdf123":                           true,
	}
	for _, name := range append(slices.Collect(maps.Keys(folders)), own) {
		if err := os.MkdirAll(filepath.Join(base, name, "page-1.png"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := processor.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, fmt.Sprint("processor-", os.Getpid())); dir != want || os.Getenv("TMPDIR") != want {
		t.Errorf("dir %s, TMPDIR %s; want %s", dir, os.Getenv("TMPDIR"), want)
	}
	for name, kept := range folders {
		if _, err := os.Stat(filepath.Join(base, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the process's own folder from a process of the same id", len(left))
	}
}
