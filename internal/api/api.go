// Package api is the service's HTTP interface: plain net/http handlers, JSON
// in and out, and the one table that maps errors to statuses. It knows
// nothing of Lambda or AWS; functions adapt it to API Gateway events.
package api

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/limits"
	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/vendors"
)

// MaxUploadBytes is the largest request body POST /receipt accepts. API
// Gateway hands Lambda the body base64-encoded inside a JSON event that may
// not exceed 6 MB, which caps a direct upload at about 4.4 MB; 4 MiB keeps a
// margin for headers and the event's other fields.
const MaxUploadBytes = 4 << 20

// Receipts stores receipt records, and beside them each tenant's
// settings and vendor memory.
type Receipts interface {
	Create(ctx context.Context, r *receipt.Receipt) error
	Get(ctx context.Context, tenant, id string) (*receipt.Receipt, error)
	List(ctx context.Context, tenant string, q receipt.ListQuery, now time.Time) (rs []*receipt.Receipt, next string, err error)
	Delete(ctx context.Context, tenant, id string) error
	// Correct writes r's fields and corrections if r is still at version
	// seen, with what they teach the vendor memory.
	Correct(ctx context.Context, r *receipt.Receipt, seen int64, teach []vendors.Entry, now time.Time) error
	// Reprocess sends the receipt back to processing if it is still at
	// version seen, within the tenant's allowance of limit a day.
	Reprocess(ctx context.Context, tenant, id string, seen int64, hint *string, limit int, now time.Time) error
	VendorEntries(ctx context.Context, tenant string, keys []vendors.Key) (map[vendors.Key]vendors.Entry, error)
	Settings(ctx context.Context, tenant string) (receipt.Settings, error)
	PutSettings(ctx context.Context, tenant string, s receipt.Settings) error
}

// Files stores the uploaded documents.
type Files interface {
	Put(ctx context.Context, key string, body []byte, contentType string) error
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
	PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (string, map[string]string, error)
}

// Server holds what the handlers share. Build it once per process.
type Server struct {
	receipts Receipts
	files    Files
	idem     Idempotency
	hooks    Webhooks
	urls     URLChecker
	log      *slog.Logger
	now      func() time.Time
	newID    func() (string, error)
	// maxPixels is the most pixels an uploaded image may declare.
	maxPixels int64
	// reprocessLimit is how many receipts a tenant may reprocess a day.
	reprocessLimit int
}

// Option changes a Server built by New.
type Option func(*Server)

// WithMaxPixels sets the most pixels an uploaded image may declare
// (limits.DefaultImagePixels unless set).
func WithMaxPixels(n int64) Option { return func(s *Server) { s.maxPixels = n } }

// WithReprocessLimit sets how many receipts a tenant may reprocess a
// day (DefaultReprocessLimit unless set).
func WithReprocessLimit(n int) Option { return func(s *Server) { s.reprocessLimit = n } }

// New returns a Server over the given stores.
func New(receipts Receipts, files Files, idem Idempotency, opts ...Option) *Server {
	s := &Server{
		receipts: receipts,
		files:    files,
		idem:     idem,
		log:      slog.Default(),
		now:      time.Now,
		newID:    receipt.NewID,

		maxPixels:      limits.DefaultImagePixels,
		reprocessLimit: DefaultReprocessLimit,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handler serves every route, for running the API as one server.
func (s *Server) Handler() http.Handler {
	all := map[string]http.HandlerFunc{
		"POST /receipt":                s.upload,
		"POST /receipt/uploads":        s.createUpload,
		"GET /receipt/{id}":            s.get,
		"DELETE /receipt/{id}":         s.delete,
		"GET /receipts":                s.list,
		"PATCH /receipt/{id}":          s.patch,
		"POST /receipt/{id}/reprocess": s.reprocess,
		"GET /settings":                s.getSettings,
		"PUT /settings":                s.putSettings,
	}
	if s.hooks != nil {
		maps.Copy(all, s.webhookRoutes())
	}
	return routes(all)
}

// routes builds a mux whose misses answer in the API's JSON error shape
// rather than net/http's plain text. It needs no Server: a miss is always
// the caller's mistake, answered and never logged.
func routes(handlers map[string]http.HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for pattern, h := range handlers {
		mux.HandleFunc(pattern, h)
		method, path, _ := strings.Cut(pattern, " ")
		methods[path] = append(methods[path], method)
	}
	for path, ms := range methods {
		slices.Sort(ms)
		allow := strings.Join(ms, ", ")
		// Each other method gets its own pattern: a bare path pattern would
		// conflict with a sibling wildcard route such as GET /receipt/{id}.
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			if slices.Contains(ms, m) || (m == "HEAD" && slices.Contains(ms, "GET")) {
				continue
			}
			mux.HandleFunc(m+" "+path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", allow)
				writeClientError(w, errMethodNotAllowed)
			})
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeClientError(w, errRouteNotFound)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux answers a path with dot segments or doubled slashes with a
		// redirect to its cleaned form; no such path names one of our
		// resources, so it is a plain miss.
		if p := r.URL.Path; p == "" || path.Clean(p) != p {
			writeClientError(w, errRouteNotFound)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
