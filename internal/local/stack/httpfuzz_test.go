//go:build integration

package stack_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/docs"
	"github.com/receipts-api/receipts/internal/local/httpfuzz"
)

var (
	fuzzSeed   = flag.Uint64("httpfuzz.seed", 0, "seed of TestHTTPFuzz's run (0: from the clock)")
	fuzzBudget = flag.Duration("httpfuzz.budget", time.Minute, "time budget of TestHTTPFuzz's run")
)

// TestHTTPFuzz runs the HTTP fuzzer generated from docs/openapi.yaml against
// the local stack, as its own tenant, and fails on any finding. The seed is
// logged; -httpfuzz.seed repeats a run.
func TestHTTPFuzz(t *testing.T) {
	st, _ := sharedStack(t)
	seed := *fuzzSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rep, err := httpfuzz.Run(httpfuzz.Config{
		OpenAPI: docs.OpenAPI, Addr: strings.TrimPrefix(st.APIURL, "http://"),
		Key: newKey(t, st, "httpfuzz"), Budget: *fuzzBudget, Seed: seed,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d probes in %s, seed %d (-httpfuzz.seed=%d repeats it), %d skipped at the budget; answered by the HTTP server before the gateway: %v",
		rep.Probes, rep.Elapsed.Round(time.Millisecond), rep.Seed, rep.Seed, rep.Skipped, rep.Server)
	for _, f := range rep.Findings {
		t.Errorf("%s", f)
	}
}
