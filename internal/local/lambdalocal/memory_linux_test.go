//go:build linux && !integration

package lambdalocal

import (
	"syscall"
	"testing"
)

func TestSumRSS(t *testing.T) {
	tests := []struct {
		name  string
		group map[int]proc
		want  int64
	}{
		{"bootstrap alone", map[int]proc{10: {1, "bootstrap", 100}}, 100},
		{"bootstrap and a tool", map[int]proc{10: {1, "bootstrap", 100}, 11: {10, "tesseract", 300}}, 400},
		{"a child before its exec", map[int]proc{10: {1, "bootstrap", 100}, 11: {10, "bootstrap", 100}}, 100},
		{"a shell and a tool it started", map[int]proc{10: {1, "bootstrap", 100}, 11: {10, "sh", 1}, 12: {11, "pdftoppm", 50}}, 151},
		{"two instances of the same binary apart", map[int]proc{10: {1, "bootstrap", 100}, 11: {10, "bootstrap", 40}}, 140},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sumRSS(tt.group); got != tt.want {
				t.Errorf("sumRSS = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestGroupRSSCountsThisProcess(t *testing.T) {
	got, ok := groupRSS(syscall.Getpgrp())
	if !ok || got < 1<<20 {
		t.Errorf("groupRSS of this test's group = %d, %v; want at least this process's memory", got, ok)
	}
}
