//go:build !integration

package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/receipts-api/receipts/internal/local/stack"
)

// latencies gathers request times by kind, and the answers' statuses.
type latencies struct {
	mu       sync.Mutex
	by       map[string][]time.Duration
	statuses map[int]int
}

func (l *latencies) add(kind string, d time.Duration, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[status]++
	if status != http.StatusTooManyRequests {
		l.by[kind] = append(l.by[kind], d)
	}
}

// BenchmarkLoad runs 20 clients at once, each uploading 10 receipts and
// polling each every 250 ms until it is done, through the local API with
// the template's throttling (a throttled request is sent again after its
// Retry-After). It reports upload and GET latency, p50 and p99, against
// what 20 other clients at once, at the same time, see of the bare stores:
// an S3 PutObject plus a DynamoDB PutItem for an upload, a GetItem for a
// GET.
func BenchmarkLoad(b *testing.B) {
	st := startStack(b)
	const clients, each = 20, 10
	imgs := receipts(b, clients*each)
	for run := 0; b.Loop(); run++ {
		lat := &latencies{by: map[string][]time.Duration{}, statuses: map[int]int{}}
		start := time.Now()
		// The bare stores are timed while the clients run, as they are
		// used: puts first, then reads every 250 ms until the clients are
		// done, so both share the machine with the same work.
		bareDone, stop := make(chan *latencies, 1), make(chan struct{})
		go func() { bareDone <- bareStores(b, st, clients, each, imgs, stop) }()
		var wg sync.WaitGroup
		for i := range clients {
			// Tenants of their own each run: the same files uploaded again
			// by one tenant are duplicates, copied rather than read.
			key := benchKey(b, st, fmt.Sprintf("load%d-%d-%02d", start.UnixNano(), run, i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				var ids []string
				for j := range each {
					ids = append(ids, loadUpload(b, lat, st.APIURL, key, imgs[i*each+j]))
				}
				for _, id := range ids {
					loadWait(b, lat, st.APIURL, key, id)
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		close(stop)
		bare := <-bareDone
		fmt.Printf("load: %d clients x %d receipts in %s; answers by status %v\n", clients, each, took.Round(time.Millisecond), lat.statuses)
		reportAs(b, "upload-p50", "upload under 20 clients p50", "ms", percentile(lat.by["upload"], 0.5), percentile(bare.by["upload"], 0.5))
		reportAs(b, "upload-p99", "upload under 20 clients p99", "ms", percentile(lat.by["upload"], 0.99), percentile(bare.by["upload"], 0.99))
		reportAs(b, "get-p50", "GET under 20 clients p50", "ms", percentile(lat.by["get"], 0.5), percentile(bare.by["get"], 0.5))
		reportAs(b, "get-p99", "GET under 20 clients p99", "ms", percentile(lat.by["get"], 0.99), percentile(bare.by["get"], 0.99))
	}
}

// loadRequest sends a request until it is not throttled, timing each.
func loadRequest(b *testing.B, lat *latencies, kind, method, url, key, contentType string, body []byte) []byte {
	for {
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Error(err)
			return nil
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat.add(kind, time.Since(start), resp.StatusCode)
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(wait, 1)) * time.Second)
		case resp.StatusCode >= 300:
			b.Errorf("%s %s: %d %s", method, url, resp.StatusCode, out)
			return nil
		default:
			return out
		}
	}
}

func loadUpload(b *testing.B, lat *latencies, base, key string, img []byte) string {
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, _ := mw.CreateFormFile("file", "r.jpg")
	_, _ = w.Write(img)
	_ = mw.Close()
	var id string
	_ = json.Unmarshal(loadRequest(b, lat, "upload", "POST", base+"/receipt", key, mw.FormDataContentType(), body.Bytes()), &id)
	return id
}

func loadWait(b *testing.B, lat *latencies, base, key, id string) {
	start := time.Now()
	for time.Since(start) < benchWaitLimit {
		var r struct{ Status string }
		if err := json.Unmarshal(loadRequest(b, lat, "get", "GET", base+"/receipt/"+id, key, "", nil), &r); err != nil {
			return
		}
		if r.Status == "COMPLETED" || r.Status == "FAILED" {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	b.Errorf("receipt %s still processing after %s", id, benchWaitLimit)
}

// bareStores times what the API's upload and GET do at their core, with
// as many clients at once: a PutObject and a PutItem per receipt, then a
// GetItem of each client's receipts in turn every 250 ms until stop.
func bareStores(b *testing.B, st *stack.Stack, clients, each int, imgs [][]byte, stop <-chan struct{}) *latencies {
	lat := &latencies{by: map[string][]time.Duration{}, statuses: map[int]int{}}
	files := s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint, o.UsePathStyle = aws.String(st.S3.Endpoint), true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	bucket, table := st.Template.PhysicalName("ReceiptsBucket"), st.Template.PhysicalName("ReceiptsTable")
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var items []map[string]types.AttributeValue
			for j := range each {
				key := fmt.Sprintf("bare-%02d/%03d", i, j)
				item := map[string]types.AttributeValue{
					"PK": &types.AttributeValueMemberS{Value: "TENANT#bare"}, "SK": &types.AttributeValueMemberS{Value: "BARE#" + key},
				}
				start := time.Now()
				_, err := files.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(imgs[i*each+j])})
				if err == nil {
					_, err = st.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
				}
				if err != nil {
					b.Error(err)
					return
				}
				lat.add("upload", time.Since(start), 200)
				items = append(items, item)
			}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-time.After(250 * time.Millisecond):
				}
				start := time.Now()
				if _, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: items[n%len(items)], ConsistentRead: aws.Bool(true)}); err != nil {
					b.Error(err)
					return
				}
				lat.add("get", time.Since(start), 200)
			}
		}()
	}
	wg.Wait()
	return lat
}
