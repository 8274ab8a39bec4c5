package httpfuzz

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// request is one HTTP/1.1 request as it goes on the wire, written by hand so
// that a probe can send what a well-behaved client library refuses to: a
// raw path, a Host that is no host, control bytes, repeated headers, a body
// shorter than its Content-Length.
type request struct {
	method string
	target string // the request-target, sent as is
	// host is the Host header; noHost sends none.
	host   string
	header [][2]string // in order, repeats allowed, sent as is
	body   []byte
	// length is the Content-Length to declare when above 0; noLength
	// declares none; 0 declares len(body) when there is one (always for
	// methods that carry one).
	length int
}

const (
	noHost   = "\x00none"
	noLength = -1
)

func (r *request) set(name, value string) {
	for i, h := range r.header {
		if http.CanonicalHeaderKey(h[0]) == http.CanonicalHeaderKey(name) {
			r.header[i][1] = value
			return
		}
	}
	r.header = append(r.header, [2]string{name, value})
}

func (r *request) del(name string) {
	kept := r.header[:0]
	for _, h := range r.header {
		if http.CanonicalHeaderKey(h[0]) != http.CanonicalHeaderKey(name) {
			kept = append(kept, h)
		}
	}
	r.header = kept
}

func (r *request) clone() *request {
	c := *r
	c.header = append([][2]string(nil), r.header...)
	return &c
}

func (r *request) wire() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.method, r.target)
	if r.host != noHost {
		fmt.Fprintf(&b, "Host: %s\r\n", r.host)
	}
	for _, h := range r.header {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	switch {
	case r.length > 0:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", r.length)
	case r.length == 0 && (len(r.body) > 0 || r.method == "POST" || r.method == "PUT" || r.method == "PATCH"):
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(r.body)
	return b.Bytes()
}

// answer is what came back, or why nothing did.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	elapsed time.Duration
	err     error
}

// maxAnswerBytes bounds what the fuzzer reads of a response body; Lambda's
// own response limit is 6 MB.
const maxAnswerBytes = 8 << 20

// roundTrip sends r to addr on a new connection and reads the response,
// giving up after limit. The request is written while the response is read,
// so a server that answers before reading all of a large request (a 413)
// is heard.
func roundTrip(addr string, r *request, limit time.Duration) answer {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return answer{err: fmt.Errorf("connect: %w", err), elapsed: time.Since(start)}
	}
	defer conn.Close()
	_ = conn.SetDeadline(start.Add(limit))
	go func() { _, _ = conn.Write(r.wire()) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.method})
	if err != nil {
		return answer{err: noAnswer(err), elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	a := answer{status: resp.StatusCode, header: resp.Header, body: body, elapsed: time.Since(start)}
	if err != nil {
		a.err = fmt.Errorf("read the body of a %d: %w", resp.StatusCode, noAnswer(err))
	}
	return a
}

func noAnswer(err error) error {
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return fmt.Errorf("no answer in time")
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("connection closed without an answer")
	}
	return err
}

func (a answer) String() string {
	if a.err != nil && a.status == 0 {
		return fmt.Sprintf("%v after %s", a.err, a.elapsed.Round(time.Millisecond))
	}
	return fmt.Sprintf("%d %s (%s)", a.status, clip(a.body, 160), a.elapsed.Round(time.Millisecond))
}

// clip shortens b for a message.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:n])) + fmt.Sprintf("... (%d bytes)", len(b))
}
