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

// timeToDone uploads a receipt and returns how long it took to be done,
// polled every 50 ms, and its answer.
func (c *client) timeToDone(t *testing.T, data []byte) (time.Duration, map[string]any) {
	t.Helper()
	start := time.Now()
	id := c.uploadID(t, "r.jpg", data)
	body := c.waitDoneEvery(t, id, 50*time.Millisecond)
	return time.Since(start), body
}

// TestFairUnderVolume: tenant A uploads 150 receipts; 5 s later tenant B
// uploads one. The work queue is fair by tenant (MessageGroupId), so B's
// receipt is delivered before A's backlog and completes about as soon as
// on an idle stack: within three times its idle time plus one receipt's
// processing (the time one of A's receipts in progress may hold the slot
// B needs). In first-in-first-out order it would wait for every receipt of
// A's sent before it. All of A's receipts complete.
func TestFairUnderVolume(t *testing.T) {
	st, _ := sharedStack(t)
	a, b := newClient(t, st, "volume-a"), newClient(t, st, "volume-b")
	aDocs := sroie(t, "225.jpg", "258.jpg")
	bDoc := sroie(t, "000.jpg")[0]

	idleB, body := b.timeToDone(t, bDoc)
	if body["status"] != "COMPLETED" {
		t.Fatalf("B's receipt on an idle stack: %v", body["status"])
	}
	oneA, _ := a.timeToDone(t, aDocs[0])
	t.Logf("idle stack: B's receipt done in %s, one of A's in %s", idleB.Round(time.Millisecond), oneA.Round(time.Millisecond))

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
	wg.Wait()
	if body["status"] != "COMPLETED" {
		t.Fatalf("B's receipt behind A's batch: %v", body["status"])
	}
	doneA := countDone(t, st, "volume-a", ids)
	t.Logf("A's %d uploads accepted in %s (%d answers were 429, each sent again)", batch, time.Since(start).Round(time.Millisecond), a.throttled.Load())
	t.Logf("behind A's batch: B's receipt done in %s, with %d of A's %d receipts done", loadedB.Round(time.Millisecond), doneA, batch)

	// The machine may have slowed meanwhile: B's idle time is taken again
	// once A's batch is done, and the larger counts.
	for _, id := range ids {
		if body := a.waitDone(t, id); body["status"] != "COMPLETED" {
			t.Errorf("A's receipt %s ended %v, want COMPLETED", id, body["status"])
		}
	}
	t.Logf("all of A's receipts done %s after the first upload", time.Since(start).Round(time.Second))
	idleAfter, _ := b.timeToDone(t, bDoc)
	idle := max(idleB, idleAfter)
	if bound := 3*idle + oneA; loadedB > bound {
		t.Errorf("B's receipt took %s behind A's batch, want within 3 x its idle time (%s, %s after) + one receipt's (%s) = %s",
			loadedB, idleB, idleAfter, oneA, bound)
	}
	// First in, first out would have B wait for the receipts A sent in
	// its first 5 s, far more than 50.
	if doneA > 50 {
		t.Errorf("%d of A's receipts were done before B's, want B's delivered ahead of A's backlog", doneA)
	}
}

// countDone counts the receipts no longer processing.
func countDone(t *testing.T, st *stack.Stack, tenant string, ids []string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		rc, err := st.Store().Get(context.Background(), tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Status != receipt.Processing {
			n++
		}
	}
	return n
}
