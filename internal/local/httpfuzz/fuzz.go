// Package httpfuzz is an HTTP-level fuzzer generated from the API's OpenAPI
// document: for every documented operation it sends malformed variants of
// each input (path and query parameters, headers, credentials, bodies of
// each documented media type, sizes past AWS's limits) and of HTTP itself
// (Host, framing, bodies that never finish), and checks every answer: no
// 5xx, no answer slower than the limit, no internal text, a JSON
// {"error": ...} on every 4xx the gateway gives, each answer as the
// document describes it, invalid input refused and valid input accepted.
// Afterwards every operation must answer as it did before the run.
//
// It talks to loopback addresses only, and its run is bounded in time.
package httpfuzz

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says what to fuzz and for how long.
type Config struct {
	// OpenAPI is the document the probes are generated from.
	OpenAPI []byte
	// Addr is the API's host:port; it must be a loopback address.
	Addr string
	// Key is a valid API key of a tenant kept for the fuzzer: what the run
	// creates belongs to it.
	Key string
	// Budget bounds the run (default one minute); probes not sent by then
	// are counted as skipped.
	Budget time.Duration
	// Limit is the longest an answer may take (default 5 s).
	Limit time.Duration
	// Workers is how many probes are in flight at once (default 4).
	Workers int
	// Seed makes a run's random values and order repeatable.
	Seed uint64
	// Mutants is the most random variations of valid requests sent after
	// the generated probes (default 3000), within three quarters of the
	// budget.
	Mutants int
}

// Finding is a probe whose answer was wrong.
type Finding struct {
	Probe    string
	Request  string
	Answer   string
	Problems []string
	// Times counts the probes of this description that went wrong this way.
	Times int
}

func (f Finding) String() string {
	times := ""
	if f.Times > 1 {
		times = fmt.Sprintf(" (%d times)", f.Times)
	}
	return fmt.Sprintf("%s%s\n    request: %s\n    answer:  %s\n    wrong:   %s", f.Probe, times, f.Request, f.Answer, strings.Join(f.Problems, "; "))
}

// Report is what a run found.
type Report struct {
	Seed     uint64
	Probes   int
	Skipped  int
	Elapsed  time.Duration
	Findings []Finding
	// Server counts, by status, the answers the HTTP server gave before
	// the gateway saw the request (broken framing).
	Server map[int]int
}

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d probes in %s (seed %d), %d skipped at the time budget, %d findings",
		r.Probes, r.Elapsed.Round(time.Millisecond), r.Seed, r.Skipped, len(r.Findings))
	if len(r.Server) > 0 {
		fmt.Fprintf(&b, "; answered by the HTTP server before the gateway: %v", r.Server)
	}
	for _, f := range r.Findings {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

type fuzzer struct {
	cfg  Config
	spec *spec
	gen  *generator
}

// Run fuzzes the API at cfg.Addr and reports what it found.
func Run(cfg Config) (Report, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return Report{}, fmt.Errorf("fuzz only a loopback address, not %q", cfg.Addr)
	}
	if cfg.Budget == 0 {
		cfg.Budget = time.Minute
	}
	if cfg.Limit == 0 {
		cfg.Limit = 5 * time.Second
	}
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	if cfg.Mutants == 0 {
		cfg.Mutants = 3000
	}
	s, err := loadSpec(cfg.OpenAPI)
	if err != nil {
		return Report{}, err
	}
	f := &fuzzer{cfg: cfg, spec: s, gen: &generator{spec: s, host: cfg.Addr, key: cfg.Key,
		rnd: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)), docs: documents()}}
	return f.run(), nil
}

func (f *fuzzer) run() Report {
	start := time.Now()
	deadline := start.Add(f.cfg.Budget)
	rep := Report{Seed: f.cfg.Seed, Server: map[int]int{}}
	var mu sync.Mutex
	seen := map[string]int{}
	record := func(p probe, a answer, problems []string) {
		mu.Lock()
		defer mu.Unlock()
		rep.Probes++
		if a.status != 0 && !fromGateway(a) {
			rep.Server[a.status]++
		}
		if len(problems) == 0 {
			return
		}
		key := p.what + "\x00" + strings.Join(problems, "\x00")
		if i, ok := seen[key]; ok {
			rep.Findings[i].Times++
			return
		}
		seen[key] = len(rep.Findings)
		rep.Findings = append(rep.Findings, Finding{Probe: p.what, Request: describe(p.req), Answer: a.String(), Problems: problems, Times: 1})
	}

	before := f.baselines(record)
	probes := f.gen.probes()
	f.gen.rnd.Shuffle(len(probes), func(i, j int) { probes[i], probes[j] = probes[j], probes[i] })
	work := make(chan probe)
	var wg sync.WaitGroup
	for range f.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				a := roundTrip(f.cfg.Addr, p.req, f.cfg.Limit+time.Second)
				record(p, a, f.check(p, a))
			}
		}()
	}
	for i, p := range probes {
		if time.Now().After(deadline) {
			rep.Skipped = len(probes) - i
			break
		}
		work <- p
	}
	// Random variations fill what is left of three quarters of the
	// budget, the rest kept for the checks that follow.
	for n := 0; n < f.cfg.Mutants && time.Since(start) < f.cfg.Budget*3/4; n++ {
		work <- f.gen.mutant()
	}
	close(work)
	wg.Wait()
	f.stalledBodies(record)
	f.after(before, record)
	rep.Elapsed = time.Since(start)
	sort.SliceStable(rep.Findings, func(i, j int) bool { return rep.Findings[i].Probe < rep.Findings[j].Probe })
	return rep
}

