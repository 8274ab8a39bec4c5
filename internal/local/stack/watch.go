package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// watchInterval is how often the watcher looks at the sources' modification
// times. A change is acted on at the first look that finds nothing newer,
// so a burst of saves (an editor writing several files, a git checkout)
// makes one rebuild.
const watchInterval = 500 * time.Millisecond

// watch rebuilds and reloads the functions whose sources change from the
// scan prev, until ctx is done.
func (s *Stack) watch(ctx context.Context, fns []samtemplate.Function, all map[string]sources, prev map[string]stamp) {
	log := s.logs.prefixed("watch")
	pending := map[string]bool{}
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		cur := scan(all)
		news := changed(prev, cur)
		prev = cur
		for _, p := range news {
			pending[p] = true
		}
		if len(news) > 0 || len(pending) == 0 {
			continue // still saving, or nothing to do
		}
		failures := map[string]string{} // a failed build's output -> the function it was first seen for
		for _, fn := range affected(fns, all, pending) {
			s.reload(ctx, fn, log, failures)
		}
		clear(pending)
		// An edit may have changed what the functions import.
		before := all
		if fresh, err := listSources(ctx, s.root, fns); err == nil {
			all = fresh
		} else if ctx.Err() == nil {
			fmt.Fprintf(log, "keeping the previous list of sources: %v\n", err)
		}
		// Files saved while the functions were building are for the next
		// round, as the list they were saved under has them; a package
		// that only joined a build now was part of the build just made.
		cur = scan(before, all)
		for _, p := range changed(prev, cur) {
			if len(affected(fns, before, map[string]bool{p: true})) > 0 {
				pending[p] = true
			}
		}
		prev = cur
	}
}

// reload builds fn afresh and, if that works, puts the new binary in place
// of the old and retires the function's warm processes. A failed build
// leaves the old binary serving; its errors are logged once per round, so a
// package that many functions import and that does not compile is not
// reported for each of them in full.
func (s *Stack) reload(ctx context.Context, fn samtemplate.Function, log io.Writer, failures map[string]string) {
	begin := time.Now()
	next := filepath.Join(s.buildDir, ".next", filepath.Base(fn.CodeURI))
	err := buildFunction(ctx, s.root, next, fn)
	if err == nil {
		// A rename, not a copy: a process still running the old binary
		// keeps its file, and a new process starts from the whole new one.
		err = os.Rename(filepath.Join(next, "bootstrap"), s.fns[fn.LogicalID].Bootstrap)
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		msg := strings.TrimSpace(err.Error())
		same := strings.ReplaceAll(msg, fn.LogicalID, "")
		if first, ok := failures[same]; ok {
			fmt.Fprintf(log, "%s did not build (the same errors as %s); the previous binary still serves\n", fn.LogicalID, first)
			return
		}
		failures[same] = fn.LogicalID
		fmt.Fprintf(log, "%s did not build; the previous binary still serves:\n%s\n", fn.LogicalID, msg)
		return
	}
	s.hosts[fn.LogicalID].Recycle()
	fmt.Fprintf(log, "reloaded %s (%.1fs)\n", fn.LogicalID, time.Since(begin).Seconds())
}
