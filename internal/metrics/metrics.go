// Package metrics writes CloudWatch metrics as Embedded Metric Format (EMF)
// log lines: CloudWatch turns each line into metrics as it ingests the
// function's logs, so the hot path makes no API call and no metric is lost
// when a function is frozen or killed after it logged.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace holds every metric of the service.
const Namespace = "ReceiptsAPI"

// Unit is a CloudWatch metric unit.
type Unit string

// The units the service's metrics use.
const (
	Milliseconds Unit = "Milliseconds"
	Count        Unit = "Count"
	Bytes        Unit = "Bytes"
)

// Value is one measurement.
type Value struct {
	Name  string
	Unit  Unit
	Value float64
}

// Record is one EMF line: values that share dimensions, plus properties that
// are searchable in the logs but are not dimensions. Dimensions must be of
// low cardinality (an engine, an outcome, a route), never a tenant or a
// receipt id: each distinct combination is a metric CloudWatch bills for.
type Record struct {
	Dimensions map[string]string
	Values     []Value
	Properties map[string]any
}

// Writer writes records, one line each, to a function's output.
type Writer struct {
	mu  sync.Mutex
	out io.Writer
	now func() time.Time
}

// New returns a Writer to out (the function's stdout in Lambda).
func New(out io.Writer) *Writer { return &Writer{out: out, now: time.Now} }

// Write writes r as one EMF line.
func (w *Writer) Write(r Record) error {
	b, err := Encode(r, w.now())
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.out.Write(append(b, '\n'))
	return err
}

// Encode returns r in EMF, timestamped at.
func Encode(r Record, at time.Time) ([]byte, error) {
	doc := make(map[string]any, len(r.Properties)+len(r.Dimensions)+len(r.Values)+1)
	maps.Copy(doc, r.Properties)
	dims := slices.Sorted(maps.Keys(r.Dimensions))
	for _, k := range dims {
		doc[k] = r.Dimensions[k]
	}
	defs := make([]map[string]string, 0, len(r.Values))
	for _, v := range r.Values {
		if _, taken := r.Dimensions[v.Name]; taken {
			return nil, fmt.Errorf("metric %s has the name of a dimension", v.Name)
		}
		doc[v.Name] = v.Value
		defs = append(defs, map[string]string{"Name": v.Name, "Unit": string(v.Unit)})
	}
	doc["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  Namespace,
			"Dimensions": [][]string{dims},
			"Metrics":    defs,
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode metrics: %w", err)
	}
	return b, nil
}
