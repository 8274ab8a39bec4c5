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
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
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
			// Measure with the authorizer's cache as deployed, not as the
			// local stack sets it for instant revocation.
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

// coldStart starts a fresh instance of fn, invokes it once, and returns the
// init duration Lambda would report. An error the function returns (the
// authorizer's "Unauthorized") still follows a complete init.
func coldStart(b *testing.B, fn lambdalocal.Function, event []byte) time.Duration {
	h := lambdalocal.NewHost(fn, discard{})
	defer h.Close()
	res, err := h.Invoke(context.Background(), event)
	var fe *lambdalocal.FunctionError
	if err != nil && (!errors.As(err, &fe) || fe.Init) {
		b.Fatalf("%s: %v", fn.Name, err)
	}
	return res.InitDuration
}

// BenchmarkColdStart compares each function's cold start through the local
// Runtime API with a hello-world aws-lambda-go function built the same way,
// alternating the two so both see the same machine.
func BenchmarkColdStart(b *testing.B) {
	st := startStack(b)
	root := testenv.Root(b)
	helloBin := filepath.Join(root, ".local", "bench", "hello", "bootstrap")
	if err := stack.GoBuild(context.Background(), root, helloBin, "./internal/bench/testdata/hello"); err != nil {
		b.Fatal(err)
	}
	// The authorizer's cold start adds to the first request of every route.
	fixtures := map[string]string{
		"UploadFunction": "upload-no-file.json", "GetFunction": "get-unknown.json",
		"AuthorizerFunction": "authorizer-unknown-key.json",
	}
	for name, fixture := range fixtures {
		b.Run(name, func(b *testing.B) {
			ours := st.Function(name)
			hello := ours
			hello.Name, hello.Bootstrap, hello.Dir = "Hello", helloBin, filepath.Dir(helloBin)
			event, err := os.ReadFile(filepath.Join(root, "events", fixture))
			if err != nil {
				b.Fatal(err)
			}
			var o, h []time.Duration
			for b.Loop() {
				o = append(o, coldStart(b, ours, event))
				h = append(h, coldStart(b, hello, []byte(`{}`)))
			}
			report(b, "cold start "+name+" (median init)", "ms", percentile(o, 0.5), percentile(h, 0.5))
		})
	}
}

// BenchmarkGet compares GET /receipt/{id} through the local API (gateway,
// the authorizer and the function through the Runtime API, DynamoDB Local)
// with a bare GetItem of the same item on the same DynamoDB Local.
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
	getAPI := func() time.Duration {
		start := time.Now()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("GET %s: %v %v", url, err, resp)
		}
		_ = resp.Body.Close()
		return time.Since(start)
	}
	getItem := func() time.Duration {
		start := time.Now()
		out, err := st.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(table), Key: item, ConsistentRead: aws.Bool(true),
		})
		if err != nil || len(out.Item) == 0 {
			b.Fatalf("GetItem: %v", err)
		}
		return time.Since(start)
	}
	for range 50 { // warm both paths
		getAPI()
		getItem()
	}
	var o, h []time.Duration
	for b.Loop() {
		o = append(o, getAPI())
		h = append(h, getItem())
	}
	report(b, "GET /receipt/{id} p50", "ms", percentile(o, 0.5), percentile(h, 0.5))
	report(b, "GET /receipt/{id} p99", "ms", percentile(o, 0.99), percentile(h, 0.99))
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
