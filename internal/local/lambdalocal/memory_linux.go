//go:build linux

package lambdalocal

import (
	"bytes"
	"os"
	"strconv"
)

// groupRSS returns the resident memory, in bytes, of every process in the
// process group pgid: a function's bootstrap and whatever it started (tools
// run as subprocesses stay in its group). It reads /proc/<pid>/stat, which
// every Linux has; the per-task children lists are often compiled out.
func groupRSS(pgid int) (int64, bool) {
	d, err := os.Open("/proc")
	if err != nil {
		return 0, false
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return 0, false
	}
	group := map[int]proc{}
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue // gone since the listing
		}
		// The command name is in parentheses and may hold anything;
		// fields are counted after its closing one.
		open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || end < open {
			continue
		}
		f := bytes.Fields(b[end+1:])
		if len(f) < 22 {
			continue
		}
		if g, _ := strconv.Atoi(string(f[2])); g != pgid { // field 5, pgrp
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))             // field 4
		rss, _ := strconv.ParseInt(string(f[21]), 10, 64) // field 24, in pages
		group[pid] = proc{ppid: ppid, comm: string(b[open+1 : end]), rss: rss}
	}
	return sumRSS(group) * int64(os.Getpagesize()), true
}

// proc is what groupRSS reads of one process.
type proc struct {
	ppid int
	comm string
	rss  int64
}

// sumRSS adds up the resident memory of a process group, by pid. Between
// fork and exec a child shares its parent's memory (Go forks with CLONE_VM)
// and reports the same name and figure: it is counted once.
func sumRSS(group map[int]proc) int64 {
	var total int64
	for _, p := range group {
		if parent, ok := group[p.ppid]; ok && parent.comm == p.comm && parent.rss == p.rss {
			continue
		}
		total += p.rss
	}
	return total
}
