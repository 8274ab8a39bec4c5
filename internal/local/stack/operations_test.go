//go:build integration

package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/local/testenv"
)

// TestProcessorLogsAndMetrics: what someone on call reads of one receipt.
// The processor logs JSON lines carrying the request id and the receipt id,
// writes an EMF record with its stage timings, and GET answers them.
func TestProcessorLogsAndMetrics(t *testing.T) {
	st, logs := sharedStack(t)
	c := newClient(t, st, "tenant-ops")
	imgs, _ := filepath.Glob(filepath.Join(testenv.Root(t), "..", "shared", "receipts", "sroie", "img", "*.jpg"))
	if len(imgs) == 0 {
		t.Fatal("no shared receipts")
	}
	data, err := os.ReadFile(imgs[0])
	if err != nil {
		t.Fatal(err)
	}
	id := c.uploadID(t, filepath.Base(imgs[0]), data)
	body := c.waitDone(t, id)
	if body["status"] != "COMPLETED" || body["engine"] != "tesseract" {
		t.Fatalf("status %v engine %v", body["status"], body["engine"])
	}
	timings, _ := body["timings"].(map[string]any)
	if total, _ := timings["total"].(float64); total <= 0 || timings["ocr"].(float64) > total {
		t.Errorf("timings %v: want a total covering ocr", timings)
	}

	// The result is written before the processor logs it and writes its
	// metrics: give those lines a moment.
	var logged, measured bool
	for deadline := time.Now().Add(30 * time.Second); !(logged && measured) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		logged, measured = processorLines(t, logs, id)
	}
	if !logged {
		t.Error("no JSON log line of the processor with the request id, tenant and receipt id")
	}
	if !measured {
		t.Error("no EMF record of the receipt's outcome and stage timings")
	}
}

// processorLines says whether the processor logged a JSON line about
// receipt id with its request id, and wrote its EMF record.
func processorLines(t *testing.T, logs *logBuffer, id string) (logged, measured bool) {
	t.Helper()
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, line := range logs.lines {
		rest, ok := strings.CutPrefix(line, "[ProcessorFunction] ")
		if !ok || !strings.HasPrefix(rest, "{") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(rest), &rec); err != nil {
			t.Errorf("processor line is not JSON: %v: %s", err, rest)
			continue
		}
		if rec["id"] != id {
			continue
		}
		if _, emf := rec["_aws"]; emf {
			measured = measured || rec["Outcome"] == "COMPLETED" && rec["TotalTime"] != nil && rec["OcrTime"] != nil && rec["QueuedTime"] != nil
			continue
		}
		if rid, _ := rec["requestId"].(string); rid != "" && rec["level"] != nil && rec["tenant"] == "tenant-ops" {
			logged = true
		}
	}
	return logged, measured
}
