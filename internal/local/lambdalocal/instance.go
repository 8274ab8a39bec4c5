package lambdalocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// MaxResponseBytes is the largest response Lambda accepts from a function
// invoked synchronously.
const MaxResponseBytes = 6*1024*1024 + 100

// invocation is one event handed to an instance and the answer it gives.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan outcome
}

type outcome struct {
	payload   []byte
	errorType string // set when the function reported an error
	// reset means the runtime cannot go on (Lambda resets the environment).
	reset bool
}

// instance is one execution environment: a bootstrap process and the
// Runtime API endpoint that only it talks to.
type instance struct {
	// id names the instance; it is also its AWS access key id, so the
	// local services can tell which instance called them.
	id        string
	fn        *Function
	cmd       *exec.Cmd
	srv       *http.Server
	ln        net.Listener
	work      chan *invocation
	ready     chan struct{} // closed at the runtime's first /next
	exited    chan struct{} // closed when the process has exited
	exitErr   error
	initErr   chan outcome // the runtime's /init/error, if any
	startedAt time.Time
	initDur   time.Duration
	gen       int // the Host's generation when it started

	mu       sync.Mutex
	current  *invocation
	once     sync.Once
	stopOnce sync.Once

	// peak is the most memory the process group was seen to hold, in
	// bytes; oom says the instance was killed for going over MemorySize.
	peak atomic.Int64
	oom  atomic.Bool
}

func startInstance(fn *Function, id string, logs io.Writer) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for runtime api: %w", err)
	}
	in := &instance{
		id: id, fn: fn, ln: ln, work: make(chan *invocation),
		ready: make(chan struct{}), exited: make(chan struct{}),
		initErr: make(chan outcome, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", in.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", in.respond)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", in.fail)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", in.initError)
	in.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Init is timed from here: the runtime's first /next ends it.
	in.startedAt = time.Now()
	go func() { _ = in.srv.Serve(ln) }()

	cmd := exec.Command(fn.Bootstrap)
	cmd.Dir = fn.Dir
	cmd.Env = append(fn.environ(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "AWS_ACCESS_KEY_ID="+id)
	cmd.Stdout, cmd.Stderr = logs, logs
	// Its own process group, so stopping it stops whatever it started; on
	// Linux, killed with the host's process if that dies without stopping it.
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		_ = in.srv.Close()
		return nil, fmt.Errorf("start %s: %w", fn.Bootstrap, err)
	}
	in.cmd = cmd
	go func() {
		in.exitErr = cmd.Wait()
		close(in.exited)
	}()
	return in, nil
}

// waitReady waits until the runtime has initialised and asked for work.
func (in *instance) waitReady(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-in.ready:
		return nil
	case o := <-in.initErr:
		return &FunctionError{Type: o.errorType, Payload: o.payload, Init: true}
	case <-in.exited:
		return &FunctionError{Type: "Runtime.ExitError", Payload: exitPayload(in.exitErr), Init: true}
	case <-t.C:
		return &FunctionError{Type: "Runtime.InitTimeout", Payload: []byte(`{"errorMessage":"init timed out"}`), Init: true}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (in *instance) next(w http.ResponseWriter, r *http.Request) {
	in.once.Do(func() {
		in.initDur = time.Since(in.startedAt)
		close(in.ready)
	})
	select {
	case inv := <-in.work:
		in.mu.Lock()
		in.current = inv
		in.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", in.fn.ARN())
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strings.ReplaceAll(inv.id[:8], "-", "")+"-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

func (in *instance) respond(w http.ResponseWriter, r *http.Request) {
	in.finish(w, r, "")
}

func (in *instance) fail(w http.ResponseWriter, r *http.Request) {
	typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	if typ == "" {
		typ = "Unhandled"
	}
	in.finish(w, r, typ)
}

func (in *instance) finish(w http.ResponseWriter, r *http.Request, errorType string) {
	in.mu.Lock()
	inv := in.current
	if inv != nil && inv.id == r.PathValue("id") {
		in.current = nil
	} else {
		inv = nil
	}
	in.mu.Unlock()
	if inv == nil {
		writeRuntimeError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation with that id is in progress")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes+1))
	if err != nil {
		writeRuntimeError(w, http.StatusInternalServerError, "ReadError", err.Error())
		inv.done <- outcome{payload: []byte(`{"errorMessage":"reading the response failed"}`), errorType: "Runtime.ReadError", reset: true}
		return
	}
	if len(body) > MaxResponseBytes {
		writeRuntimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response payload too large")
		inv.done <- outcome{
			payload:   []byte(fmt.Sprintf(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (%d bytes).","errorType":"Function.ResponseSizeTooLarge"}`, MaxResponseBytes)),
			errorType: "Function.ResponseSizeTooLarge",
			reset:     true,
		}
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}`))
	inv.done <- outcome{payload: body, errorType: errorType}
}

func (in *instance) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes))
	typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	if typ == "" {
		typ = "Runtime.InitError"
	}
	select {
	case in.initErr <- outcome{payload: body, errorType: typ}:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}`))
}

func writeRuntimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"errorType":%q,"errorMessage":%q}`, typ, msg)
}

// maxMemoryMB is the instance's peak memory, as Lambda reports it: its
// process's own peak, or the most its whole process group (the function's
// subprocesses included) was seen to hold, whichever is larger.
func (in *instance) maxMemoryMB() int {
	peak := in.peak.Load()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid))
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				peak = max(peak, kb<<10)
			}
		}
	}
	return int((peak + 1<<20 - 1) >> 20)
}

// memoryInterval is how often an invocation's memory is sampled. Lambda's
// cgroup sees every page at once; sampling can miss a spike shorter than
// this, which is as much as a local stand-in can do without cgroups.
const memoryInterval = 20 * time.Millisecond

// watch samples the memory of the instance's process group until the
// returned stop is called, keeping the peak, and kills the whole group when
// it holds more than limitMB, as Lambda does when a function's memory runs
// out. The first sample is taken one interval in: a sample reads every
// process's /proc entry (about a millisecond of CPU on a busy machine), and
// taken at once it would add that to every short invocation while telling
// nothing the process's own peak (VmHWM, read after each invocation) does
// not.
func (in *instance) watch(limitMB int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(memoryInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-in.exited:
				return
			case <-tick.C:
			}
			in.sample(int64(limitMB) << 20)
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

func (in *instance) sample(limit int64) {
	pid := in.cmd.Process.Pid
	rss, ok := groupRSS(pid)
	if !ok {
		return
	}
	for old := in.peak.Load(); rss > old && !in.peak.CompareAndSwap(old, rss); old = in.peak.Load() {
	}
	if rss > limit {
		in.oom.Store(true)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// outOfMemory is Lambda's error for an invocation that ran out of memory.
func outOfMemory(requestID string) *FunctionError {
	return &FunctionError{
		Type:    "Runtime.OutOfMemory",
		Payload: []byte(fmt.Sprintf(`{"errorType":"Runtime.OutOfMemory","errorMessage":"RequestId: %s Error: Runtime exited with error: signal: killed"}`, requestID)),
	}
}

// stop kills the process group and closes the endpoint.
func (in *instance) stop() {
	in.stopOnce.Do(func() {
		if in.cmd != nil && in.cmd.Process != nil {
			_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
			<-in.exited
		}
		_ = in.srv.Close()
	})
}

func exitPayload(err error) []byte {
	msg := "Runtime exited without providing a reason"
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg = "Runtime exited with error: " + ee.ProcessState.String()
		}
	}
	return []byte(fmt.Sprintf(`{"errorType":"Runtime.ExitError","errorMessage":%q}`, msg))
}
