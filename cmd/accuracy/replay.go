package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

// replayDump is -replay: measure the vendor memory on a -dump file.
var replayDump = flag.String("replay", "", "measure the vendor memory on a -dump file: replay the labelled receipts in name order, the first of each vendor corrected to its label, and print vendor accuracy on the rest without and with what the corrections taught")

// dumped is one line of a -dump file.
type dumped struct {
	Name   string
	Part   string
	Fields receipt.Fields
}

// replayResult counts, over the receipts not corrected, how many had the
// right vendor without the memory (before) and with it (after), and how
// many the memory changed, righted and spoiled.
type replayResult struct {
	rest, before, after, changed, fixed, broken int
	// byKind counts the changes by the kind of identifier recalled.
	byKind map[string]int
}

// replay reads a dump and the labels of the sets under dir, and prints
// each set's figures to out.
func replay(out io.Writer, dumpPath, dir string) error {
	rows, err := readDump(dumpPath)
	if err != nil {
		return err
	}
	sets, err := findSets(dir)
	if err != nil || len(sets) == 0 {
		return fmt.Errorf("no labelled sets in %s (%v)", dir, err)
	}
	for _, s := range sets {
		var mine []outcome
		for _, r := range rows {
			var k key
			b, err := os.ReadFile(filepath.Join(s.dir, "key", r.Name+".json"))
			if err != nil {
				continue // another set's receipt
			}
			if err := json.Unmarshal(b, &k); err != nil {
				return fmt.Errorf("key of %s: %w", r.Name, err)
			}
			mine = append(mine, outcome{name: r.Name, part: partOf(r.Name), want: k, got: r.Fields})
		}
		if len(mine) == 0 {
			continue
		}
		byPart := replaySet(s, mine)
		fmt.Fprintf(out, "== %s: %d receipts, the first of each vendor corrected\n", s.name, len(mine))
		fmt.Fprintln(out, "part        rest  vendor without memory  with memory        changed  righted  spoiled  by")
		for _, p := range []string{"tuning", "validation", "all"} {
			r := byPart[p]
			var kinds []string
			for k, n := range r.byKind {
				kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
			}
			sort.Strings(kinds)
			fmt.Fprintf(out, "%-10s  %4d  %5.1f%% (%d/%d)%*s%5.1f%% (%d/%d)%*s%7d  %7d  %7d  %s\n", p, r.rest,
				rate(r.before, r.rest), r.before, r.rest, pad(r.before, r.rest), "",
				rate(r.after, r.rest), r.after, r.rest, pad(r.after, r.rest), "", r.changed, r.fixed, r.broken, strings.Join(kinds, ", "))
		}
		fmt.Fprintln(out)
	}
	return nil
}

func pad(a, b int) int { return 12 - len(fmt.Sprintf("(%d/%d)", a, b)) }

// replaySet replays one set's receipts in name order: the first receipt
// of each labelled vendor is corrected to its label (which teaches the
// memory, as PATCH does), every later one is scored as read and with the
// memory recalled (as the processor does).
func replaySet(s set, rs []outcome) map[string]replayResult {
	sort.Slice(rs, func(i, j int) bool { return rs[i].name < rs[j].name })
	vendor := s.fields()[2]
	if vendor.name != "vendor" {
		panic("replay: fields() no longer lists the vendor third")
	}
	right := func(o outcome) bool { w := vendor.want(o); return w != "" && w == vendor.got(o) }
	memory := map[vendors.Key]vendors.Entry{}
	corrected := map[string]bool{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := map[string]replayResult{}
	for _, o := range rs {
		label := normText(o.want.Company)
		if label == "" {
			continue
		}
		if !corrected[label] {
			corrected[label] = true
			for _, e := range vendors.Teach(o.got, o.name, o.want.Company, memory, now) {
				memory[e.Key] = e
			}
			continue
		}
		recalled := o
		e, changed := vendors.Recall(&recalled.got, memory)
		before, after := right(o), right(recalled)
		for _, p := range []string{o.part.String(), "all"} {
			r := out[p]
			r.rest++
			r.before += b2i(before)
			r.after += b2i(after)
			r.changed += b2i(changed)
			r.fixed += b2i(!before && after)
			r.broken += b2i(before && !after)
			if changed {
				if r.byKind == nil {
					r.byKind = map[string]int{}
				}
				r.byKind[e.Kind]++
			}
			out[p] = r
		}
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func readDump(path string) ([]dumped, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []dumped
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var d dumped
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rows = append(rows, d)
	}
	return rows, sc.Err()
}
