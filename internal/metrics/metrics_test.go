//go:build !integration

package metrics

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWriteIsOneEMFLine(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf)
	w.now = func() time.Time { return time.UnixMilli(1700000000123) }
	err := w.Write(Record{
		Dimensions: map[string]string{"Outcome": "COMPLETED", "Engine": "tesseract"},
		Values:     []Value{{"OcrTime", Milliseconds, 812}, {"Pages", Count, 1}},
		Properties: map[string]any{"receiptId": "r1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("want exactly one line, got %q", line)
	}
	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
	}
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("not JSON: %v: %s", err, line)
	}
	var doc map[string]any
	_ = json.Unmarshal([]byte(line), &doc)
	if doc["Outcome"] != "COMPLETED" || doc["Engine"] != "tesseract" || doc["receiptId"] != "r1" {
		t.Errorf("dimension or property values missing: %s", line)
	}
	if got.AWS.Timestamp != 1700000000123 || len(got.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("_aws = %+v", got.AWS)
	}
	m := got.AWS.CloudWatchMetrics[0]
	if m.Namespace != Namespace {
		t.Errorf("namespace %q", m.Namespace)
	}
	if len(m.Dimensions) != 1 || strings.Join(m.Dimensions[0], ",") != "Engine,Outcome" {
		t.Errorf("dimensions %v, want one set [Engine Outcome]", m.Dimensions)
	}
	if len(m.Metrics) != 2 || m.Metrics[0].Name != "OcrTime" || m.Metrics[0].Unit != "Milliseconds" || m.Metrics[1].Unit != "Count" {
		t.Errorf("metrics %+v", m.Metrics)
	}
	if doc["OcrTime"] != 812.0 || doc["Pages"] != 1.0 {
		t.Errorf("values: %s", line)
	}
}

func TestMetricNamedLikeADimensionIsRefused(t *testing.T) {
	_, err := Encode(Record{Dimensions: map[string]string{"Route": "x"}, Values: []Value{{"Route", Count, 1}}}, time.Now())
	if err == nil {
		t.Fatal("want an error")
	}
}
