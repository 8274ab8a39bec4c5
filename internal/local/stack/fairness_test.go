//go:build integration

package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
)

// sroie reads receipts of ../shared/receipts/sroie/img by file name.
func sroie(t *testing.T, names ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// timeToDone uploads a receipt, waits until it is done, and returns its
// answer and how long it took from its creation to its result, as the
// processor measured it (timings.total): neither the upload's answer nor
// the polling adds to it.
func (c *client) timeToDone(t *testing.T, data []byte) (time.Duration, map[string]any) {
	t.Helper()
	id := c.uploadID(t, "r.jpg", data)
	body := c.waitDoneEvery(t, id, 50*time.Millisecond)
	return timing(body, "total"), body
}

// timing reads one of a finished receipt's timings.
func timing(body map[string]any, name string) time.Duration {
	timings, _ := body["timings"].(map[string]any)
	ms, _ := timings[name].(float64)
	return time.Duration(ms * float64(time.Millisecond))
}

// TestFairUnderVolume: tenant A uploads 150 receipts; 5 s later tenant B
// uploads one. The work queue is fair by tenant (MessageGroupId), so B's
// receipt is delivered before A's backlog and completes about as soon as
// on an idle stack: within three times its idle time plus one receipt's
// processing (one of A's receipts in progress may hold the slot B needs;
// the slowest of the batch counts, measured under the same load). In
// first-in-first-out order it would wait for every receipt A sent before
// it. All of A's receipts complete.
func TestFairUnderVolume(t *testing.T) {
	// Its own stack, so its idle measurements are its own, in parallel with
	// the other tests that have theirs: while A's backlog drains, they
	// mostly wait on timers.
	t.Parallel()
	st := ownStack(t, &logBuffer{}, nil)
	a, b := newClient(t, st, "volume-a"), newClient(t, st, "volume-b")
	aDocs := sroie(t, "225.jpg")
	bDoc := sroie(t, "000.jpg")[0]

	idleB, body := b.timeToDone(t, bDoc)
	if body["status"] != "COMPLETED" {
		t.Fatalf("B's receipt on an idle stack: %v", body["status"])
	}
	t.Logf("idle stack: B's receipt done %s after its creation", idleB.Round(time.Millisecond))

	const batch = 150
	ids := make([]string, batch)
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ids[i] = a.uploadID(t, "a.jpg", aDocs[i%len(aDocs)])
			}
		}()
	}
	go func() {
		for i := range batch {
			next <- i
		}
		close(next)
	}()
	time.Sleep(5*time.Second - time.Since(start))
	loadedB, body := b.timeToDone(t, bDoc)
	doneA := countDone(t, st, "volume-a")
	if body["status"] != "COMPLETED" {
		t.Fatalf("B's receipt behind A's batch: %v", body["status"])
	}
	wg.Wait()
	t.Logf("A's %d uploads accepted in %s (%d answers were 429, each sent again)", batch, time.Since(start).Round(time.Millisecond), a.throttled.Load())
	t.Logf("behind A's batch: B's receipt done %s after its creation, with %d of A's %d receipts done", loadedB.Round(time.Millisecond), doneA, batch)

	var slowest time.Duration
	for _, id := range ids {
		body := a.waitDone(t, id)
		if body["status"] != "COMPLETED" {
			t.Errorf("A's receipt %s ended %v, want COMPLETED", id, body["status"])
		}
		slowest = max(slowest, timing(body, "total")-timing(body, "queued"))
	}
	t.Logf("all of A's receipts done %s after the first upload; the slowest took %s to process", time.Since(start).Round(time.Second), slowest.Round(time.Millisecond))
	// The machine may have slowed meanwhile: B's idle time is taken again
	// once A's batch is done, and the larger counts.
	idleAfter, _ := b.timeToDone(t, bDoc)
	idle := max(idleB, idleAfter)
	if bound := 3*idle + slowest; loadedB > bound {
		t.Errorf("B's receipt took %s behind A's batch, want within 3 x its idle time (%s, %s after) + one receipt's processing (%s) = %s",
			loadedB, idleB, idleAfter, slowest, bound)
	}
	// First in, first out would have B wait for the receipts A sent in
	// its first 5 s, far more than 50.
	if doneA > 50 {
		t.Errorf("%d of A's receipts were done before B's, want B's delivered ahead of A's backlog", doneA)
	}
}

// countDone counts a tenant's receipts that are no longer processing.
func countDone(t *testing.T, st *stack.Stack, tenant string) int {
	t.Helper()
	n, after := 0, ""
	for {
		page, next, err := st.Store().List(context.Background(), tenant, receipt.ListQuery{Limit: 100, After: after}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, rc := range page {
			if rc.Status != receipt.Processing {
				n++
			}
		}
		if next == "" {
			return n
		}
		after = next
	}
}
