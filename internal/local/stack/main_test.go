//go:build integration

package stack_test

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// The stack most tests share: started by the first test that needs it and
// stopped by TestMain, so the package builds the functions and starts
// DynamoDB Local once rather than once a test. Tests keep out of each
// other's way by each calling as its own tenant; none depends on another
// having run.
var shared struct {
	once sync.Once
	st   *stack.Stack
	logs *logBuffer
	dir  string // the functions' builds
	err  error
}

func TestMain(m *testing.M) {
	if runStackChild() {
		os.Exit(0)
	}
	code := m.Run()
	if shared.st != nil {
		shared.st.Close()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedStack returns the package's stack, starting it on first use. Its
// output is kept; a test that fails gets the lines written while it ran.
func sharedStack(t *testing.T) (*stack.Stack, *logBuffer) {
	t.Helper()
	root := testenv.Root(t)
	shared.once.Do(func() {
		shared.logs = &logBuffer{}
		if shared.dir, shared.err = os.MkdirTemp("", "stack-test-"); shared.err != nil {
			return
		}
		shared.st, shared.err = stack.Start(context.Background(), stack.Config{
			Root: root, APIAddr: "127.0.0.1:0", Logs: shared.logs, BuildDir: shared.dir,
		})
	})
	if shared.err != nil {
		t.Fatalf("local stack: %v", shared.err)
	}
	from := shared.logs.len()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the stack's output while the test ran:\n%s", shared.logs.since(from))
		}
	})
	return shared.st, shared.logs
}

// ownStack starts a stack for one test, for the tests that change a
// function's environment (env, by logical id) and so cannot share one.
func ownStack(t *testing.T, logs io.Writer, env map[string]map[string]string) *stack.Stack {
	t.Helper()
	return ownStackWith(t, logs, 0, env)
}

// ownStackWith is ownStack with the queues' timers timeScale times faster
// than AWS's (0: the stack's default).
func ownStackWith(t *testing.T, logs io.Writer, timeScale float64, env map[string]map[string]string) *stack.Stack {
	t.Helper()
	if logs == nil {
		logs = testLog{t}
	}
	st, err := stack.Start(context.Background(), stack.Config{
		Root: testenv.Root(t), APIAddr: "127.0.0.1:0", Logs: logs, BuildDir: t.TempDir(), Env: env, TimeScale: timeScale,
	})
	if err != nil {
		t.Fatalf("local stack: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}
