// Package s3local runs an S3-compatible server in process, for the local
// stack and tests. The AWS SDK reaches it through an endpoint override.
package s3local

import (
	"fmt"
	"net"
	"net/http"
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
}

// Start serves an empty in-memory S3 on a free loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for s3: %w", err)
	}
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false))
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		backend:  backend,
		srv:      &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second},
	}
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
