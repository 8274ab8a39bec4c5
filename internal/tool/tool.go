// Package tool runs the command-line tools documents are read with
// (tesseract, Poppler, libjpeg-turbo, libwebp, libheif, libtiff) under the
// limits of a document: an address-space limit, the context's deadline, and
// bounded output. A tool reads its input on stdin and writes to stdout
// wherever it can, so nothing is left on disk when a process is killed.
package tool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// ErrRejected means the tool refused its input (it exited with an error):
// the document is at fault.
var ErrRejected = errors.New("input rejected")

// ErrOverLimit means the tool ran out of its memory limit.
var ErrOverLimit = errors.New("over its memory limit")

// MaxOutput caps what a tool may print: a rendered page's image or a
// document's text; past it, output is dropped.
const MaxOutput = 32 << 20

// maxStderr caps the error output kept.
const maxStderr = 64 << 10

// Runner runs tools under an address-space limit.
type Runner struct {
	// MemoryMB is each tool's address-space limit (RLIMIT_AS) in MiB; 0
	// runs tools unlimited.
	MemoryMB int
	// Env is added to each tool's environment ("OMP_THREAD_LIMIT=1").
	Env []string
}

// Result is what a tool printed and how it ended.
type Result struct {
	Stdout, Stderr []byte
	// Exit is the tool's exit status; a tool that warns may exit
	// non-zero although it wrote what was asked (djpeg).
	Exit int
}

// Output runs name with args, stdin as its input, and returns its output.
// A tool that exits with an error has rejected its input (ErrRejected, or
// ErrOverLimit when its error says an allocation failed); a tool that is
// missing or was stopped is not the document's fault.
func (r Runner) Output(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	res, err := r.Run(ctx, stdin, name, args...)
	if err != nil {
		return nil, err
	}
	if res.Exit != 0 {
		return nil, fmt.Errorf("%s: %s: %w", name, FirstLine(string(res.Stderr)), ErrRejected)
	}
	return res.Stdout, nil
}

// Run runs name and returns what it printed and its exit status, which
// the caller judges. The error is for what is not the input's doing: a
// missing tool, a cancelled context; and ErrOverLimit.
//
// Go cannot set a child's limit between fork and exec, and prlimit(1) is
// not in every image, so a POSIX shell sets the limit with ulimit and
// replaces itself with the tool, which keeps its PID (a cancelled context
// kills the tool itself).
func (r Runner) Run(ctx context.Context, stdin []byte, name string, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if cmd.Err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, cmd.Err)
	}
	if r.MemoryMB > 0 {
		// Should the limit be refused (a lower hard limit is in force), the
		// tool still runs, under that lower limit.
		cmd.Args = append([]string{"sh", "-c", `ulimit -v "$0" 2>/dev/null; exec "$@"`, strconv.Itoa(r.MemoryMB << 10), cmd.Path}, cmd.Args[1:]...)
		cmd.Path = "/bin/sh"
	}
	if len(r.Env) > 0 {
		cmd.Env = append(cmd.Environ(), r.Env...)
	}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout, stderr := &capped{max: MaxOutput}, &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("%s: %w", name, ctx.Err())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() < 0 {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	if r.MemoryMB > 0 && outOfMemory(string(res.Stderr)) {
		return Result{}, fmt.Errorf("%s: over its %d MiB memory limit (%s): %w", name, r.MemoryMB, FirstLine(string(res.Stderr)), ErrOverLimit)
	}
	res.Exit = exit.ExitCode()
	return res, nil
}

// outOfMemory reports whether a tool's error output says an allocation
// failed: Leptonica's and libpng's messages, C++'s bad_alloc, Poppler's,
// the C library's, and the dynamic loader's when not even the tool's
// libraries fit.
func outOfMemory(stderr string) bool {
	for _, s := range []string{"malloc fail", "Out of memory", "out of memory", "bad_alloc", "Cannot allocate memory", "failed to map segment", "Insufficient memory"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// capped keeps the first max bytes written to it and drops the rest,
// claiming to have written them, so the tool is not stopped by a broken
// pipe while its output is bounded.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// FirstLine returns the first line of a tool's message.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
