package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
	"github.com/receipts-api/receipts/internal/workqueue"
)

// streamSource is one of the template's DynamoDB event source mappings.
type streamSource struct {
	function   string
	table      string
	batchSize  int
	maxRetries int           // -1: until the record expires
	maxAge     time.Duration // 0: until the record expires
	bisect     bool
	itemErrors bool // FunctionResponseTypes has ReportBatchItemFailures
	filters    []pattern
	onFailure  string // logical id of the on-failure queue, if any
}

func streamSources(t *samtemplate.Template, fn samtemplate.Function) ([]streamSource, error) {
	var out []streamSource
	for _, e := range fn.Events {
		if e.Type != "DynamoDB" {
			continue
		}
		p := e.Properties
		src := streamSource{function: fn.LogicalID, batchSize: 100, maxRetries: -1}
		// The stream ARN names its table: arn:...:table/<name>/stream/<label>.
		arn := str(p["Stream"])
		_, rest, _ := strings.Cut(arn, ":table/")
		src.table, _, _ = strings.Cut(rest, "/stream/")
		if src.table == "" {
			return nil, fmt.Errorf("%s.%s: cannot tell the table of stream %q", fn.LogicalID, e.Name, arn)
		}
		if v, ok := p["BatchSize"].(int); ok {
			src.batchSize = v
		}
		if v, ok := p["MaximumRetryAttempts"].(int); ok {
			src.maxRetries = v
		}
		if v, ok := p["MaximumRecordAgeInSeconds"].(int); ok && v > 0 {
			src.maxAge = time.Duration(v) * time.Second
		}
		src.bisect = p["BisectBatchOnFunctionError"] == true
		types, _ := p["FunctionResponseTypes"].([]any)
		for _, ty := range types {
			src.itemErrors = src.itemErrors || ty == "ReportBatchItemFailures"
		}
		fc, _ := p["FilterCriteria"].(map[string]any)
		filters, _ := fc["Filters"].([]any)
		for _, f := range filters {
			fm, _ := f.(map[string]any)
			pat, err := parsePattern(str(fm["Pattern"]))
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", fn.LogicalID, e.Name, err)
			}
			src.filters = append(src.filters, pat)
		}
		dc, _ := p["DestinationConfig"].(map[string]any)
		of, _ := dc["OnFailure"].(map[string]any)
		src.onFailure = queueID(t, str(of["Destination"]))
		out = append(out, src)
	}
	return out, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// streamRecord is one stream record as Lambda delivers it.
type streamRecord struct {
	seq     string
	arrival time.Time
	event   map[string]any
}

// poller does for one stream source what Lambda's event source mapping
// does: read the table's stream, filter, batch, invoke, retry, bisect, and
// send what exhausts its retries to the on-failure destination.
type poller struct {
	src     streamSource
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	invoke  func(ctx context.Context, function string, event []byte) ([]byte, error)
	queues  *queues
	region  string
	log     *slog.Logger
	backoff time.Duration

	// checkpointFile, if set, keeps the checkpoints across restarts of the
	// stack, as Lambda keeps an event source mapping's; savedStream is the
	// stream they were kept for.
	checkpointFile string
	savedStream    string

	streamArn  string
	checkpoint map[string]string // shard id -> last sequence number handled
	closed     map[string]bool   // shards read to their end
	iterators  map[string]*string
}

// Polls of an idle stream are pollInterval apart; failed ones back off
// from there, doubling up to maxPollBackoff, so a DynamoDB Local that is
// down (restarting) is not asked five times a second.
const (
	pollInterval   = 200 * time.Millisecond
	maxPollBackoff = 5 * time.Second
)

func (p *poller) run(ctx context.Context) {
	p.checkpoint, p.closed, p.iterators = map[string]string{}, map[string]bool{}, map[string]*string{}
	p.loadCheckpoints()
	failures := 0
	for ctx.Err() == nil {
		n, err := p.pass(ctx)
		if err != nil && ctx.Err() == nil {
			failures++
			p.log.Log(ctx, pollErrorLevel(err), "stream poll failed; finding the stream and its shards again", "err", err, "failures", failures)
			// Lost our place (expired or invalid iterators, a new stream,
			// a restarted DynamoDB Local): find the stream and the shards
			// again and resume from the checkpoints.
			p.iterators, p.streamArn = map[string]*string{}, ""
		}
		if err == nil {
			failures = 0
		}
		switch {
		case failures > 0:
			sleep(ctx, min(pollInterval<<min(failures-1, 5), maxPollBackoff))
		case n == 0 || err != nil:
			sleep(ctx, pollInterval)
		}
	}
}

