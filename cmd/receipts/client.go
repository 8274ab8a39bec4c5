package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// client calls the Receipts API.
type client struct {
	base, key string
	http      *http.Client
}

func newClient(base, key string) *client {
	return &client{base: strings.TrimRight(base, "/"), key: key, http: &http.Client{Timeout: 5 * time.Minute}}
}

// apiError is an answer outside 2xx.
type apiError struct {
	Status  int
	Message string
	// RetryAfter is how long the answer asks to wait before trying again.
	RetryAfter time.Duration
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// maxThrottled is how many times a request the API throttled (429) is sent
// again, each after the Retry-After it was given.
const maxThrottled = 5

// do sends a request, its body made by body (nil for none) each time it is
// sent, and decodes a 2xx answer into out. A 429 is sent again after its
// Retry-After, up to maxThrottled times.
func (c *client) do(ctx context.Context, method, path, contentType string, body func() io.Reader, out any) error {
	for attempt := 0; ; attempt++ {
		var r io.Reader
		if body != nil {
			r = body()
		}
		err := c.send(ctx, method, path, contentType, r, out)
		var e *apiError
		if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests || attempt == maxThrottled {
			return err
		}
		select {
		case <-time.After(e.RetryAfter):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *client) send(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return &apiError{Status: resp.StatusCode, Message: e.Error, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// retryAfter reads a Retry-After of seconds: one second when absent or
// unreadable, at most a minute.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		n = 1
	}
	return time.Duration(min(n, 60)) * time.Second
}

// receiptJSON is a receipt as the API returns it.
type receiptJSON = map[string]any

func (c *client) uploadDirect(ctx context.Context, name string, data []byte, progress io.Writer) (string, error) {
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, err := mw.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	_, _ = w.Write(data)
	_ = mw.Close()
	var id string
	err = c.do(ctx, "POST", "/receipt", mw.FormDataContentType(), func() io.Reader {
		return withProgress(bytes.NewReader(body.Bytes()), int64(body.Len()), progress)
	}, &id)
	return id, err
}

func (c *client) uploadPresigned(ctx context.Context, name, contentType string, data []byte, progress io.Writer) (string, error) {
	req, _ := json.Marshal(map[string]any{"filename": name, "contentType": contentType, "size": len(data)})
	var ticket struct {
		UUID, UploadURL, Method string
		Headers                 map[string]string
	}
	if err := c.do(ctx, "POST", "/receipt/uploads", "application/json", func() io.Reader { return bytes.NewReader(req) }, &ticket); err != nil {
		return "", err
	}
	put, err := http.NewRequestWithContext(ctx, ticket.Method, ticket.UploadURL, withProgress(bytes.NewReader(data), int64(len(data)), progress))
	if err != nil {
		return "", err
	}
	for k, v := range ticket.Headers {
		put.Header.Set(k, v)
	}
	put.ContentLength = int64(len(data))
	resp, err := c.http.Do(put)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("upload to storage: %s", resp.Status)
	}
	return ticket.UUID, nil
}

func (c *client) get(ctx context.Context, id string) (receiptJSON, error) {
	var r receiptJSON
	err := c.do(ctx, "GET", "/receipt/"+url.PathEscape(id), "", nil, &r)
	return r, err
}

// progressReader reports how much of a body has been sent.
type progressReader struct {
	r          io.Reader
	total, n   int64
	out        io.Writer
	lastReport int
}

func withProgress(r io.Reader, total int64, out io.Writer) io.Reader {
	if out == nil {
		return r
	}
	return &progressReader{r: r, total: total, out: out, lastReport: -1}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if pct := int(100 * p.n / max(p.total, 1)); pct/10 != p.lastReport/10 || (err == io.EOF && pct != p.lastReport) {
		p.lastReport = pct
		fmt.Fprintf(p.out, "\r  %3d%% of %s", pct, size(p.total))
		if err == io.EOF || p.n >= p.total {
			fmt.Fprintln(p.out)
		}
	}
	return n, err
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// receiptsPage is a page of GET /receipts.
type receiptsPage struct {
	Receipts   []receiptJSON `json:"receipts"`
	NextCursor string        `json:"nextCursor"`
}

// listPage reads the page of GET /receipts with the query q that follows
// cursor ("" for the first).
func (c *client) listPage(ctx context.Context, q url.Values, cursor string) (receiptsPage, error) {
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var page receiptsPage
	err := c.do(ctx, "GET", "/receipts?"+q.Encode(), "", nil, &page)
	return page, err
}
