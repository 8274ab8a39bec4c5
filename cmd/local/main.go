// Command local runs the service on this machine, no Docker or AWS account
// needed: DynamoDB Local, an in-process S3, and every function of
// template.yaml behind a local API Gateway and the Lambda Runtime API.
//
//	local start [--port 3000] [--watch=false] [--data .local/data] [--reset] [--extractions N]
//	                                                run the stack until interrupted
//	local invoke <FunctionLogicalId> --event <file> run one function with an event
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/receipts-api/receipts/internal/local/stack"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "start":
		err = start(os.Args[2:])
	case "invoke":
		err = invoke(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: local start [--port N] [--env-vars FILE] [--watch=false] [--data DIR] [--reset] [--extractions N]\n       local invoke FUNCTION --event FILE [--env-vars FILE]")
	os.Exit(2)
}

func start(args []string) error {
	fs := flag.NewFlagSet("start", flag.ExitOnError)
	host := fs.String("host", "127.0.0.1", "address the API listens on")
	port := fs.Int("port", 3000, "port the API listens on")
	envVars := fs.String("env-vars", "", "SAM env-vars JSON file (default env.json)")
	watch := fs.Bool("watch", true, "rebuild and reload a function when its Go sources or embedded files change")
	data := fs.String("data", filepath.Join(".local", "data"), "folder that keeps the tables, files and keys across restarts (empty: memory only)")
	reset := fs.Bool("reset", false, "delete the data folder first, to start empty")
	extractions := fs.Int("extractions", 0, "most documents extracted at once (0: one per core)")
	_ = fs.Parse(args)
	if *reset && *data != "" {
		if err := os.RemoveAll(*data); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}

	// Stop when interrupted, terminated, or when whatever started us (make)
	// goes away, so no process outlives `make dev`.
	dieWithParent()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	fmt.Fprintln(os.Stderr, "starting the local stack...")
	st, err := stack.Start(ctx, stack.Config{
		Root: ".", EnvFile: *envVars, APIAddr: fmt.Sprintf("%s:%d", *host, *port), Watch: *watch,
		DataDir: *data, Extractions: *extractions,
	})
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := st.DevKey(ctx, "dev", filepath.Join(".local", "dev-api-key"))
	if err != nil {
		return fmt.Errorf("dev key: %w", err)
	}
	if err := writeStackFile(st); err != nil {
		return err
	}
	fmt.Printf(`
Receipts API running at %[1]s
  DynamoDB Local  %[2]s
  S3              %[3]s
  SQS             %[5]s
  API key         %[4]s  (tenant "dev"; also in .local/dev-api-key)
  Data            %[7]s

  KEY=$(cat .local/dev-api-key)
  curl -H "Authorization: Bearer $KEY" -F file=@receipt.jpg %[1]s/receipt
  curl -H "Authorization: Bearer $KEY" %[1]s/receipt/<id>

%[6]sCtrl-C stops everything.
`, st.APIURL, st.Dynamo.Endpoint, st.S3.Endpoint, key, st.SQSEndpoint, watching(*watch), keeping(*data))
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "stopping...")
		return nil
	case <-st.Done():
		return fmt.Errorf("the local stack stopped: %w", st.Err())
	}
}

// keeping is what the banner says of the data.
func keeping(dir string) string {
	if dir == "" {
		return "in memory, gone when the stack stops"
	}
	return dir + " (kept across restarts; make dev RESET=1 starts empty)"
}

// watching is what the banner says of rebuilding on change.
func watching(on bool) string {
	if on {
		return "Editing a function's Go sources (or files it embeds) rebuilds and reloads it.\n"
	}
	return ""
}

func invoke(args []string) error {
	if len(args) < 1 {
		usage()
	}
	function := args[0]
	fs := flag.NewFlagSet("invoke", flag.ExitOnError)
	eventFile := fs.String("event", "", "event JSON file")
	envVars := fs.String("env-vars", "", "SAM env-vars JSON file (default env.json)")
	_ = fs.Parse(args[1:])
	event := []byte("{}")
	if *eventFile != "" {
		var err error
		if event, err = os.ReadFile(*eventFile); err != nil {
			return err
		}
	}
	dieWithParent()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := stack.Start(ctx, stack.Config{Root: ".", EnvFile: *envVars, Logs: os.Stderr})
	if err != nil {
		return err
	}
	defer st.Close()
	out, err := st.Invoke(ctx, function, event)
	if len(out) > 0 {
		_, _ = os.Stdout.Write(out)
		_, _ = io.WriteString(os.Stdout, "\n")
	}
	return err
}

// writeStackFile tells other tools (the receipts CLI) where the running
// stack is.
func writeStackFile(st *stack.Stack) error {
	b, _ := json.MarshalIndent(map[string]string{
		"api": st.APIURL, "dynamodb": st.Dynamo.Endpoint, "s3": st.S3.Endpoint, "sqs": st.SQSEndpoint,
		"table": st.Template.PhysicalName("ReceiptsTable"), "bucket": st.Template.PhysicalName("ReceiptsBucket"),
	}, "", "  ")
	return os.WriteFile(filepath.Join(".local", "stack.json"), b, 0o600)
}
