//go:build !integration

package lambdalocal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
	"github.com/receipts-api/receipts/internal/local/stack"
)

var echoBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdalocal")
	if err != nil {
		panic(err)
	}
	echoBin = filepath.Join(dir, "bootstrap")
	if err := stack.GoBuild(context.Background(), ".", echoBin, "./testdata/echo"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHost(t *testing.T, mod func(*lambdalocal.Function)) (*lambdalocal.Host, *syncBuffer) {
	t.Helper()
	fn := lambdalocal.Function{
		Name: "Echo", Bootstrap: echoBin, Dir: filepath.Dir(echoBin),
		Env: map[string]string{"CUSTOM": "from-template"}, Timeout: 2 * time.Second,
		MemoryMB: 128, Region: "us-east-1", AccountID: "123456789012",
	}
	if mod != nil {
		mod(&fn)
	}
	logs := &syncBuffer{}
	h := lambdalocal.NewHost(fn, logs)
	t.Cleanup(h.Close)
	return h, logs
}

func invoke(t *testing.T, h *lambdalocal.Host, event string) (lambdalocal.Result, map[string]any, error) {
	t.Helper()
	res, err := h.Invoke(context.Background(), []byte(event))
	var out map[string]any
	if err == nil {
		_ = json.Unmarshal(res.Payload, &out)
	}
	return res, out, err
}

func TestColdThenWarm(t *testing.T) {
	h, logs := newHost(t, nil)
	first, out1, err := invoke(t, h, `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	if first.InitDuration <= 0 {
		t.Errorf("first invocation has no init duration")
	}
	if out1["hasDeadline"] != true {
		t.Errorf("the function saw no deadline: %v", out1)
	}
	second, out2, err := invoke(t, h, `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	if second.InitDuration != 0 {
		t.Errorf("warm invocation reported init duration %v", second.InitDuration)
	}
	if out1["pid"] != out2["pid"] {
		t.Errorf("warm invocation ran in a new process: %v then %v", out1["pid"], out2["pid"])
	}
	if n := strings.Count(logs.String(), "REPORT RequestId: "); n != 2 {
		t.Errorf("%d REPORT lines, want 2:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "Init Duration: ") {
		t.Errorf("no Init Duration in the cold start's REPORT:\n%s", logs)
	}
}

func TestEnvironment(t *testing.T) {
	h, _ := newHost(t, nil)
	_, out, err := invoke(t, h, `{"action":"env"}`)
	if err != nil {
		t.Fatal(err)
	}
	if out["fn"] != "Echo" || out["custom"] != "from-template" {
		t.Errorf("env = %v", out)
	}
	fn, id, ok := lambdalocal.InstanceOf(out["key"].(string))
	if !ok || fn != "Echo" || id != "EchoInstance1" {
		t.Errorf("access key id %v names function %q, instance %q (%v); want Echo, EchoInstance1", out["key"], fn, id, ok)
	}
}

// TestKill: a killed instance's invocation fails as a crash, and the next
// invocation runs on a new instance.
func TestKill(t *testing.T) {
	h, _ := newHost(t, nil)
	errs := make(chan error, 1)
	go func() {
		_, _, err := invoke(t, h, `{"action":"sleep","sleepMs":1500}`)
		errs <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for h.PID("EchoInstance1") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("instance EchoInstance1 never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // into its sleep
	if !h.Kill("EchoInstance1") {
		t.Fatal("Kill found no instance EchoInstance1")
	}
	var fe *lambdalocal.FunctionError
	if err := <-errs; !errors.As(err, &fe) || fe.Type != "Runtime.ExitError" {
		t.Errorf("killed invocation: %v, want Runtime.ExitError", err)
	}
	if h.Kill("EchoInstance9") {
		t.Error("Kill found an instance that never ran")
	}
	_, out, err := invoke(t, h, `{"action":"env"}`)
	if err != nil || out["key"] != "EchoInstance2" {
		t.Errorf("after the kill: %v, %v; want a new instance, EchoInstance2", out, err)
	}
}

// processes invokes h n times at once with event and returns the set of
// process ids that served the invocations.
func processes(t *testing.T, h *lambdalocal.Host, n int, event string) map[any]bool {
	t.Helper()
	pids := make(chan any, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, out, err := invoke(t, h, event)
			if err != nil {
				t.Error(err)
				return
			}
			pids <- out["pid"]
		}()
	}
	wg.Wait()
	close(pids)
	seen := map[any]bool{}
	for p := range pids {
		seen[p] = true
	}
	return seen
}

func TestConcurrentInvocationsStartMoreInstances(t *testing.T) {
	h, _ := newHost(t, nil)
	const n = 4
	if seen := processes(t, h, n, `{"action":"sleep","sleepMs":300}`); len(seen) != n {
		t.Errorf("%d concurrent invocations ran in %d processes, want %d", n, len(seen), n)
	}
}

func TestMaxConcurrencyQueues(t *testing.T) {
	h, _ := newHost(t, func(f *lambdalocal.Function) { f.MaxConcurrency = 1 })
	if seen := processes(t, h, 3, `{"action":"sleep","sleepMs":50}`); len(seen) != 1 {
		t.Errorf("with MaxConcurrency 1, invocations ran in %d processes", len(seen))
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name     string
		event    string
		mod      func(*lambdalocal.Function)
		wantType string
	}{
		{"function error", `{"action":"error"}`, nil, "Unhandled"},
		{"crash", `{"action":"crash"}`, nil, "Runtime.ExitError"},
		{"timeout", `{"action":"sleep","sleepMs":5000}`, func(f *lambdalocal.Function) { f.Timeout = 300 * time.Millisecond }, "Sandbox.Timedout"},
		{"response too large", `{"action":"big","size":7000000}`, nil, "Function.ResponseSizeTooLarge"},
		{"init failure", `{}`, func(f *lambdalocal.Function) { f.Env = map[string]string{"FAIL_INIT": "1"} }, "Runtime.ExitError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHost(t, tt.mod)
			_, err := h.Invoke(context.Background(), []byte(tt.event))
			var fe *lambdalocal.FunctionError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FunctionError", err)
			}
			if fe.Type != tt.wantType {
				t.Errorf("error type = %s, want %s (%s)", fe.Type, tt.wantType, fe.Payload)
			}
			if tt.name == "init failure" {
				return
			}
			// The host recovers either way: the next invocation succeeds.
			if _, _, err := invoke(t, h, `{"action":"echo"}`); err != nil {
				t.Errorf("invocation after %s: %v", tt.name, err)
			}
		})
	}
}

func TestCloseStopsProcesses(t *testing.T) {
	h, _ := newHost(t, nil)
	_, out, err := invoke(t, h, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	pid := int(out["pid"].(float64))
	h.Close()
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err == nil {
		t.Errorf("process %d still runs after Close", pid)
	}
	if _, err := h.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, lambdalocal.ErrClosed) {
		t.Errorf("Invoke after Close = %v, want ErrClosed", err)
	}
}
