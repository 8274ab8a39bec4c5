package stack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/receipts-api/receipts/internal/local/lambdalocal"
)

// Call is a request a function made to one of the local services, as
// Config.Crash sees it.
type Call struct {
	// Service is "dynamodb" (streams included), "s3" or "sqs".
	Service string
	// Operation is the API action: "UpdateItem", "PutObject",
	// "SendMessageBatch"...
	Operation string
	// Function is the caller's logical id; Instance names the calling
	// instance (see Stack.Kill).
	Function, Instance string
	// Key is the object's key, for S3.
	Key string
	// Body is the request, for DynamoDB and SQS (JSON).
	Body []byte
	// Served is false before the request is served, true after it was,
	// its answer not yet sent.
	Served bool
}

// Kill ends a function's instance (named as Call.Instance names it) the way
// a crash would: SIGKILL, whatever it is doing. Its invocation fails, and
// the event source that invoked it retries as Lambda's would. It reports
// whether the instance was running.
func (s *Stack) Kill(instance string) bool {
	fn, id, ok := lambdalocal.InstanceOf(instance)
	if !ok || s.hosts[fn] == nil {
		return false
	}
	return s.hosts[fn].Kill(id)
}

// PID is the process id of a function's instance, which is also its process
// group's, or 0 if it does not run.
func (s *Stack) PID(instance string) int {
	fn, id, ok := lambdalocal.InstanceOf(instance)
	if !ok || s.hosts[fn] == nil {
		return 0
	}
	return s.hosts[fn].PID(id)
}

// intercept returns the hook a local service calls around each request, or
// nil without Config.Crash: it asks Crash about requests of functions and
// kills the caller when told to, saying to drop the request.
func (s *Stack) intercept(service string) func(r *http.Request, body []byte, served bool) (drop bool) {
	if s.crash == nil {
		return nil
	}
	return func(r *http.Request, body []byte, served bool) bool {
		fn, instance, ok := lambdalocal.InstanceOf(accessKeyID(r))
		if !ok {
			return false
		}
		c := Call{Service: service, Operation: operation(service, r), Function: fn, Instance: instance, Body: body, Served: served}
		if service == "s3" {
			_, c.Key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		}
		if !s.crash(c) {
			return false
		}
		s.log.Warn("killing the caller", "instance", instance, "service", service, "operation", c.Operation, "key", c.Key, "served", served)
		s.Kill(instance)
		return true
	}
}

// interceptServices puts the Crash hook around S3 and, through a proxy the
// functions reach instead, around DynamoDB Local.
func (s *Stack) interceptServices() error {
	hook := s.intercept("dynamodb")
	if hook == nil {
		return nil
	}
	s3hook := s.intercept("s3")
	s.S3.OnRequest(func(r *http.Request, served bool) bool { return s3hook(r, nil, served) })
	target, err := url.Parse(s.Dynamo.Endpoint)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	errDropped := errors.New("dropped")
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if hook(resp.Request, resp.Request.Context().Value(bodyKey{}).([]byte), true) {
			return errDropped
		}
		return nil
	}
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, errDropped) {
			panic(http.ErrAbortHandler)
		}
		// DynamoDB Local is down (restarting): the caller sees what a
		// connection refused would be, a failure it retries.
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	s.dbProxy = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if hook(r, body, false) {
			panic(http.ErrAbortHandler)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	})}
	s.dbURL = "http://" + ln.Addr().String()
	go func() { _ = s.dbProxy.Serve(ln) }()
	return nil
}

// bodyKey holds a proxied request's body in its context, for the hook after
// it was served.
type bodyKey struct{}

// accessKeyID is the access key id a request is signed with, from its
// Authorization header or, presigned, its X-Amz-Credential.
func accessKeyID(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if _, after, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		cred = after
	}
	id, _, _ := strings.Cut(cred, "/")
	return id
}

// operation names the API action of a request to a local service.
func operation(service string, r *http.Request) string {
	if service != "s3" {
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		return op
	}
	switch {
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "CopyObject"
	case r.Method == http.MethodPut:
		return "PutObject"
	case r.Method == http.MethodGet:
		return "GetObject"
	case r.Method == http.MethodHead:
		return "HeadObject"
	case r.Method == http.MethodDelete:
		return "DeleteObject"
	}
	return r.Method
}
