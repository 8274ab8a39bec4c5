// Command echo is a test function: it answers its event, or misbehaves as the
// event asks, so the Runtime API host's paths can be driven from tests.
package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Action string `json:"action"`
	Sleep  int    `json:"sleepMs"`
	Size   int    `json:"size"`
	MB     int    `json:"mb"`
}

// sink keeps allocations alive until the process ends.
var sink [][]byte

// hold allocates mb MiB, touching every page so it is resident, and keeps
// it for ms milliseconds.
func hold(mb, ms int) {
	b := make([]byte, mb<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	sink = append(sink, b)
	time.Sleep(time.Duration(ms) * time.Millisecond)
}

func main() {
	if os.Getenv("FAIL_INIT") != "" {
		os.Exit(3)
	}
	// Started by the "child" action: a subprocess that holds memory, as
	// tesseract does for the processor.
	if mb, err := strconv.Atoi(os.Getenv("ECHO_CHILD_MB")); err == nil {
		hold(mb, 300)
		return
	}
	lambda.Start(func(ctx context.Context, e event) (any, error) {
		switch e.Action {
		case "error":
			return nil, errors.New("asked to fail")
		case "crash":
			os.Exit(7)
		case "sleep":
			time.Sleep(time.Duration(e.Sleep) * time.Millisecond)
		case "alloc":
			hold(e.MB, e.Sleep)
			return map[string]any{"held": e.MB}, nil
		case "child":
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "ECHO_CHILD_MB="+strconv.Itoa(e.MB))
			if err := cmd.Run(); err != nil {
				return nil, err
			}
			return map[string]any{"childHeld": e.MB}, nil
		case "big":
			return strings.Repeat("x", e.Size), nil
		case "env":
			return map[string]string{"fn": os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "custom": os.Getenv("CUSTOM"), "key": os.Getenv("AWS_ACCESS_KEY_ID")}, nil
		}
		deadline, _ := ctx.Deadline()
		return map[string]any{"echo": e, "pid": os.Getpid(), "hasDeadline": !deadline.IsZero()}, nil
	})
}
