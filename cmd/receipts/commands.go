package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/receipts-api/receipts/internal/receipt"
)

// directLimit is the largest file sent through POST /receipt; larger ones
// go through a presigned upload.
const directLimit = 4<<20 - 64<<10

type uploadCmd struct {
	Files []string `arg:"" name:"file" help:"PNG, JPG or PDF files, up to 10 MB each."`
	Wait  bool     `help:"Wait until each receipt is processed."`
}

func (u *uploadCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	files := u.Files
	var results []receiptJSON
	failed := 0
	for i, path := range files {
		r, err := uploadOne(ctx, cfg, c, path, u.Wait, fmt.Sprintf("[%d/%d] ", i+1, len(files)))
		if err != nil {
			failed++
			fmt.Fprintf(cfg.errOut, "%s: %v\n", path, err)
			continue
		}
		results = append(results, r)
	}
	if cfg.json {
		printJSON(cfg, results)
	} else {
		printTable(cfg, results)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d uploads failed", failed, len(files))
	}
	return nil
}

func uploadOne(ctx context.Context, cfg *config, c *client, path string, wait bool, label string) (receiptJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ct := receipt.Sniff(data)
	if ct == "" {
		return nil, errors.New("not a PNG, JPG or PDF")
	}
	if len(data) > receipt.MaxDocumentBytes {
		return nil, fmt.Errorf("%s is over the 10 MB limit", size(int64(len(data))))
	}
	name := filepath.Base(path)
	fmt.Fprintf(cfg.errOut, "%s%s (%s)\n", label, name, size(int64(len(data))))
	progress := cfg.errOut
	if len(data) < 1<<20 {
		progress = nil // nothing to watch
	}
	var id string
	if len(data) <= directLimit {
		id, err = c.uploadDirect(ctx, name, data, progress)
	} else {
		id, err = c.uploadPresigned(ctx, name, ct, data, progress)
	}
	if err != nil {
		return nil, err
	}
	if !wait {
		return receiptJSON{"uuid": id, "filename": name, "status": "PROCESSING"}, nil
	}
	for {
		r, err := c.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if s := r["status"]; s != "PROCESSING" && s != "UPLOADING" {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

type getCmd struct {
	ID string `arg:"" name:"id" help:"The receipt's id."`
}

func (g *getCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	r, err := c.get(ctx, g.ID)
	if err != nil {
		return err
	}
	if cfg.json {
		printJSON(cfg, r)
		return nil
	}
	printTable(cfg, []receiptJSON{r})
	if d, _ := r["details"].(string); d != "" {
		fmt.Fprintf(cfg.out, "\n%s\n", d)
	}
	return nil
}

type listCmd struct {
	Status string `placeholder:"STATUS" help:"Only receipts in this status (UPLOADING, PROCESSING, COMPLETED, FAILED)."`
	Limit  int    `default:"20" placeholder:"N" help:"Receipts to list (a page's worth with --all)."`
	All    bool   `help:"Every page."`
}

func (l *listCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	var rs []receiptJSON
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(l.Limit)}}
		if l.Status != "" {
			q.Set("status", l.Status)
		}
		page, err := c.listPage(ctx, q, cursor)
		if err != nil {
			return err
		}
		rs = append(rs, page.Receipts...)
		// A filtered page may be short, or empty, with more to follow: keep
		// going until a page's worth is found (or every page, with --all).
		if cursor = page.NextCursor; cursor == "" || (!l.All && len(rs) >= l.Limit) {
			break
		}
	}
	if !l.All && len(rs) > l.Limit {
		rs = rs[:l.Limit]
	}
	if cfg.json {
		printJSON(cfg, rs)
	} else {
		printTable(cfg, rs)
	}
	return nil
}

type deleteCmd struct {
	ID string `arg:"" name:"id" help:"The receipt's id."`
}

func (d *deleteCmd) Run(ctx context.Context, cfg *config) error {
	c, err := cfg.api()
	if err != nil {
		return err
	}
	if err := c.do(ctx, "DELETE", "/receipt/"+url.PathEscape(d.ID), "", nil, nil); err != nil {
		return err
	}
	if cfg.json {
		printJSON(cfg, map[string]any{"deleted": d.ID})
	} else {
		fmt.Fprintf(cfg.out, "deleted %s\n", d.ID)
	}
	return nil
}

func printJSON(cfg *config, v any) {
	enc := json.NewEncoder(cfg.out)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func printTable(cfg *config, rs []receiptJSON) {
	w := tabwriter.NewWriter(cfg.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tFILE\tVENDOR\tDATE\tTOTAL")
	for _, r := range rs {
		f, _ := r["fields"].(map[string]any)
		total := str(f["total"])
		if cur := str(f["currency"]); cur != "" && total != "" {
			total = cur + " " + total
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", str(r["uuid"]), str(r["status"]), str(r["filename"]), str(f["vendor"]), str(f["date"]), total)
	}
	_ = w.Flush()
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
