//go:build integration

package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/stack"
	"github.com/receipts-api/receipts/internal/local/testenv"
	"github.com/receipts-api/receipts/internal/receipt"
)

// crashRules is a stack's Crash hook: each scenario adds a rule, and a call
// is killed when any rule says so.
type crashRules struct {
	mu    sync.Mutex
	rules []func(stack.Call) bool
}

func (c *crashRules) add(r func(stack.Call) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rules = append(c.rules, r)
}

func (c *crashRules) hook(call stack.Call) bool {
	c.mu.Lock()
	rules := slices.Clone(c.rules)
	c.mu.Unlock()
	for _, r := range rules {
		if r(call) {
			return true
		}
	}
	return false
}

// once lets rule kill one call, the first it matches.
func once(rule func(stack.Call) bool) (func(stack.Call) bool, *atomic.Bool) {
	var done atomic.Bool
	return func(c stack.Call) bool { return rule(c) && done.CompareAndSwap(false, true) }, &done
}

// crashTimeScale runs the crash stack's queues 60 times faster than AWS:
// the work queue's 720 s visibility timeout is 12 s, back-offs 83 ms to
// 10 s, so a receipt's retries outlast a DynamoDB Local restart, as they
// outlast a passing failure in AWS.
const crashTimeScale = 60

