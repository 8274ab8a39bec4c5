// Command receipts is the Receipts API's command-line client.
//
//	receipts upload FILE... [--wait]   upload receipts (presigned S3 upload above 4 MiB)
//	receipts get ID                    a receipt's status and fields
//	receipts list [--status S] [--limit N] [--all]
//	receipts delete ID
//	receipts export [--from DATE] [--to DATE] [--format csv|json] [-o FILE]
//	receipts keys create --tenant NAME | keys list | keys revoke PREFIX
//	receipts webhooks add URL [--events E,...] | list | remove ID | deliveries ID
//	receipts webhooks listen           print the events of your receipts as they come
//
// It talks to the local stack by default (what `make dev` runs, found
// through .local/), or to a deployed stack with --url and --key (or
// RECEIPTS_URL and RECEIPTS_API_KEY); key commands reach the table directly
// (--table or RECEIPTS_TABLE, with the usual AWS credentials). --json prints
// JSON for scripts. Flags may come before or after the command and its
// arguments. A mistake in the command line exits 2, any other failure 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "receipts:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// commandLine is the command line: the flags every command takes, and the commands.
type commandLine struct {
	URL   string `name:"url" env:"RECEIPTS_URL" placeholder:"URL" help:"API base URL (default: the local stack)."`
	Key   string `name:"key" env:"RECEIPTS_API_KEY" placeholder:"KEY" help:"API key (default: the local stack's dev key)."`
	Table string `name:"table" env:"RECEIPTS_TABLE" placeholder:"TABLE" help:"DynamoDB table, for key commands (default: the local stack's)."`
	JSON  bool   `name:"json" help:"Print JSON."`

	Upload uploadCmd `cmd:"" help:"Upload receipts (a presigned S3 upload above 4 MiB)."`
	Get    getCmd    `cmd:"" help:"Show a receipt: fields and raw text."`
	List   listCmd   `cmd:"" help:"List receipts, newest first."`
	Delete deleteCmd `cmd:"" help:"Delete a receipt and its file."`
	Export exportCmd `cmd:"" help:"Write every matching receipt (fields as corrected) as CSV or JSON, paging the API."`
	Keys   keysCmd   `cmd:"" help:"Manage API keys (reaches the table directly)."`

	Webhooks webhooksCmd `cmd:"" help:"Manage webhook endpoints, see their deliveries, or listen for events."`
}

// config is where the CLI sends its requests and writes its answers.
type config struct {
	url, key, table string
	json            bool
	out, errOut     io.Writer
}

func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	var c commandLine
	helped := false
	parser, err := kong.New(&c,
		kong.Name("receipts"),
		kong.Description("The Receipts API's command-line client."),
		kong.Writers(out, errOut),
		kong.Exit(func(int) { helped = true }), // only --help exits, and with 0
		kong.BindTo(ctx, (*context.Context)(nil)),
	)
	if err != nil {
		return err
	}
	kctx, err := parser.Parse(args)
	if helped {
		return nil
	}
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) && perr.Context != nil {
			parser.Stdout = errOut
			_ = perr.Context.PrintUsage(true)
		}
		return usageError{err}
	}
	cfg := &config{url: c.URL, key: c.Key, table: c.Table, json: c.JSON, out: out, errOut: errOut}
	return kctx.Run(cfg)
}

// api returns a client of the API the flags, or the local stack, name.
func (c *config) api() (*client, error) {
	if err := c.locate(); err != nil {
		return nil, err
	}
	return newClient(c.url, c.key), nil
}
