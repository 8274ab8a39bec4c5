//go:build !integration

package lambdalocal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
)

// TestMemory holds the host to Lambda's accounting: Max Memory Used counts
// the function's subprocesses, and an invocation whose processes go over
// MemorySize is killed with Runtime.OutOfMemory and its instance discarded.
func TestMemory(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		wantOOM bool
		minUsed int // MB the REPORT must show at least
	}{
		{"function under its memory", `{"action":"alloc","mb":60,"sleepMs":100}`, false, 60},
		{"subprocess counted", `{"action":"child","mb":120}`, false, 120},
		{"function over its memory", `{"action":"alloc","mb":300,"sleepMs":2000}`, true, 0},
		{"subprocess over the function's memory", `{"action":"child","mb":300}`, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := newHost(t, func(f *lambdalocal.Function) { f.MemoryMB = 200 })
			_, before, err := invoke(t, h, `{"action":"echo"}`)
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := invoke(t, h, tt.event)
			report := logs.String()[strings.LastIndex(logs.String(), "REPORT"):]
			if tt.wantOOM {
				var fe *lambdalocal.FunctionError
				if !errors.As(err, &fe) || fe.Type != "Runtime.OutOfMemory" || !strings.Contains(string(fe.Payload), `"errorType":"Runtime.OutOfMemory"`) {
					t.Fatalf("Invoke = %v, want Runtime.OutOfMemory", err)
				}
				if !strings.Contains(report, "Error Type: Runtime.OutOfMemory") {
					t.Errorf("REPORT lacks the error type: %s", report)
				}
				_, after, err := invoke(t, h, `{"action":"echo"}`)
				if err != nil {
					t.Fatalf("the next invocation: %v", err)
				}
				if after["pid"] == before["pid"] {
					t.Errorf("the instance that ran out of memory was kept")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.MaxMemoryMB < tt.minUsed || res.MaxMemoryMB > 200 {
				t.Errorf("Max Memory Used = %d MB, want %d to 200", res.MaxMemoryMB, tt.minUsed)
			}
			if want := fmt.Sprintf("Max Memory Used: %d MB", res.MaxMemoryMB); !strings.Contains(report, want) {
				t.Errorf("REPORT %q lacks %q", report, want)
			}
		})
	}
}
