// Package s3local runs an S3-compatible server in process, for the local
// stack and tests. The AWS SDK reaches it through an endpoint override.
package s3local

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running S3 emulator.
type Server struct {
	// Endpoint is its URL, e.g. http://127.0.0.1:9000.
	Endpoint string
	backend  *s3mem.Backend
	srv      *http.Server

	mu       sync.Mutex
	onCreate func(bucket, key string, size int64)
}

// OnObjectCreated sets what is told of each object created, as S3's event
// notifications would (the emulator sends none of its own).
func (s *Server) OnObjectCreated(f func(bucket, key string, size int64)) {
	s.mu.Lock()
	s.onCreate = f
	s.mu.Unlock()
}

// notifying calls onCreate after each successful object PUT, and after each
// completed multipart upload.
func (s *Server) notifying(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &status{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		q := r.URL.Query()
		created := (r.Method == http.MethodPut && !q.Has("partNumber") && r.Header.Get("X-Amz-Copy-Source") == "") ||
			(r.Method == http.MethodPost && q.Has("uploadId"))
		if !created || rec.code != http.StatusOK {
			return
		}
		bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		f := s.onCreate
		s.mu.Unlock()
		if ok && key != "" && f != nil {
			f(bucket, key, r.ContentLength)
		}
	})
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Start serves an empty in-memory S3 on a free loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for s3: %w", err)
	}
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false))
	s := &Server{Endpoint: "http://" + ln.Addr().String(), backend: backend}
	s.srv = &http.Server{Handler: s.notifying(faker.Server()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// CreateBucket creates a bucket; an existing one is left alone.
func (s *Server) CreateBucket(name string) error {
	ok, err := s.backend.BucketExists(name)
	if err != nil || ok {
		return err
	}
	return s.backend.CreateBucket(name)
}

// Stop closes the server.
func (s *Server) Stop() {
	_ = s.srv.Close()
}
