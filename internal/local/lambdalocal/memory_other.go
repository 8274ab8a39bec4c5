//go:build !linux

package lambdalocal

// groupRSS is not measured outside Linux: Max Memory Used falls back to
// nothing, and MemorySize is not enforced.
func groupRSS(pgid int) (int64, bool) { return 0, false }