// loadCheckpoints reads the checkpoints kept by an earlier run, if any.
func (p *poller) loadCheckpoints() {
	if p.checkpointFile == "" {
		return
	}
	b, err := os.ReadFile(p.checkpointFile)
	if err != nil {
		return // none yet: from the stream's start
	}
	var saved struct {
		StreamArn  string            `json:"streamArn"`
		Checkpoint map[string]string `json:"checkpoint"`
	}
	if err := json.Unmarshal(b, &saved); err != nil {
		p.log.Warn("stream checkpoints unreadable; reading the stream from its start", "file", p.checkpointFile, "err", err)
		return
	}
	maps.Copy(p.checkpoint, saved.Checkpoint)
	p.savedStream = saved.StreamArn
}

// saveCheckpoints keeps the checkpoints for the next run, replacing the
// file whole so a crash leaves the old or the new one.
func (p *poller) saveCheckpoints() {
	if p.checkpointFile == "" {
		return
	}
	b, _ := json.Marshal(map[string]any{"streamArn": p.streamArn, "checkpoint": p.checkpoint})
	tmp := p.checkpointFile + ".tmp"
	err := os.WriteFile(tmp, b, 0o600)
	if err == nil {
		err = os.Rename(tmp, p.checkpointFile)
	}
	if err != nil {
		p.log.Warn("keep stream checkpoints", "file", p.checkpointFile, "err", err)
	}
}

// pass reads each open shard once and delivers what it finds.
func (p *poller) pass(ctx context.Context) (int, error) {
	if p.streamArn == "" {
		out, err := p.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.src.table)})
		if err != nil {
			return 0, fmt.Errorf("describe table %s: %w", p.src.table, err)
		}
		if out.Table.LatestStreamArn == nil {
			return 0, fmt.Errorf("table %s has no stream", p.src.table)
		}
		p.streamArn = *out.Table.LatestStreamArn
		if p.savedStream != "" && p.savedStream != p.streamArn {
			// The table was made anew: its new stream starts from scratch.
			p.checkpoint, p.closed = map[string]string{}, map[string]bool{}
		}
		p.savedStream = p.streamArn
	}
	shards, err := p.shards(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, sh := range shards {
		if p.closed[sh] {
			continue
		}
		n, err := p.readShard(ctx, sh)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (p *poller) shards(ctx context.Context) ([]string, error) {
	var (
		ids   []string
		start *string
	)
	for {
		out, err := p.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.streamArn), ExclusiveStartShardId: start})
		if err != nil {
			return nil, fmt.Errorf("describe stream: %w", err)
		}
		for _, s := range out.StreamDescription.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		if start = out.StreamDescription.LastEvaluatedShardId; start == nil {
			return ids, nil
		}
	}
}

func (p *poller) readShard(ctx context.Context, shard string) (int, error) {
	iter := p.iterators[shard]
	if iter == nil {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.streamArn), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
		if seq, ok := p.checkpoint[shard]; ok {
			in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(seq)
		}
		out, err := p.streams.GetShardIterator(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("shard iterator %s: %w", shard, err)
		}
		iter = out.ShardIterator
	}
	out, err := p.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
	if err != nil {
		delete(p.iterators, shard)
		return 0, fmt.Errorf("get records %s: %w", shard, err)
	}
	if out.NextShardIterator == nil {
		p.closed[shard] = true
	}
	p.iterators[shard] = out.NextShardIterator
	var batch []streamRecord
	for _, r := range out.Records {
		rec := p.record(r)
		if p.match(rec.event) {
			batch = append(batch, rec)
		}
		if len(batch) == p.src.batchSize {
			p.deliver(ctx, shard, batch)
			batch = nil
		}
	}
	if len(batch) > 0 {
		p.deliver(ctx, shard, batch)
	}
	if n := len(out.Records); n > 0 {
		p.checkpoint[shard] = aws.ToString(out.Records[n-1].Dynamodb.SequenceNumber)
		p.saveCheckpoints()
	}
	return len(out.Records), nil
}

func (p *poller) match(event map[string]any) bool {
	if len(p.src.filters) == 0 {
		return true
	}
	for _, f := range p.src.filters {
		if f.matches(event) {
			return true
		}
	}
	return false
}

