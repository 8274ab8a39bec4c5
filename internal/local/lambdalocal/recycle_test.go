//go:build !integration

package lambdalocal_test

import (
	"syscall"
	"testing"
	"time"
)

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func pidOf(t *testing.T, out map[string]any) int {
	t.Helper()
	p, ok := out["pid"].(float64)
	if !ok {
		t.Fatalf("no pid in %v", out)
	}
	return int(p)
}

// TestRecycleStopsIdleInstances: after Recycle, a warm process is not used
// again; the next invocation starts a new one.
func TestRecycleStopsIdleInstances(t *testing.T) {
	h, _ := newHost(t, nil)
	_, out, err := invoke(t, h, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	old := pidOf(t, out)
	h.Recycle()
	if alive(old) {
		t.Errorf("idle process %d still runs after Recycle", old)
	}
	res, out, err := invoke(t, h, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := pidOf(t, out); got == old {
		t.Errorf("invocation after Recycle ran in the old process %d", got)
	}
	if res.InitDuration == 0 {
		t.Errorf("invocation after Recycle was not a cold start")
	}
}

// TestRecycleLetsInFlightFinish: an invocation running when Recycle is
// called finishes on its process, which then stops instead of staying warm.
func TestRecycleLetsInFlightFinish(t *testing.T) {
	h, _ := newHost(t, nil)
	type answer struct {
		out map[string]any
		err error
	}
	done := make(chan answer, 1)
	go func() {
		_, out, err := invoke(t, h, `{"action":"sleep","sleepMs":600}`)
		done <- answer{out, err}
	}()
	// Let the slow invocation start before the recycle.
	time.Sleep(300 * time.Millisecond)
	h.Recycle()
	a := <-done
	if a.err != nil {
		t.Fatalf("in-flight invocation failed across Recycle: %v", a.err)
	}
	old := pidOf(t, a.out)
	_, out, err := invoke(t, h, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := pidOf(t, out); got == old {
		t.Errorf("the process that was busy during Recycle (%d) served again", old)
	}
	if alive(old) {
		t.Errorf("process %d still runs after its last invocation", old)
	}
}
