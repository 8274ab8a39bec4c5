// Command receipts is the Receipts API's command-line client.
//
//	receipts upload FILE... [--wait]   upload receipts (presigned S3 upload above 4 MiB)
//	receipts get ID                    a receipt's status and fields
//	receipts list [--status S] [--limit N]
//	receipts delete ID
//	receipts keys create --tenant NAME | keys list | keys revoke PREFIX
//
// It talks to the local stack by default (what `make dev` runs, found
// through .local/), or to a deployed stack with --url and --key (or
// RECEIPTS_URL and RECEIPTS_API_KEY); key commands reach the table directly
// (--table or RECEIPTS_TABLE, with the usual AWS credentials). --json prints
// JSON for scripts. Any failure exits non-zero.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// config is where the CLI sends its requests.
type config struct {
	url, key, table string
	json            bool
	out, errOut     io.Writer
}

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

type usageError string

func (u usageError) Error() string { return string(u) }

const usage = `usage: receipts [--url URL] [--key KEY] [--json] COMMAND
  upload FILE... [--wait]     upload receipts
  get ID                      show a receipt
  list [--status S] [--limit N] [--all]
  delete ID                   delete a receipt and its file
  keys create --tenant NAME   create an API key (printed once)
  keys list                   list keys (by prefix)
  keys revoke PREFIX          revoke a key`

func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("receipts", flag.ContinueOnError)
	fs.SetOutput(errOut)
	cfg := config{out: out, errOut: errOut}
	fs.StringVar(&cfg.url, "url", os.Getenv("RECEIPTS_URL"), "API base URL (default: the local stack)")
	fs.StringVar(&cfg.key, "key", os.Getenv("RECEIPTS_API_KEY"), "API key (default: the local stack's dev key)")
	fs.StringVar(&cfg.table, "table", os.Getenv("RECEIPTS_TABLE"), "DynamoDB table, for key commands (default: the local stack's)")
	fs.BoolVar(&cfg.json, "json", false, "print JSON")
	fs.Usage = func() { fmt.Fprintln(errOut, usage) }
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return usageError("no command")
	}
	cmd, rest := rest[0], rest[1:]
	// Flags may also follow the command: receipts list --json.
	rest, err := commonFlags(&cfg, rest)
	if err != nil {
		return err
	}
	if cmd == "keys" {
		return keys(ctx, &cfg, rest)
	}
	if err := cfg.locate(); err != nil {
		return err
	}
	c := newClient(cfg.url, cfg.key)
	switch cmd {
	case "upload":
		return upload(ctx, &cfg, c, rest)
	case "get":
		return get(ctx, &cfg, c, rest)
	case "list":
		return list(ctx, &cfg, c, rest)
	case "delete":
		return del(ctx, &cfg, c, rest)
	}
	fs.Usage()
	return usageError("unknown command " + cmd)
}

// flagsFirst moves flags before positional arguments, so a command's flags
// may follow its arguments (receipts upload a.jpg --wait). It assumes
// boolean flags or --name=value forms for the flags it moves.
func flagsFirst(args []string) []string {
	var flags, rest []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}

// commonFlags takes --json, --url and --key from anywhere in args.
func commonFlags(cfg *config, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		var dst *string
		switch name {
		case "json":
			cfg.json = true
			continue
		case "url":
			dst = &cfg.url
		case "key":
			dst = &cfg.key
		case "table":
			dst = &cfg.table
		default:
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, usageError("--" + name + " needs a value")
			}
			i++
			value = args[i]
		}
		*dst = value
	}
	return rest, nil
}
