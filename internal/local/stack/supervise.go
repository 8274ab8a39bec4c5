package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/receipts-api/receipts/internal/local/dynamolocal"
)

// The stack supervises DynamoDB Local: when it exits while the stack runs,
// it is started again on the same port, with the same data when the stack
// keeps its data on disk, and the template's tables are created again if
// they are missing. Functions and pollers see failed calls meanwhile and
// retry them, as they would through a DynamoDB outage. A DynamoDB Local that
// keeps dying, or cannot start, stops the stack with the reason (Done, Err),
// rather than leaving an API that answers 500 forever.
const (
	maxDynamoRestarts = 3
	restartWindow     = time.Minute
)

func (s *Stack) superviseDynamo(ctx context.Context) {
	s.superviseDynamoWith(ctx, maxDynamoRestarts)
}

// superviseDynamoWith restarts DynamoDB Local at most budget times within
// restartWindow.
func (s *Stack) superviseDynamoWith(ctx context.Context, budget int) {
	var restarts []time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.Dynamo.Exited():
		}
		if ctx.Err() != nil {
			return // the stack is stopping it
		}
		now := time.Now()
		recent := restarts[:0]
		for _, t := range restarts {
			if now.Sub(t) < restartWindow {
				recent = append(recent, t)
			}
		}
		restarts = append(recent, now)
		if len(restarts) > budget {
			s.fail(fmt.Errorf("DynamoDB Local exited %d times within %s, more than the %d restarts allowed; not restarting it. Its last output:\n%s",
				len(restarts), restartWindow, budget, s.Dynamo.Output()))
			return
		}
		s.log.Warn("DynamoDB Local exited; restarting it", "endpoint", s.Dynamo.Endpoint, "output", lastLine(s.Dynamo.Output()))
		if err := s.restartDynamo(ctx); err != nil {
			select {
			case <-ctx.Done():
				return
			case <-s.Dynamo.Exited():
				// It died again while starting: one more death to count.
				s.log.Warn("DynamoDB Local exited while restarting", "err", err)
				continue
			default:
			}
			s.fail(fmt.Errorf("DynamoDB Local exited and did not start again: %w", err))
			return
		}
		if s.dataDir == "" {
			s.log.Warn("DynamoDB Local kept its data in memory: its tables start empty again (make dev keeps them on disk)")
		}
		s.log.Info("DynamoDB Local restarted", "endpoint", s.Dynamo.Endpoint)
	}
}

func (s *Stack) restartDynamo(ctx context.Context) error {
	if err := s.Dynamo.Restart(ctx); err != nil {
		return err
	}
	tables, err := s.Template.Resources("AWS::DynamoDB::Table")
	if err != nil {
		return err
	}
	// A Java just started may still turn calls away on a busy machine.
	for attempt := 1; ; attempt++ {
		err = dynamolocal.CreateTables(ctx, s.DB, tables)
		select {
		case <-s.Dynamo.Exited():
			return err
		default:
		}
		if err == nil || attempt == 5 || ctx.Err() != nil {
			return err
		}
		sleep(ctx, time.Second)
	}
}

// lastLine is the last non-empty line of a process's output.
func lastLine(out string) string {
	end := len(out)
	for end > 0 && (out[end-1] == '\n' || out[end-1] == '\r') {
		end--
	}
	start := end
	for start > 0 && out[start-1] != '\n' {
		start--
	}
	return out[start:end]
}
