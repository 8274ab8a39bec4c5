package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
	"unicode/utf8"
)

// Bounds on what a receiver's answer may cost.
const (
	// MaxResponseRead is how much of a response body is read.
	MaxResponseRead = 64 << 10
	// ResponseExcerpt is how much of it the delivery log keeps.
	ResponseExcerpt = 256
)

// Result is what one attempt gave.
type Result struct {
	// StatusCode is the receiver's status, 0 without an answer.
	StatusCode int
	// Err says why the attempt failed; empty when it succeeded.
	Err     string
	Excerpt string
	Latency time.Duration
}

// OK says whether the receiver took the event (any 2xx).
func (r Result) OK() bool { return r.Err == "" }

// Sender makes delivery attempts over a client that dials through a Guard,
// follows no redirect, uses no proxy and gives up after a timeout.
type Sender struct {
	client *http.Client
}

// NewSender returns a Sender that gives each attempt timeout.
func NewSender(g Guard, timeout time.Duration) *Sender {
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, unchecked
		DialContext:           g.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &Sender{client: &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Send posts body to url, signed with secrets as message id at at.
func (s *Sender) Send(ctx context.Context, url string, secrets []Secret, id string, at time.Time, body []byte) Result {
	headers, err := Headers(secrets, id, at, body)
	if err != nil {
		return Result{Err: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: "invalid url"}
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ReceiptsAPI-Webhooks/1")
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Err: describe(err), Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	read, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseRead))
	res := Result{StatusCode: resp.StatusCode, Excerpt: excerpt(read), Latency: time.Since(start)}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Err = fmt.Sprintf("redirect (%d) not followed", resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		res.Err = fmt.Sprintf("answered %d", resp.StatusCode)
	}
	return res
}

// describe says what went wrong with an attempt that got no answer, in
// words for the delivery log: never a secret, and never more than the
// error's own text.
func describe(err error) string {
	var blocked *BlockedError
	var ue *URLError
	var ne net.Error
	switch {
	case errors.As(err, &blocked):
		return "refused: " + blocked.Error()
	case errors.As(err, &ue):
		return "refused: " + ue.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	msg := err.Error()
	if len(msg) > ResponseExcerpt {
		msg = msg[:ResponseExcerpt]
	}
	return msg
}

// excerpt is the start of a body, cut at a character boundary.
func excerpt(b []byte) string {
	if len(b) > ResponseExcerpt {
		b = b[:ResponseExcerpt]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}