// baselines sends every operation's valid request and returns the status
// class of each answer.
func (f *fuzzer) baselines(record func(probe, answer, []string)) map[string]int {
	classes := map[string]int{}
	for i := range f.spec.ops {
		op := &f.spec.ops[i]
		p := probe{op: op, what: "before the run: " + op.id, req: f.gen.baseline(op)}
		a := roundTrip(f.cfg.Addr, p.req, f.cfg.Limit+time.Second)
		record(p, a, f.check(p, a))
		classes[op.id] = a.status / 100
	}
	return classes
}

// after checks the stack is as healthy as before the run: every
// operation's valid request gets an answer of the class it got then. Query
// parameters with a maximum are set to it, so that a list shows as much as
// it can of what the run stored.
func (f *fuzzer) after(before map[string]int, record func(probe, answer, []string)) {
	for i := range f.spec.ops {
		op := &f.spec.ops[i]
		r := f.gen.baseline(op)
		for _, q := range op.param("query") {
			if s := schemaOf(q); s != nil && s.Max != nil && s.Type.Is("integer") {
				r.target += sep(r.target) + url.QueryEscape(q.Name) + "=" + strconv.FormatInt(int64(*s.Max), 10)
			}
		}
		p := probe{op: op, what: "after the run: " + op.id, req: r}
		a := roundTrip(f.cfg.Addr, p.req, f.cfg.Limit+time.Second)
		problems := f.check(p, a)
		if a.status/100 != before[op.id] {
			problems = append(problems, fmt.Sprintf("a %dxx before the run, a %d after it", before[op.id], a.status))
		}
		record(p, a, problems)
	}
}

// stalledBodies opens connections whose requests announce a body and send
// only part of it, then calls the API meanwhile: every stalled request must
// be answered (a 4xx) within the limit, and the API must keep answering
// others while they hang.
func (f *fuzzer) stalledBodies(record func(probe, answer, []string)) {
	const n = 20
	var wg sync.WaitGroup
	for i := range f.spec.ops {
		op := &f.spec.ops[i]
		if op.body == nil {
			continue
		}
		for range n {
			r := f.gen.baseline(op)
			r.length = 100
			r.body = []byte("{\"filename\"")
			p := probe{op: op, what: fmt.Sprintf("a body of 11 bytes of the 100 announced, %d at once", n), req: r, expect: refuse, why: "the body never came"}
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := roundTrip(f.cfg.Addr, r, f.cfg.Limit+time.Second)
				record(p, a, f.check(p, a))
			}()
		}
	}
	time.Sleep(100 * time.Millisecond)
	op := f.gen.spec.ops[0]
	for i := range f.spec.ops {
		if f.spec.ops[i].body == nil {
			op = f.spec.ops[i]
			break
		}
	}
	p := probe{op: &op, what: "a valid request while bodies stall", req: f.gen.baseline(&op)}
	a := roundTrip(f.cfg.Addr, p.req, f.cfg.Limit+time.Second)
	record(p, a, f.check(p, a))
	wg.Wait()
}

// describe is a request as the report shows it: its request line and
// anything unusual about it, never the fuzzer's key.
func describe(r *request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", strings.ToValidUTF8(r.method, "?"), short(r.target))
	if r.host != "" && r.host != noHost && !strings.HasPrefix(r.host, "127.0.0.1:") {
		fmt.Fprintf(&b, " Host=%s", short(r.host))
	}
	if len(r.header) > 6 {
		fmt.Fprintf(&b, " (%d headers)", len(r.header))
	}
	if len(r.body) > 0 {
		fmt.Fprintf(&b, " body %d bytes", len(r.body))
	}
	if r.length > 0 {
		fmt.Fprintf(&b, " Content-Length %d", r.length)
	}
	return b.String()
}