// record renders a stream record as the event record Lambda sends, as a
// decoded JSON object (the form filters match against).
func (p *poller) record(r types.Record) streamRecord {
	d := r.Dynamodb
	arrival := aws.ToTime(d.ApproximateCreationDateTime)
	change := map[string]any{
		"ApproximateCreationDateTime": arrival.Unix(),
		"Keys":                        attrs(d.Keys),
		"SequenceNumber":              aws.ToString(d.SequenceNumber),
		"SizeBytes":                   aws.ToInt64(d.SizeBytes),
		"StreamViewType":              string(d.StreamViewType),
	}
	if d.NewImage != nil {
		change["NewImage"] = attrs(d.NewImage)
	}
	if d.OldImage != nil {
		change["OldImage"] = attrs(d.OldImage)
	}
	return streamRecord{seq: aws.ToString(d.SequenceNumber), arrival: arrival, event: map[string]any{
		"eventID":        aws.ToString(r.EventID),
		"eventName":      string(r.EventName),
		"eventVersion":   aws.ToString(r.EventVersion),
		"eventSource":    "aws:dynamodb",
		"awsRegion":      p.region,
		"dynamodb":       change,
		"eventSourceARN": p.streamArn,
	}}
}

// deliver invokes the function with batch until every record succeeded, or
// ran out of retries and went to the on-failure destination.
func (p *poller) deliver(ctx context.Context, shard string, batch []streamRecord) {
	pending := [][]streamRecord{batch}
	for len(pending) > 0 && ctx.Err() == nil {
		b := pending[0]
		pending = pending[1:]
		for attempt := 0; ctx.Err() == nil; attempt++ {
			failedAt, functionErr := p.invokeBatch(ctx, b)
			if failedAt < 0 {
				break
			}
			if functionErr && p.src.bisect && len(b) > 1 {
				// Splitting does not count against the retries.
				half := len(b) / 2
				pending = append([][]streamRecord{b[:half], b[half:]}, pending...)
				break
			}
			b = b[failedAt:]
			tooOld := p.src.maxAge > 0 && time.Since(b[0].arrival) > p.src.maxAge
			if tooOld || (p.src.maxRetries >= 0 && attempt >= p.src.maxRetries) {
				p.discard(ctx, shard, b, attempt+1)
				break
			}
			sleep(ctx, p.backoff<<min(attempt, 6))
		}
	}
}

// invokeBatch returns -1 when the whole batch succeeded, else the index of
// the first record to retry and whether the function itself failed.
func (p *poller) invokeBatch(ctx context.Context, b []streamRecord) (int, bool) {
	records := make([]map[string]any, len(b))
	for i, r := range b {
		records[i] = r.event
	}
	payload, _ := json.Marshal(map[string]any{"Records": records})
	out, err := p.invoke(ctx, p.src.function, payload)
	if err != nil {
		p.log.Warn("stream batch failed", "function", p.src.function, "records", len(b), "err", err)
		return 0, true
	}
	if !p.src.itemErrors {
		return -1, false
	}
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) == 0 {
		return -1, false
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		i := indexOf(b, f.ItemIdentifier)
		if i < 0 {
			// An identifier that names no record fails the whole batch.
			return 0, false
		}
		if first < 0 || i < first {
			first = i
		}
	}
	p.log.Info("stream batch partly failed", "function", p.src.function, "retryFrom", b[first].seq)
	return first, false
}

func indexOf(b []streamRecord, seq string) int {
	for i, r := range b {
		if r.seq == seq {
			return i
		}
	}
	return -1
}

// discard sends the on-failure record Lambda would send for b.
func (p *poller) discard(ctx context.Context, shard string, b []streamRecord, invokes int) {
	p.log.Warn("stream records exhausted their retries", "function", p.src.function, "records", len(b), "destination", p.src.onFailure)
	if p.src.onFailure == "" {
		return
	}
	var rec workqueue.FailureRecord
	rec.RequestContext.Condition = "RetryAttemptsExhausted"
	rec.RequestContext.ApproximateInvokeCount = invokes
	rec.BatchInfo = workqueue.BatchInfo{
		ShardID: shard, StartSequenceNumber: b[0].seq, EndSequenceNumber: b[len(b)-1].seq,
		BatchSize: len(b), StreamArn: p.streamArn,
	}
	body, _ := json.Marshal(map[string]any{
		"requestContext": map[string]any{
			"requestId": uuid.NewString(), "condition": rec.RequestContext.Condition,
			"approximateInvokeCount": invokes,
			"functionArn":            fmt.Sprintf("arn:aws:lambda:%s:123456789012:function:%s", p.region, p.src.function),
		},
		"responseContext":    map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"version":            "1.0",
		"timestamp":          time.Now().UTC().Format(time.RFC3339Nano),
		"DDBStreamBatchInfo": rec.BatchInfo,
	})
	p.queues.send(p.src.onFailure, string(body))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// pollErrorLevel is how loud a failed poll is: DynamoDB Local's known stream
// quirks (trimmed data on a fresh table, iterators that expire) are routine
// and recovered from, anything else is worth a developer's eye.
func pollErrorLevel(err error) slog.Level {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "TrimmedDataAccessException", "ExpiredIteratorException":
			return slog.LevelDebug
		}
	}
	return slog.LevelWarn
}
