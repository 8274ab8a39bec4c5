//go:build !integration

// Package bench measures the service against baselines run side by side in
// the same process, and prints each comparison as a ratio:
//
//	<name>: <ours> vs <baseline> = <ratio>x
//
// Run with `make bench`. Nothing here asserts a time.
package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

var (
	stackOnce  sync.Once
	benchStack *stack.Stack
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStack != nil {
		benchStack.Close()
	}
	os.Exit(code)
}

func startStack(b *testing.B) *stack.Stack {
	stackOnce.Do(func() {
		var err error
		benchStack, err = stack.Start(context.Background(), stack.Config{
			Root: testenv.Root(b), APIAddr: "127.0.0.1:0", Logs: discard{},
			BuildDir: filepath.Join(testenv.Root(b), ".local", "bench"),
			// Measure with the authorizer's own cache as deployed, not off
			// as env.json has it locally (so that a revoked key stops
			// working once the gateway's cached answer runs out).
			Env: map[string]map[string]string{"AuthorizerFunction": {"AUTH_CACHE_TTL": "30s"}},
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	if benchStack == nil {
		b.Fatal("local stack did not start")
	}
	return benchStack
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// report prints the comparison line and records the figures for benchstat.
func report(b *testing.B, name, unit string, ours, baseline float64) {
	reportAs(b, "", name, unit, ours, baseline)
}

// reportAs is report for a benchmark that makes several comparisons: key
// tells their figures apart for benchstat.
func reportAs(b *testing.B, key, name, unit string, ours, baseline float64) {
	if key != "" {
		key += "-"
	}
	b.ReportMetric(ours, key+"ours-"+unit)
	b.ReportMetric(baseline, key+"baseline-"+unit)
	b.ReportMetric(ours/baseline, key+"ratio")
	fmt.Printf("%s: %.3f%s vs %.3f%s = %.2fx\n", name, ours, unit, baseline, unit, ours/baseline)
}

func percentile(samples []time.Duration, p float64) float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	i := int(p * float64(len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}

// BenchmarkGet compares GET /receipt/{id} through the local API (gateway,
// the function through the Runtime API, DynamoDB Local) with a bare GetItem
// of the same item on the same DynamoDB Local, alternating the two:
//
//   - authorizer cache warm: the gateway, like API Gateway, reuses the
//     authorizer's answer for this Authorization header (AuthorizerCacheTtl),
//     so no authorizer runs, as on all but a key's first request in a TTL;
//   - cold: every request's Authorization header is one the gateway has not
//     seen (the same key, spaced differently), so the authorizer runs each
//     time, its own cache of key lookups warm, as on a key's first request.
func BenchmarkGet(b *testing.B) {
	st := startStack(b)
	id := seed(b, st)
	url := st.APIURL + "/receipt/" + id
	client := &http.Client{}
	key := benchKey(b, st, "fixtures")
	table := st.Template.PhysicalName("ReceiptsTable")
	item := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "TENANT#fixtures"},
		"SK": &types.AttributeValueMemberS{Value: "RECEIPT#" + id},
	}
	getAPI := func(tb testing.TB, authorization string) time.Duration {
		start := time.Now()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", authorization)
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 200 {
			tb.Fatalf("GET %s: %v %v", url, err, resp)
		}
		_ = resp.Body.Close()
		return time.Since(start)
	}
	getItem := func(tb testing.TB) time.Duration {
		start := time.Now()
		out, err := st.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(table), Key: item, ConsistentRead: aws.Bool(true),
		})
		if err != nil || len(out.Item) == 0 {
			tb.Fatalf("GetItem: %v", err)
		}
		return time.Since(start)
	}
	spaces := 0
	unseen := func() string { // a header the gateway has not cached
		spaces++
		return "Bearer" + strings.Repeat(" ", spaces) + key
	}
	warm := func() string { return "Bearer " + key }
	for range 50 { // warm both paths, and the authorizer's instance
		getAPI(b, warm())
		getAPI(b, unseen())
		getItem(b)
	}
	for _, c := range []struct {
		name          string
		authorization func() string
	}{{"warm", warm}, {"cold", unseen}} {
		b.Run("authorizer cache "+c.name, func(b *testing.B) {
			var o, h []time.Duration
			for b.Loop() {
				o = append(o, getAPI(b, c.authorization()))
				h = append(h, getItem(b))
			}
			report(b, "GET /receipt/{id} p50, authorizer cache "+c.name, "ms", percentile(o, 0.5), percentile(h, 0.5))
			report(b, "GET /receipt/{id} p99, authorizer cache "+c.name, "ms", percentile(o, 0.99), percentile(h, 0.99))
		})
	}
}

func seed(b *testing.B, st *stack.Stack) string {
	event, err := os.ReadFile(filepath.Join(testenv.Root(b), "events", "upload-png.json"))
	if err != nil {
		b.Fatal(err)
	}
	out, err := st.Invoke(context.Background(), "UploadFunction", event)
	if err != nil {
		b.Fatal(err)
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
		b.Fatalf("seed upload: %s %v", out, err)
	}
	var id string
	if err := json.Unmarshal([]byte(resp.Body), &id); err != nil {
		b.Fatal(err)
	}
	return id
}

func benchKey(b *testing.B, st *stack.Stack, tenant string) string {
	key, err := st.CreateKey(context.Background(), tenant)
	if err != nil {
		b.Fatal(err)
	}
	return key
}
