// Package stack assembles the local stand-in for the deployed stack:
// DynamoDB Local with the template's tables, an in-process S3 with its
// buckets, every function's real binary behind the Lambda Runtime API, and
// the local API Gateway in front. cmd/local and the integration tests use it.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/receipts-api/receipts/internal/local/apigateway"
	"github.com/receipts-api/receipts/internal/local/dynamolocal"
	"github.com/receipts-api/receipts/internal/local/lambdalocal"
	"github.com/receipts-api/receipts/internal/local/s3local"
	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// Region is where the local stack pretends to run.
const Region = "us-east-1"

// Config says what to run and where.
type Config struct {
	// Root is the project folder, holding template.yaml and env.json.
	Root string
	// EnvFile is a SAM --env-vars file; empty means Root/env.json if present.
	EnvFile string
	// APIAddr is where the API listens; empty runs no API.
	APIAddr string
	// BuildDir receives the compiled functions; empty means Root/.local/build.
	BuildDir string
	// Logs receives the functions' output and the stack's own log.
	Logs io.Writer
	// Env overrides functions' variables after the template and env.json,
	// by logical id; tests use it to break a function on purpose.
	Env map[string]map[string]string
	// Parameters override the template's parameters, as
	// --parameter-overrides does.
	Parameters map[string]string
	// Watch rebuilds a function when the Go sources or embedded files it
	// is built from change, and sends later invocations to the new binary.
	Watch bool
}

// Stack is a running local stack.
type Stack struct {
	Template *samtemplate.Template
	Dynamo   *dynamolocal.Server
	S3       *s3local.Server
	// APIURL is the API's base URL, when one runs.
	APIURL string
	// DB is a client of the stack's DynamoDB Local.
	DB *dynamodb.Client
	// SQSEndpoint is the URL of the stack's SQS endpoint.
	SQSEndpoint string

	root     string
	buildDir string
	hosts    map[string]*lambdalocal.Host
	fns      map[string]lambdalocal.Function
	api      *http.Server
	log      *slog.Logger
	logs     *lineWriter
	queues   *queues
	sqs      *http.Server
	stop     context.CancelFunc
	loops    sync.WaitGroup
}