// TestCrashes kills, with SIGKILL, at each step a crash can hit, and checks
// that every receipt ends COMPLETED or FAILED, its result written once, and
// that no file is left without a record nor a record without its file. The
// steps run at once, each as its own tenant; DynamoDB Local's own death
// comes last, as it fails every tenant's calls while it restarts.
func TestCrashes(t *testing.T) {
	t.Parallel() // its own stack; mostly waiting for timers
	rules := &crashRules{}
	logs := &logBuffer{}
	st, err := stack.Start(context.Background(), stack.Config{
		Root: testenv.Root(t), APIAddr: "127.0.0.1:0", Logs: logs, BuildDir: t.TempDir(),
		DataDir: t.TempDir(), TimeScale: crashTimeScale, Crash: rules.hook,
		// Longer than UploadFunction's 10 s timeout, between its file and
		// its record; short, so an orphan goes soon.
		Env: map[string]map[string]string{"SweepFunction": {"SWEEP_AFTER": "12s"}},
	})
	if err != nil {
		t.Fatalf("local stack: %v", err)
	}
	defer st.Close()
	defer func() {
		if t.Failed() {
			t.Logf("the stack's output:\n%s", logs.since(0))
		}
	}()
	jpeg := sroie(t, "000.jpg")[0]

	t.Run("steps", func(t *testing.T) {
		t.Run("upload, between the file and the record", func(t *testing.T) {
			t.Parallel()
			const tenant = "crash-upload"
			_, killed := onceRule(rules, func(c stack.Call) bool {
				return c.Function == "UploadFunction" && c.Operation == "PutObject" && c.Served && strings.HasPrefix(c.Key, tenant+"/")
			})
			c := newClient(t, st, tenant)
			status, body := c.rawUpload(t, jpeg)
			if !killed.Load() || status < 500 {
				t.Fatalf("upload answered %d %s (killed: %v), want the upload function killed and a 5xx", status, body, killed.Load())
			}
			if n := len(objects(t, st, tenant+"/")); n != 1 {
				t.Fatalf("%d files stored, want the one the killed upload left", n)
			}
			// The client tries again and is answered; the orphan is swept.
			id := c.uploadID(t, "again.jpg", jpeg)
			if body := c.waitDone(t, id); body["status"] != "COMPLETED" {
				t.Errorf("the upload tried again ended %v", body["status"])
			}
			checkWhole(t, st, tenant, 1)
		})

		t.Run("dispatcher, between sending to the queue and the stream's checkpoint", func(t *testing.T) {
			t.Parallel()
			const tenant = "crash-dispatch"
			_, killed := onceRule(rules, func(c stack.Call) bool {
				return c.Function == "DispatchFunction" && c.Operation == "SendMessageBatch" && c.Served && bytes.Contains(c.Body, []byte(tenant))
			})
			c := newClient(t, st, tenant)
			id := c.uploadID(t, "r.jpg", jpeg)
			if body := c.waitDone(t, id); body["status"] != "COMPLETED" {
				t.Errorf("receipt ended %v, want COMPLETED", body["status"])
			}
			if !killed.Load() {
				t.Error("the dispatcher was never killed")
			}
			// Its message was sent twice; its result was written once.
			if n := attempts(t, st, tenant, id); n != 1 {
				t.Errorf("result written %d times, want once", n)
			}
			checkWhole(t, st, tenant, 1)
		})

		t.Run("processor, during OCR", func(t *testing.T) {
			t.Parallel()
			const tenant = "crash-ocr"
			var killed atomic.Bool
			var started atomic.Bool
			rules.add(func(c stack.Call) bool {
				if c.Function == "ProcessorFunction" && c.Operation == "GetObject" && c.Served && strings.HasPrefix(c.Key, tenant+"/") && started.CompareAndSwap(false, true) {
					go func() { killed.Store(killDuringOCR(st, c.Instance)) }()
				}
				return false
			})
			c := newClient(t, st, tenant)
			id := c.uploadID(t, "r.jpg", jpeg)
			if body := c.waitDone(t, id); body["status"] != "COMPLETED" {
				t.Errorf("receipt ended %v, want COMPLETED", body["status"])
			}
			if !killed.Load() {
				t.Error("the processor was never seen running tesseract, so never killed during OCR")
			}
			if n := attempts(t, st, tenant, id); n != 1 {
				t.Errorf("result written %d times, want once", n)
			}
			checkWhole(t, st, tenant, 1)
		})

		t.Run("processor, between OCR and writing the result", func(t *testing.T) {
			t.Parallel()
			const tenant = "crash-result"
			_, killed := onceRule(rules, func(c stack.Call) bool {
				return c.Function == "ProcessorFunction" && c.Operation == "UpdateItem" && !c.Served && bytes.Contains(c.Body, []byte("TENANT#"+tenant))
			})
			c := newClient(t, st, tenant)
			id := c.uploadID(t, "r.jpg", jpeg)
			if body := c.waitDone(t, id); body["status"] != "COMPLETED" {
				t.Errorf("receipt ended %v, want COMPLETED", body["status"])
			}
			if !killed.Load() {
				t.Error("the processor was never killed before its write")
			}
			if n := attempts(t, st, tenant, id); n != 1 {
				t.Errorf("result written %d times, want once", n)
			}
			checkWhole(t, st, tenant, 1)
		})

		t.Run("dead-letter consumer", func(t *testing.T) {
			t.Parallel()
			const tenant = "crash-dlq"
			// Every receive of the work message dies reading the file, so
			// it ends in the dead-letter queue, whose consumer dies once.
			var receives atomic.Int32
			rules.add(func(c stack.Call) bool {
				hit := c.Function == "ProcessorFunction" && c.Operation == "GetObject" && !c.Served && strings.HasPrefix(c.Key, tenant+"/")
				if hit {
					receives.Add(1)
				}
				return hit
			})
			_, killed := onceRule(rules, func(c stack.Call) bool {
				return c.Function == "FailedFunction" && c.Operation == "UpdateItem" && !c.Served && bytes.Contains(c.Body, []byte("TENANT#"+tenant))
			})
			c := newClient(t, st, tenant)
			id := c.uploadID(t, "r.jpg", jpeg)
			body := c.waitDone(t, id)
			if body["status"] != "FAILED" || body["error"] != "Error extracting details from receipt." {
				t.Errorf("receipt %v %v, want FAILED with the service's message", body["status"], body["error"])
			}
			if !killed.Load() {
				t.Error("the dead-letter consumer was never killed")
			}
			// Its message's 4 receives (maxReceiveCount), or twice that
			// when the dispatcher's crash above sent it twice.
			if n := receives.Load(); n != 4 && n != 8 {
				t.Errorf("processor killed on %d receives, want maxReceiveCount, 4, for each message of the receipt", n)
			}
			if n := attempts(t, st, tenant, id); n != 1 {
				t.Errorf("result written %d times, want once", n)
			}
			checkWhole(t, st, tenant, 1)
		})
	})

	t.Run("DynamoDB Local", func(t *testing.T) {
		const tenant = "crash-dynamo"
		c := newClient(t, st, tenant)
		var ids []string
		for i := range 3 {
			ids = append(ids, c.uploadID(t, fmt.Sprint(i, ".jpg"), jpeg))
		}
		if err := syscall.Kill(st.Dynamo.PID(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			body := c.waitDoneThroughOutage(t, id)
			if s := body["status"]; s != "COMPLETED" && s != "FAILED" {
				t.Errorf("receipt %s ended %v", id, s)
			}
			t.Logf("receipt %s ended %v", id, body["status"])
			if n := attempts(t, st, tenant, id); n != 1 {
				t.Errorf("result written %d times, want once", n)
			}
		}
		if logs.count("DynamoDB Local restarted") != 1 {
			t.Error("the stack never said it restarted DynamoDB Local")
		}
		checkWhole(t, st, tenant, 3)
	})
}

// onceRule adds a rule that kills the first call it matches.
func onceRule(rules *crashRules, match func(stack.Call) bool) (func(stack.Call) bool, *atomic.Bool) {
	r, done := once(match)
	rules.add(r)
	return r, done
}

// killDuringOCR waits until the instance runs tesseract, then kills it,
// and reports whether it did.
func killDuringOCR(st *stack.Stack, instance string) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		pid := st.PID(instance)
		if pid == 0 {
			return false
		}
		if runsInGroup(pid, "tesseract") {
			return st.Kill(instance)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// runsInGroup reports whether a process named comm runs in process group
// pgid, from /proc.
func runsInGroup(pgid int, comm string) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) > 2 && s[open+1:end] == comm && fields[2] == fmt.Sprint(pgid) {
			return true
		}
	}
	return false
}

