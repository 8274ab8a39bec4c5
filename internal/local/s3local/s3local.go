// Package s3local runs an S3-compatible server in process, for the local
// stack and tests. The AWS SDK reaches it through an endpoint override.
package s3local

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

// Server is a running S3 emulator.
type Server struct {
	// Endpoint is its URL, e.g. http://127.0.0.1:9000.
	Endpoint string
	backend  gofakes3.Backend
	srv      *http.Server
	db       *bolt.DB // the objects' file, when kept on disk

	mu        sync.Mutex
	onCreate  func(bucket, key string, size int64)
	onRequest func(r *http.Request, served bool) (drop bool)
}

// Options say how to run the server.
type Options struct {
	// File keeps buckets and objects in that file (a bolt database,
	// created if missing) across restarts; empty keeps them in memory.
	File string
}

// OnObjectCreated sets what is told of each object created, as S3's event
// notifications would (the emulator sends none of its own).
func (s *Server) OnObjectCreated(f func(bucket, key string, size int64)) {
	s.mu.Lock()
	s.onCreate = f
	s.mu.Unlock()
}

// OnRequest sets what is told of each request: before it is served (served
// false), and after, while its answer is held back (served true). When f
// says to drop the request, it is not served (or its answer not sent) and
// its connection is closed: crash-injection tests kill the caller there.
func (s *Server) OnRequest(f func(r *http.Request, served bool) (drop bool)) {
	s.mu.Lock()
	s.onRequest = f
	s.mu.Unlock()
}

// serve runs h with the request hook around it, and calls onCreate after
// each successful object PUT, and after each completed multipart upload:
// also when the hook drops the answer, as the object was created all the
// same.
func (s *Server) serve(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		hook, notify := s.onRequest, s.onCreate
		s.mu.Unlock()
		if hook == nil {
			rec := &status{ResponseWriter: w, code: http.StatusOK}
			h.ServeHTTP(rec, r)
			created(r, rec.code, notify)
			return
		}
		if hook(r, false) {
			panic(http.ErrAbortHandler)
		}
		held := &heldResponse{header: http.Header{}, code: http.StatusOK}
		h.ServeHTTP(held, r)
		drop := hook(r, true)
		if !drop {
			held.send(w)
		}
		created(r, held.code, notify)
		if drop {
			panic(http.ErrAbortHandler)
		}
	})
}

// created tells notify of the object a request created, if it did.
func created(r *http.Request, code int, notify func(bucket, key string, size int64)) {
	q := r.URL.Query()
	put := (r.Method == http.MethodPut && !q.Has("partNumber") && r.Header.Get("X-Amz-Copy-Source") == "") ||
		(r.Method == http.MethodPost && q.Has("uploadId"))
	if !put || code != http.StatusOK || notify == nil {
		return
	}
	if bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); ok && key != "" {
		notify(bucket, key, r.ContentLength)
	}
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// heldResponse keeps an answer until it is sent.
type heldResponse struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header         { return h.header }
func (h *heldResponse) WriteHeader(code int)        { h.code = code }
func (h *heldResponse) Write(b []byte) (int, error) { return h.body.Write(b) }

func (h *heldResponse) send(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	w.WriteHeader(h.code)
	_, _ = w.Write(h.body.Bytes())
}

// Start serves an empty in-memory S3 on a free loopback port.
func Start() (*Server, error) {
	return StartWith(Options{})
}

// StartWith serves S3 on a free loopback port, as o says.
func StartWith(o Options) (*Server, error) {
	s := &Server{}
	if o.File == "" {
		s.backend = s3mem.New()
	} else {
		// A timeout, so a second stack on the same file fails rather
		// than waiting for the first to let go of it.
		db, err := bolt.Open(o.File, 0o600, &bolt.Options{Timeout: 2 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("open S3's objects in %s (is another local stack using it?): %w", o.File, err)
		}
		s.db, s.backend = db, s3bolt.New(db)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, fmt.Errorf("listen for s3: %w", err)
	}
	faker := gofakes3.New(s.backend, gofakes3.WithAutoBucket(false))
	s.Endpoint = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.serve(faker.Server()), ReadHeaderTimeout: 10 * time.Second}
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

// Object is an object's key and when it was last written.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time
}

// Objects lists the bucket's objects whose keys start with prefix.
func (s *Server) Objects(bucket, prefix string) ([]Object, error) {
	var out []Object
	page := gofakes3.ListBucketPage{}
	for {
		list, err := s.backend.ListBucket(bucket, &gofakes3.Prefix{HasPrefix: prefix != "", Prefix: prefix}, page)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", bucket, err)
		}
		for _, c := range list.Contents {
			out = append(out, Object{Key: c.Key, Size: c.Size, Modified: time.Time(c.LastModified.Time)})
		}
		if !list.IsTruncated || len(list.Contents) == 0 {
			return out, nil
		}
		page = gofakes3.ListBucketPage{Marker: list.Contents[len(list.Contents)-1].Key, HasMarker: true}
	}
}

// Stop closes the server, and the objects' file.
func (s *Server) Stop() {
	_ = s.srv.Close()
	s.close()
}

func (s *Server) close() {
	if s.db != nil {
		_ = s.db.Close()
	}
}
