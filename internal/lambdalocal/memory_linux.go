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
	var total int64
	page := int64(os.Getpagesize())
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue // gone since the listing
		}
		// The command name is in parentheses and may hold anything;
		// fields are counted after its closing one.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 22 {
			continue
		}
		if g, _ := strconv.Atoi(string(f[2])); g != pgid { // field 5, pgrp
			continue
		}
		rss, _ := strconv.ParseInt(string(f[21]), 10, 64) // field 24, rss in pages
		total += rss * page
	}
	return total, true
}
