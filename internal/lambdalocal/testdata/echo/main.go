// Command echo is a test function: it answers its event, or misbehaves as the
// event asks, so the Runtime API host's paths can be driven from tests.
package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Action string `json:"action"`
	Sleep  int    `json:"sleepMs"`
	Size   int    `json:"size"`
}

func main() {
	if os.Getenv("FAIL_INIT") != "" {
		os.Exit(3)
	}
	lambda.Start(func(ctx context.Context, e event) (any, error) {
		switch e.Action {
		case "error":
			return nil, errors.New("asked to fail")
		case "crash":
			os.Exit(7)
		case "sleep":
			time.Sleep(time.Duration(e.Sleep) * time.Millisecond)
		case "big":
			return strings.Repeat("x", e.Size), nil
		case "env":
			return map[string]string{"fn": os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "custom": os.Getenv("CUSTOM")}, nil
		}
		deadline, _ := ctx.Deadline()
		return map[string]any{"echo": e, "pid": os.Getpid(), "hasDeadline": !deadline.IsZero()}, nil
	})
}