// rawUpload posts a file without holding the answer to the contract: a
// crash's answer (API Gateway's 502) is not one. A request that gets no
// answer at all (the stack killed) is status 0.
func (c *client) rawUpload(t *testing.T, data []byte) (int, string) {
	t.Helper()
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, _ := mw.CreateFormFile("file", "r.jpg")
	_, _ = w.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/receipt", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitDoneThroughOutage polls a receipt while DynamoDB Local restarts:
// answers of 5xx are expected for a while, not for long.
func (c *client) waitDoneThroughOutage(t *testing.T, id string) map[string]any {
	t.Helper()
	const outage, limit = time.Minute, 3 * time.Minute
	start := time.Now()
	var failingSince time.Time
	for time.Since(start) < limit {
		req, _ := http.NewRequest("GET", c.base+"/receipt/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+c.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) > outage {
				t.Fatalf("GET %s answered %d for over %s: %s", id, resp.StatusCode, outage, b)
			}
		case resp.StatusCode == 200:
			failingSince = time.Time{}
			var body map[string]any
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			if s := body["status"]; s != "PROCESSING" && s != "UPLOADING" {
				return body
			}
		default:
			t.Fatalf("GET %s: %d %s", id, resp.StatusCode, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("receipt %s still not done after %s", id, limit)
	return nil
}

// attempts is how many times a receipt's result was written (the store
// counts each Complete and Fail).
func attempts(t *testing.T, st *stack.Stack, tenant, id string) int {
	t.Helper()
	rc, err := st.Store().Get(context.Background(), tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return rc.Attempts
}

// objects lists the keys of the receipts bucket under prefix.
func objects(t *testing.T, st *stack.Stack, prefix string) []string {
	t.Helper()
	list, err := st.S3.Objects(st.Template.PhysicalName("ReceiptsBucket"), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list {
		keys = append(keys, o.Key)
	}
	return keys
}

// checkWhole waits until the tenant's receipts and files agree: want
// receipts, each finished, each with its file (and its stored text, when it
// has one), and no other file under the tenant's prefix. The sweeper may
// need its delay and SWEEP_AFTER to remove an orphan, hence the wait.
func checkWhole(t *testing.T, st *stack.Stack, tenant string, want int) {
	t.Helper()
	const limit = 2 * time.Minute
	start := time.Now()
	var problems []string
	for time.Since(start) < limit {
		problems = wholeness(t, st, tenant, want)
		if len(problems) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("tenant %s after %s: %s", tenant, limit, strings.Join(problems, "; "))
}

func wholeness(t *testing.T, st *stack.Stack, tenant string, want int) []string {
	var problems []string
	var records []*receipt.Receipt
	after := ""
	for {
		page, next, err := st.Store().List(context.Background(), tenant, receipt.ListQuery{Limit: 100, After: after}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, page...)
		if next == "" {
			break
		}
		after = next
	}
	if len(records) != want {
		problems = append(problems, fmt.Sprintf("%d receipts, want %d", len(records), want))
	}
	keys := objects(t, st, tenant+"/")
	expected := map[string]bool{}
	for _, rc := range records {
		if rc.Status != receipt.Completed && rc.Status != receipt.Failed {
			problems = append(problems, fmt.Sprintf("receipt %s is %s", rc.ID, rc.Status))
		}
		expected[rc.FileKey] = true
		if rc.DetailsKey != "" {
			expected[rc.DetailsKey] = true
		}
	}
	for k := range expected {
		if !slices.Contains(keys, k) {
			problems = append(problems, "a record without its file: "+k)
		}
	}
	for _, k := range keys {
		if !expected[k] {
			problems = append(problems, "a file without a record: "+k)
		}
	}
	return problems
}
