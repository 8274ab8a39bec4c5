package processor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// tempPrefix names the temporary folders of processor processes.
const tempPrefix = "processor-"

// TempDir gives this process a temporary folder of its own and points
// TMPDIR at it, so the extraction's files and its subprocesses' land there.
// It first removes the folders of processor processes that no longer run:
// a process killed for its timeout or its memory runs no deferred cleanup,
// and Lambda keeps /tmp for the next process of the sandbox.
func TempDir() (string, error) {
	base := os.TempDir()
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		pid, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if n, err := strconv.Atoi(pid); ok && err == nil && e.IsDir() && !running(n) {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	dir := filepath.Join(base, tempPrefix+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	// A process before this one may have had the same id (Lambda's sandbox
	// numbers its processes afresh).
	if err := emptyDir(dir); err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	if err := os.Setenv("TMPDIR", dir); err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	return dir, nil
}

// running reports whether a process with the id exists.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// emptyDir removes what is in dir, which nothing is using.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}
