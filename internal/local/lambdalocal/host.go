// Package lambdalocal runs Lambda functions on this machine the way Lambda
// runs them: each function's compiled bootstrap in its own process, talking
// to its own Lambda Runtime API endpoint, kept warm between invocations, with
// more processes started under concurrent load.
package lambdalocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// Function says how to run one function.
type Function struct {
	Name      string
	Bootstrap string // path to the executable
	Dir       string // working directory, like LAMBDA_TASK_ROOT
	Env       map[string]string
	Timeout   time.Duration
	MemoryMB  int
	Region    string
	AccountID string
	// MaxConcurrency caps the processes run at once; 0 means 10.
	MaxConcurrency int
}

// ARN is the function's ARN as the runtime sees it.
func (f *Function) ARN() string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.Region, f.AccountID, f.Name)
}

// environ is the environment Lambda gives a runtime, plus the function's own.
func (f *Function) environ() []string {
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": fmt.Sprint(f.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "local",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"AWS_REGION":                      f.Region,
		"AWS_DEFAULT_REGION":              f.Region,
		"LAMBDA_TASK_ROOT":                f.Dir,
		"LAMBDA_RUNTIME_DIR":              f.Dir,
		"_HANDLER":                        "bootstrap",
		"TZ":                              ":UTC",
		"PATH":                            os.Getenv("PATH"),
		"HOME":                            os.Getenv("HOME"),
		"TMPDIR":                          os.TempDir(),
		// The local services check no signatures, but the SDK wants some.
		"AWS_ACCESS_KEY_ID":         "local",
		"AWS_SECRET_ACCESS_KEY":     "local",
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	maps.Copy(env, f.Env)
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID    string
	Payload      []byte
	Duration     time.Duration
	InitDuration time.Duration // zero on a warm start
	MaxMemoryMB  int
}

// FunctionError is an invocation that the function (or its runtime) failed.
// Payload is the error document, {"errorType", "errorMessage"}.
type FunctionError struct {
	Type    string
	Payload []byte
	Init    bool
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error %s: %s", e.Type, e.Payload)
}

// Host runs one function's instances.
type Host struct {
	fn   Function
	logs io.Writer

	mu      sync.Mutex
	idle    []*instance
	all     map[*instance]bool
	running int
	closed  bool
	// gen counts Recycle calls; an instance started before the latest one
	// finishes its invocation and then stops instead of going back to idle.
	gen   int
	count int           // instances started so far, which names the next
	freed chan struct{} // signalled when an instance becomes idle or goes away
}

// NewHost returns a Host for fn that writes the function's output and a
// REPORT line per invocation to logs.
func NewHost(fn Function, logs io.Writer) *Host {
	if fn.MaxConcurrency == 0 {
		fn.MaxConcurrency = 10
	}
	if fn.Timeout == 0 {
		fn.Timeout = 3 * time.Second
	}
	if fn.MemoryMB == 0 {
		fn.MemoryMB = 128
	}
	return &Host{fn: fn, logs: logs, all: map[*instance]bool{}, freed: make(chan struct{}, 1)}
}

// ErrClosed is returned by Invoke on a Host that was closed.
var ErrClosed = errors.New("lambda host closed")

// acquire returns an idle instance, or starts one if fewer than the maximum
// are running, or waits for one to come free.
func (h *Host) acquire(ctx context.Context) (*instance, bool, error) {
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return nil, false, ErrClosed
		}
		if n := len(h.idle); n > 0 {
			in := h.idle[n-1]
			h.idle = h.idle[:n-1]
			h.mu.Unlock()
			select {
			case <-in.exited:
				in.stop()
				h.drop(in)
				continue
			default:
				return in, false, nil
			}
		}
		if h.running < h.fn.MaxConcurrency {
			h.running++
			h.count++
			gen, id := h.gen, fmt.Sprintf("%s%s%d", h.fn.Name, instanceSep, h.count)
			h.mu.Unlock()
			in, err := startInstance(&h.fn, id, h.logs)
			if err != nil {
				h.drop(nil)
				return nil, false, err
			}
			in.gen = gen
			h.mu.Lock()
			h.all[in] = true
			h.mu.Unlock()
			return in, true, nil
		}
		h.mu.Unlock()
		select {
		case <-h.freed:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

func (h *Host) release(in *instance) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		in.stop()
		return
	}
	if in.gen != h.gen {
		h.mu.Unlock()
		in.stop()
		h.drop(in)
		return
	}
	h.idle = append(h.idle, in)
	h.mu.Unlock()
	h.signal()
}

func (h *Host) drop(in *instance) {
	h.mu.Lock()
	delete(h.all, in)
	h.running--
	h.mu.Unlock()
	h.signal()
}

func (h *Host) signal() {
	select {
	case h.freed <- struct{}{}:
	default:
	}
}

