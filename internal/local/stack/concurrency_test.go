//go:build integration

package stack_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// TestOneIdempotencyKeyFromTenClients: ten clients send the same upload
// with one Idempotency-Key at once. One receipt is created; every answer is
// its id, or 409 while the first is in flight.
func TestOneIdempotencyKeyFromTenClients(t *testing.T) {
	st, _ := sharedStack(t)
	const tenant = "idem-race"
	c := newClient(t, st, tenant)
	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	w, _ := mw.CreateFormFile("file", "r.png")
	_, _ = w.Write(pngBytes)
	_ = mw.Close()
	var mu sync.Mutex
	answers := map[string]int{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", c.base+"/receipt", bytes.NewReader(body.Bytes()))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+c.key)
			req.Header.Set("Idempotency-Key", "one-key")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			mu.Lock()
			answers[fmt.Sprintf("%d %s", resp.StatusCode, b)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for a := range answers {
		var status int
		var rest string
		fmt.Sscanf(a, "%d %s", &status, &rest)
		switch status {
		case 200:
			ids[rest] = true
		case 409:
		default:
			t.Errorf("answer %s, want 200 with the id or 409", a)
		}
	}
	if len(ids) != 1 {
		t.Errorf("answers %v name %d receipts, want one", answers, len(ids))
	}
	list, _, err := st.Store().List(t.Context(), tenant, receipt.ListQuery{Limit: 100}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d receipts stored, want 1", len(list))
	}
}

// TestDeleteRacingProcessing deletes receipts while they are processed,
// some with texts long enough to be stored beside the file: every DELETE
// is answered 204, and nothing comes back, neither the receipt nor a file
// or a stored text.
func TestDeleteRacingProcessing(t *testing.T) {
	st, _ := sharedStack(t)
	const tenant = "delete-race"
	c := newClient(t, st, tenant)
	docs := [][]byte{sroie(t, "000.jpg")[0], textPDF(30), pngBytes}
	var wg sync.WaitGroup
	for i := range 24 {
		id := c.uploadID(t, "r", docs[i%len(docs)])
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Across the receipt's processing: before, during, around
			// the write of its result.
			time.Sleep(time.Duration(i%8) * 250 * time.Millisecond)
			if status, body := c.send(t, "DELETE", "/receipt/"+id, "", nil); status != 204 {
				t.Errorf("DELETE %s: %d %s", id, status, body)
			}
		}()
	}
	wg.Wait()
	checkWhole(t, st, tenant, 0)
	var listed struct{ Receipts []any }
	_, body := c.send(t, "GET", "/receipts", "", nil)
	if err := json.Unmarshal([]byte(body), &listed); err != nil || len(listed.Receipts) != 0 {
		t.Errorf("receipts after the deletes: %s", body)
	}
}
