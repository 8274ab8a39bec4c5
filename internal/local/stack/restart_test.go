//go:build integration

package stack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/receipts-api/receipts/internal/local/stack"
)

// TestStackKilledAndRestarted kills, with SIGKILL, the whole stack as
// `make dev` runs it, while receipts are uploaded and processed, and starts
// it again on the same data: every receipt whose upload was answered is
// there and ends COMPLETED or FAILED, and files and records agree. The test
// binary runs each stack as a child process (runStackChild).
func TestStackKilledAndRestarted(t *testing.T) {
	t.Parallel() // its own stacks
	data, build := t.TempDir(), t.TempDir()
	first, cmd := startChild(t, data, build)
	c := &client{base: first.API, key: first.Key}
	jpeg := sroie(t, "000.jpg", "007.jpg")
	var accepted []string
	for i := range 4 {
		accepted = append(accepted, c.uploadID(t, "r.jpg", jpeg[i%2]))
	}
	// More uploads run into the kill: those answered count, the others
	// may have left a file or a record behind.
	var mu sync.Mutex
	stop := make(chan struct{})
	uploading := make(chan struct{})
	go func() {
		defer close(uploading)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			status, body := c.rawUpload(t, jpeg[i%2])
			var id string
			if status != 200 || json.Unmarshal([]byte(body), &id) != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, id)
			mu.Unlock()
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	<-uploading
	t.Logf("stack killed with %d uploads answered", len(accepted))

	second, _ := startChild(t, data, build)
	c = &client{base: second.API, key: second.Key}
	for _, id := range accepted {
		body := c.waitDone(t, id)
		if s := body["status"]; s != "COMPLETED" && s != "FAILED" {
			t.Errorf("receipt %s ended %v", id, s)
		}
	}
	// Whatever else the killed uploads left must agree too: records that
	// finish, files that have records.
	waitAgree(t, c, second, accepted)
}

// waitAgree waits until the tenant's receipts (those accepted among them)
// are all finished, each with its file, and no other file is stored.
func waitAgree(t *testing.T, c *client, child stackChild, accepted []string) {
	t.Helper()
	files := s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint, o.UsePathStyle = aws.String(child.S3), true
	})
	const limit = 2 * time.Minute
	start := time.Now()
	var problems []string
	for time.Since(start) < limit {
		problems = nil
		_, body := c.send(t, "GET", "/receipts?limit=100", "", nil)
		var page struct {
			Receipts []struct{ UUID, Status string }
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, r := range page.Receipts {
			listed[r.UUID] = true
			if r.Status != "COMPLETED" && r.Status != "FAILED" {
				problems = append(problems, "receipt "+r.UUID+" is "+r.Status)
			}
		}
		for _, id := range accepted {
			if !listed[id] {
				problems = append(problems, "accepted receipt "+id+" is gone")
			}
		}
		out, err := files.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(child.Bucket), Prefix: aws.String("restarted/")})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
			if id := strings.TrimPrefix(aws.ToString(o.Key), "restarted/"); !listed[id] {
				problems = append(problems, "a file without a record: "+aws.ToString(o.Key))
			}
		}
		for id := range listed {
			if !slices.Contains(keys, "restarted/"+id) {
				problems = append(problems, "a record without its file: "+id)
			}
		}
		if len(problems) == 0 {
			t.Logf("%d receipts, all finished, each with its file, no other file", len(listed))
			return
		}
		time.Sleep(time.Second)
	}
	t.Errorf("after %s: %s", limit, strings.Join(problems, "; "))
}

// The stack a child process runs is told its data and build folders by
// these variables.
const (
	childDataEnv  = "STACK_CHILD_DATA"
	childBuildEnv = "STACK_CHILD_BUILD"
)

// stackChild is what a child stack prints once it serves.
type stackChild struct {
	API, S3, Key, Bucket string
}

// startChild runs the test binary as a stack over data, and returns where
// it serves once it does. The child is stopped when the test ends.
func startChild(t *testing.T, data, build string) (stackChild, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDataEnv+"="+data, childBuildEnv+"="+build)
	logs := &logBuffer{}
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("the child stack's output:\n%s", logs.since(0))
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line, ok := <-lines:
		var child stackChild
		if !ok || json.Unmarshal([]byte(line), &child) != nil {
			t.Fatalf("child stack did not start: %q", line)
		}
		return child, cmd
	case <-time.After(5 * time.Minute):
		t.Fatal("child stack did not start within 5 minutes")
	}
	return stackChild{}, nil
}

// runStackChild runs, in a child process, a stack over the data folder
// childDataEnv names until it is terminated or killed; it reports false in
// any other process.
func runStackChild() bool {
	data := os.Getenv(childDataEnv)
	if data == "" {
		return false
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	root, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		root = filepath.Dir(root)
	}
	st, err := stack.Start(ctx, stack.Config{
		Root: root, APIAddr: "127.0.0.1:0", Logs: os.Stderr, BuildDir: os.Getenv(childBuildEnv), DataDir: data,
		// Longer than UploadFunction's 10 s timeout; short, so an orphan
		// goes soon.
		Env: map[string]map[string]string{"SweepFunction": {"SWEEP_AFTER": "12s"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child stack:", err)
		os.Exit(1)
	}
	key, err := st.DevKey(ctx, "restarted", filepath.Join(data, "key"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child stack:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(stackChild{API: st.APIURL, S3: st.S3.Endpoint, Key: key, Bucket: st.Template.PhysicalName("ReceiptsBucket")})
	fmt.Println(string(b))
	<-ctx.Done()
	st.Close()
	return true
}