// Invoke runs the function with payload and returns its response. A
// *FunctionError reports a failure of the function's own.
func (h *Host) Invoke(ctx context.Context, payload []byte) (Result, error) {
	in, cold, err := h.acquire(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{RequestID: uuid.NewString()}
	keep := false
	if cold {
		// Lambda gives init its own budget of 10 seconds.
		err = in.waitReady(ctx, 10*time.Second)
		res.InitDuration = in.initDur
	}
	if err == nil {
		res, keep, err = h.run(ctx, in, res, payload)
	}
	h.report(res, in, err)
	if keep {
		h.release(in)
	} else {
		in.stop()
		h.drop(in)
	}
	return res, err
}

// run hands one event to a ready instance and waits for its answer. keep
// says whether the instance can take another event.
func (h *Host) run(ctx context.Context, in *instance, res Result, payload []byte) (out Result, keep bool, err error) {
	inv := &invocation{
		id: res.RequestID, payload: payload,
		deadline: time.Now().Add(h.fn.Timeout),
		done:     make(chan outcome, 1),
	}
	timer := time.NewTimer(h.fn.Timeout)
	defer timer.Stop()
	begin := time.Now()
	defer func() {
		out.Duration = time.Since(begin)
		out.MaxMemoryMB = in.maxMemoryMB()
	}()
	select {
	case in.work <- inv:
		defer in.watch(h.fn.MemoryMB)()
	case <-in.exited:
		return res, false, &FunctionError{Type: "Runtime.ExitError", Payload: exitPayload(in.exitErr)}
	case <-timer.C:
		return res, false, timeoutError(h.fn.Timeout)
	case <-ctx.Done():
		return res, false, ctx.Err()
	}
	select {
	case o := <-inv.done:
		res.Payload = o.payload
		if o.errorType != "" {
			// A runtime that reported an error survives it and stays warm.
			return res, !o.reset, &FunctionError{Type: o.errorType, Payload: o.payload}
		}
		return res, true, nil
	case <-in.exited:
		if in.oom.Load() {
			return res, false, outOfMemory(res.RequestID)
		}
		return res, false, &FunctionError{Type: "Runtime.ExitError", Payload: exitPayload(in.exitErr)}
	case <-timer.C:
		return res, false, timeoutError(h.fn.Timeout)
	case <-ctx.Done():
		return res, false, ctx.Err()
	}
}

// report writes Lambda's END and REPORT lines for one invocation.
func (h *Host) report(res Result, in *instance, err error) {
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		res.RequestID, ms(res.Duration), int64(math.Ceil(ms(res.Duration))), h.fn.MemoryMB, res.MaxMemoryMB)
	if res.InitDuration > 0 {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", ms(res.InitDuration))
	}
	var fe *FunctionError
	if errors.As(err, &fe) && (fe.Type == "Sandbox.Timedout" || fe.Type == "Runtime.ExitError" || fe.Type == "Runtime.OutOfMemory" || fe.Init) {
		line += "\tStatus: error\tError Type: " + fe.Type
	}
	fmt.Fprintf(h.logs, "END RequestId: %s\n%s\n", res.RequestID, line)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Recycle retires the function's warm instances, for when its bootstrap was
// replaced: idle ones stop now, busy ones finish their invocation on the
// process they run in and then stop, and every later invocation starts a
// process from Bootstrap as it is now.
func (h *Host) Recycle() {
	h.mu.Lock()
	h.gen++
	idle := h.idle
	h.idle = nil
	h.mu.Unlock()
	for _, in := range idle {
		in.stop()
		h.drop(in)
	}
}

// Kill ends the instance named id (see InstanceOf) the way a sandbox dies:
// SIGKILL to its process group, whatever it is doing. The invocation it runs
// fails (Runtime.ExitError) and the instance is not used again. It reports
// whether the instance was running.
func (h *Host) Kill(id string) bool {
	in := h.instance(id)
	if in == nil {
		return false
	}
	_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	return true
}

// PID is the process id of the instance named id, which is also its process
// group's id, or 0 when no such instance runs.
func (h *Host) PID(id string) int {
	if in := h.instance(id); in != nil {
		return in.cmd.Process.Pid
	}
	return 0
}

func (h *Host) instance(id string) *instance {
	h.mu.Lock()
	defer h.mu.Unlock()
	for in := range h.all {
		if in.id == id {
			return in
		}
	}
	return nil
}

// instanceSep joins a function's name and an instance's number into the
// instance's name, "ProcessorFunctionInstance3": an access key id, which
// DynamoDB Local wants of letters and digits only.
const instanceSep = "Instance"

// InstanceOf names the instance that made a request signed with the access
// key id, and its function: each instance has its own access key id, as each
// is told to sign with its name. ok is false for a key no instance has.
func InstanceOf(accessKeyID string) (function, id string, ok bool) {
	i := strings.LastIndex(accessKeyID, instanceSep)
	if i <= 0 {
		return "", "", false
	}
	if n, err := strconv.Atoi(accessKeyID[i+len(instanceSep):]); err != nil || n < 1 {
		return "", "", false
	}
	return accessKeyID[:i], accessKeyID, true
}

// Close stops every instance. Invocations in progress fail.
func (h *Host) Close() {
	h.mu.Lock()
	h.closed = true
	all := slices.Collect(maps.Keys(h.all))
	h.idle = nil
	h.mu.Unlock()
	for _, in := range all {
		in.stop()
	}
}

func timeoutError(d time.Duration) *FunctionError {
	return &FunctionError{
		Type:    "Sandbox.Timedout",
		Payload: []byte(fmt.Sprintf(`{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after %.2f seconds"}`, d.Seconds())),
	}
}
