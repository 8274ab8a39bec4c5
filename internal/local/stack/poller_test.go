package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"
)

// fakeFunction answers batches as told and records what it was sent.
type fakeFunction struct {
	batches [][]string // sequence numbers per invocation
	answer  func(seqs []string) ([]byte, error)
}

func (f *fakeFunction) invoke(_ context.Context, _ string, payload []byte) ([]byte, error) {
	var ev struct {
		Records []struct {
			Dynamodb struct{ SequenceNumber string } `json:"dynamodb"`
		}
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	var seqs []string
	for _, r := range ev.Records {
		seqs = append(seqs, r.Dynamodb.SequenceNumber)
	}
	f.batches = append(f.batches, seqs)
	return f.answer(seqs)
}

func records(n int, age time.Duration) []streamRecord {
	out := make([]streamRecord, n)
	for i := range out {
		seq := fmt.Sprintf("%03d", i+1)
		out[i] = streamRecord{seq: seq, arrival: time.Now().Add(-age), event: map[string]any{"dynamodb": map[string]any{"SequenceNumber": seq}}}
	}
	return out
}

func newPoller(src streamSource, f *fakeFunction) (*poller, *queues) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	qs := newQueues("us-east-1", log)
	return &poller{src: src, invoke: f.invoke, queues: qs, log: log, region: "us-east-1", streamArn: "arn:stream"}, qs
}

func failing(bad string) func([]string) ([]byte, error) {
	return func(seqs []string) ([]byte, error) {
		for _, s := range seqs {
			if s == bad {
				return nil, errors.New("boom")
			}
		}
		return []byte(`{"batchItemFailures":[]}`), nil
	}
}

func TestDeliver(t *testing.T) {
	t.Run("partial failure retries from the failed record", func(t *testing.T) {
		calls := 0
		f := &fakeFunction{answer: func(seqs []string) ([]byte, error) {
			calls++
			if calls == 1 {
				return []byte(`{"batchItemFailures":[{"itemIdentifier":"003"}]}`), nil
			}
			return []byte(`{}`), nil
		}}
		p, _ := newPoller(streamSource{function: "F", maxRetries: 3, itemErrors: true}, f)
		p.deliver(context.Background(), "shard", records(4, 0))
		want := `[["001","002","003","004"],["003","004"]]`
		if got, _ := json.Marshal(f.batches); string(got) != want {
			t.Errorf("batches = %s, want %s", got, want)
		}
	})
	t.Run("bisect isolates a poison record, which goes to the destination", func(t *testing.T) {
		f := &fakeFunction{answer: failing("003")}
		p, qs := newPoller(streamSource{function: "F", maxRetries: 1, bisect: true, onFailure: "DLQ"}, f)
		p.deliver(context.Background(), "shard", records(4, 0))
		dlq := qs.pending("DLQ")
		if len(dlq) != 1 {
			t.Fatalf("%d messages on the destination, want 1; batches %v", len(dlq), f.batches)
		}
		var msg struct {
			Info struct{ StartSequenceNumber, EndSequenceNumber string } `json:"DDBStreamBatchInfo"`
		}
		_ = json.Unmarshal([]byte(dlq[0].body), &msg)
		if msg.Info.StartSequenceNumber != "003" || msg.Info.EndSequenceNumber != "003" {
			t.Errorf("discarded %+v, want just 003", msg.Info)
		}
		delivered := map[string]bool{}
		for _, b := range f.batches {
			if len(b) == 1 && b[0] != "003" {
				delivered[b[0]] = true
			}
		}
		if !delivered["004"] {
			t.Errorf("record 004 never went through alone: %v", f.batches)
		}
	})
	t.Run("records older than the maximum age stop being retried", func(t *testing.T) {
		f := &fakeFunction{answer: failing("001")}
		p, qs := newPoller(streamSource{function: "F", maxRetries: -1, maxAge: time.Second, onFailure: "DLQ"}, f)
		p.deliver(context.Background(), "shard", records(1, time.Minute))
		if len(qs.pending("DLQ")) != 1 || len(f.batches) != 1 {
			t.Errorf("invocations %d, discarded %d; want 1 and 1", len(f.batches), len(qs.pending("DLQ")))
		}
	})
}
