package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
)

type exportCmd struct {
	From     string `placeholder:"YYYY-MM-DD" help:"Only receipts dated on or after this day (receipts without a date are then left out)."`
	To       string `placeholder:"YYYY-MM-DD" help:"Only receipts dated on or before this day."`
	Vendor   string `placeholder:"PREFIX" help:"Only receipts whose vendor starts with this (any case, spaces and punctuation ignored)."`
	MinTotal string `name:"min-total" placeholder:"AMOUNT" help:"Only receipts with a total of at least this."`
	MaxTotal string `name:"max-total" placeholder:"AMOUNT" help:"Only receipts with a total of at most this."`
	Format   string `default:"csv" enum:"csv,json" help:"csv (one row per receipt) or json (an array of receipts)."`
	Out      string `short:"o" placeholder:"FILE" help:"Write here rather than to standard output."`
}

// csvColumns are the export's columns: the receipt, then its fields as
// clients see them (corrections applied).
var csvColumns = []string{"id", "status", "date", "vendor", "total", "subtotal", "tax", "currency", "country", "address",
	"lineItems", "filename", "createdAt", "corrected", "duplicateOf", "possibleDuplicateOf"}

// Run writes every matching receipt, paging the API (100 a request) and
// reporting its progress on stderr.
func (e *exportCmd) Run(ctx context.Context, cfg *config) (err error) {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	out := cfg.out
	if e.Out != "" {
		f, err := os.Create(e.Out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		out = f
	}
	format := e.Format
	if cfg.json {
		format = "json"
	}
	w := newExportWriter(format, out)
	q := url.Values{"limit": {"100"}}
	for name, v := range map[string]string{"from": e.From, "to": e.To, "vendor": e.Vendor, "minTotal": e.MinTotal, "maxTotal": e.MaxTotal} {
		if v != "" {
			q.Set(name, v)
		}
	}
	n, pages := 0, 0
	for cursor := ""; ; {
		page, err := c.listPage(ctx, q, cursor)
		if err != nil {
			return err
		}
		for _, r := range page.Receipts {
			if err := w.write(r); err != nil {
				return err
			}
		}
		n, pages = n+len(page.Receipts), pages+1
		fmt.Fprintf(cfg.errOut, "\rexported %d receipts (%d requests)", n, pages)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	fmt.Fprintln(cfg.errOut)
	return w.close()
}

// exportWriter writes receipts as CSV rows or as a JSON array, as they
// come, so an export of any size holds one page in memory.
type exportWriter struct {
	csv   *csv.Writer
	json  io.Writer
	count int
}

func newExportWriter(format string, out io.Writer) *exportWriter {
	if format == "json" {
		return &exportWriter{json: out}
	}
	w := &exportWriter{csv: csv.NewWriter(out)}
	_ = w.csv.Write(csvColumns)
	return w
}

func (w *exportWriter) write(r receiptJSON) error {
	w.count++
	if w.json != nil {
		delete(r, "details") // the raw text: GET /receipt/{id} has it
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		sep := ",\n  "
		if w.count == 1 {
			sep = "[\n  "
		}
		_, err = io.WriteString(w.json, sep+string(b))
		return err
	}
	return w.csv.Write(csvRow(r))
}

func (w *exportWriter) close() error {
	if w.json != nil {
		end := "\n]\n"
		if w.count == 0 {
			end = "[]\n"
		}
		_, err := io.WriteString(w.json, end)
		return err
	}
	w.csv.Flush()
	return w.csv.Error()
}

// csvRow is a receipt's row. Every value is one line (a spreadsheet
// shows a row per receipt), and text that a spreadsheet would take for a
// formula (=, +, -, @ first) is quoted with an apostrophe.
func csvRow(r receiptJSON) []string {
	f, _ := r["fields"].(map[string]any)
	items, _ := f["lineItems"].([]any)
	var corrected []string
	if c, ok := r["corrections"].(map[string]any); ok {
		for name := range c {
			corrected = append(corrected, name)
		}
		slices.Sort(corrected)
	}
	count := ""
	if len(items) > 0 {
		count = fmt.Sprint(len(items))
	}
	row := []string{str(r["uuid"]), str(r["status"]), str(f["date"]), text(f["vendor"]), str(f["total"]), str(f["subtotal"]),
		str(f["tax"]), str(f["currency"]), str(f["country"]), text(f["address"]), count, text(r["filename"]),
		str(r["createdAt"]), strings.Join(corrected, " "), str(r["duplicateOf"]), str(r["possibleDuplicateOf"])}
	for i, v := range row {
		row[i] = strings.Join(strings.Fields(v), " ")
	}
	return row
}

// text is a text cell on one line, never read as a formula.
func text(v any) string {
	s := strings.Join(strings.Fields(str(v)), " ")
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