// Start builds the functions and starts every part of the stack. On error,
// whatever had started is stopped.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Root, err = filepath.Abs(cfg.Root); err != nil {
		return nil, err
	}
	if cfg.Logs == nil {
		cfg.Logs = os.Stderr
	}
	if cfg.BuildDir == "" {
		cfg.BuildDir = filepath.Join(cfg.Root, ".local", "build")
	}
	logs := newLineWriter(cfg.Logs)
	s := &Stack{root: cfg.Root, buildDir: cfg.BuildDir, hosts: map[string]*lambdalocal.Host{},
		fns: map[string]lambdalocal.Function{}, logs: logs,
		log: slog.New(slog.NewTextHandler(logs.prefixed("local"), nil))}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	s.Template, err = samtemplate.Load(filepath.Join(cfg.Root, "template.yaml"), samtemplate.Options{Region: Region, Parameters: cfg.Parameters})
	if err != nil {
		return nil, err
	}
	jar, err := dynamolocal.FindJar(cfg.Root)
	if err != nil {
		return nil, err
	}
	fns, err := s.Template.Functions()
	if err != nil {
		return nil, err
	}
	for _, fn := range fns {
		if fn.PackageType != "Zip" {
			return nil, fmt.Errorf("function %s is a container image, which the local stack does not run (it runs the zip functions' binaries; keep the template's defaults)", fn.LogicalID)
		}
	}
	// What the watcher compares with is what is about to be built, so an
	// edit saved during the first build counts.
	var srcs map[string]sources
	var snap map[string]stamp
	if cfg.Watch {
		if srcs, err = listSources(ctx, cfg.Root, fns); err != nil {
			return nil, fmt.Errorf("watch the functions' sources: %w", err)
		}
		snap = scan(srcs)
	}
	built := make(chan error, 1)
	go func() { built <- Build(ctx, cfg.Root, cfg.BuildDir, fns) }()

	if s.Dynamo, err = dynamolocal.Start(ctx, jar); err != nil {
		<-built
		return nil, err
	}
	if s.S3, err = s3local.Start(); err != nil {
		<-built
		return nil, err
	}
	if err := <-built; err != nil {
		return nil, err
	}
	s.DB = dynamodb.NewFromConfig(AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(s.Dynamo.Endpoint)
	})
	if err := s.createResources(ctx); err != nil {
		return nil, err
	}
	env, err := loadEnvFile(cfg.Root, cfg.EnvFile)
	if err != nil {
		return nil, err
	}
	queueCfgs, err := queueConfigs(s.Template)
	if err != nil {
		return nil, err
	}
	s.queues = newQueues(Region, s.log)
	s.queues.account = s.Template.AccountID()
	s.queues.configure(queueCfgs)
	if s.sqs, s.SQSEndpoint, err = s.queues.serveSQS(); err != nil {
		return nil, err
	}
	for _, fn := range fns {
		f := s.function(fn, cfg.BuildDir, env)
		maps.Copy(f.Env, cfg.Env[fn.LogicalID])
		s.fns[fn.LogicalID] = f
		s.hosts[fn.LogicalID] = lambdalocal.NewHost(f, logs.prefixed(fn.LogicalID))
	}
	loops, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if err := s.startEventSources(loops, fns, queueCfgs); err != nil {
		return nil, err
	}
	if cfg.Watch {
		s.loops.Add(1)
		go func() { defer s.loops.Done(); s.watch(loops, fns, srcs, snap) }()
	}
	if cfg.APIAddr != "" {
		if err := s.serveAPI(cfg.APIAddr); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// startEventSources runs the template's stream and queue event sources: the
// stream poller and the queue consumers, several batches at once per queue.
func (s *Stack) startEventSources(ctx context.Context, fns []samtemplate.Function, cfgs []queueConfig) error {
	streams := dynamodbstreams.NewFromConfig(AWSConfig(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(s.Dynamo.Endpoint)
	})
	var s3srcs []s3Source
	for _, fn := range fns {
		s3srcs = append(s3srcs, s3Sources(fn)...)
	}
	s.S3.OnObjectCreated(func(bucket, key string, size int64) {
		s.notifyS3(ctx, s3srcs, bucket, key, size)
	})
	for _, fn := range fns {
		srcs, err := streamSources(s.Template, fn)
		if err != nil {
			return err
		}
		for _, src := range srcs {
			p := &poller{src: src, db: s.DB, streams: streams, invoke: s.Invoke, queues: s.queues,
				region: Region, log: s.log.With("poller", fn.LogicalID), backoff: 100 * time.Millisecond}
			s.loops.Add(1)
			go func() { defer s.loops.Done(); p.run(ctx) }()
		}
		for _, src := range sqsSources(s.Template, fn) {
			if err := checkVisibility(cfgs, src, fn.Timeout); err != nil {
				return err
			}
			s.loops.Add(1)
			go func() { defer s.loops.Done(); s.queues.consume(ctx, src, s.Invoke) }()
		}
	}
	return nil
}

// AWSConfig is SDK configuration for talking to the local services.
func AWSConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

func (s *Stack) createResources(ctx context.Context) error {
	tables, err := s.Template.Resources("AWS::DynamoDB::Table")
	if err != nil {
		return err
	}
	if err := dynamolocal.CreateTables(ctx, s.DB, tables); err != nil {
		return err
	}
	buckets, err := s.Template.Resources("AWS::S3::Bucket")
	if err != nil {
		return err
	}
	for _, b := range buckets {
		if err := s.S3.CreateBucket(b.Name); err != nil {
			return fmt.Errorf("create bucket %s: %w", b.Name, err)
		}
	}
	return nil
}

// function is how the stack runs fn: the template's environment, overridden
// by env.json, with the SDK pointed at the local services.
func (s *Stack) function(fn samtemplate.Function, buildDir string, env envFile) lambdalocal.Function {
	vars := env.apply(fn.LogicalID, fn.Env)
	vars["AWS_ENDPOINT_URL_DYNAMODB"] = s.Dynamo.Endpoint
	vars["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = s.Dynamo.Endpoint
	vars["AWS_ENDPOINT_URL_S3"] = s.S3.Endpoint
	vars["AWS_ENDPOINT_URL_SQS"] = s.SQSEndpoint
	maps.Copy(vars, logEnv(fn))
	return lambdalocal.Function{
		Name:      fn.LogicalID,
		Bootstrap: filepath.Join(buildDir, filepath.Base(fn.CodeURI), "bootstrap"),
		Dir:       filepath.Join(buildDir, filepath.Base(fn.CodeURI)),
		Env:       vars,
		Timeout:   fn.Timeout,
		MemoryMB:  fn.MemoryMB,
		Region:    s.Template.Region(),
		AccountID: s.Template.AccountID(),
	}
}

func (s *Stack) serveAPI(addr string) error {
	routes, err := s.Template.Routes()
	if err != nil {
		return err
	}
	if len(routes) == 0 {
		return errors.New("the template declares no Api events")
	}
	api, err := s.Template.API(routes[0].API)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for the API on %s: %w", addr, err)
	}
	gw := apigateway.New(api, routes, s, slog.New(slog.NewTextHandler(s.logs.prefixed("api"), nil)))
	// The gateway bounds the wait for a body itself; these bound the wait
	// for headers and for the next request on a kept-alive connection.
	s.api = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	s.APIURL = "http://" + ln.Addr().String()
	go func() { _ = s.api.Serve(ln) }()
	return nil
}

// Invoke runs a function with an event, as Lambda's Invoke does.
func (s *Stack) Invoke(ctx context.Context, function string, event []byte) ([]byte, error) {
	h, ok := s.hosts[function]
	if !ok {
		return nil, fmt.Errorf("no function %s in the template", function)
	}
	res, err := h.Invoke(ctx, event)
	return res.Payload, err
}

// Function returns how the stack runs a function, to run it elsewhere.
func (s *Stack) Function(name string) lambdalocal.Function { return s.fns[name] }

// Close stops everything the stack started.
func (s *Stack) Close() {
	if s.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.api.Shutdown(ctx)
		cancel()
	}
	if s.stop != nil {
		s.stop()
		s.loops.Wait()
	}
	if s.sqs != nil {
		_ = s.sqs.Close()
	}
	for _, h := range s.hosts {
		h.Close()
	}
	if s.S3 != nil {
		s.S3.Stop()
	}
	if s.Dynamo != nil {
		s.Dynamo.Stop()
	}
}

// logEnv is what Lambda tells a runtime of the function's LoggingConfig:
// with the JSON format, the format and the application log level (INFO
// when unset); with Text, nothing.
func logEnv(fn samtemplate.Function) map[string]string {
	if !strings.EqualFold(fn.LogFormat, "JSON") {
		return nil
	}
	level := strings.ToUpper(fn.LogLevel)
	if level == "" {
		level = "INFO"
	}
	return map[string]string{"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": level}
}
