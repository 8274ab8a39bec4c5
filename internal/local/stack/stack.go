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
	"runtime"
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
	// DataDir keeps the stack's data across restarts: DynamoDB Local's
	// tables (DataDir/dynamodb), S3's objects (DataDir/s3.db) and the
	// stream pollers' places in the stream (DataDir/stream-*.json). Empty
	// keeps everything in memory, gone when the stack stops.
	DataDir string
	// Extractions caps how many invocations of the functions that extract
	// documents (those whose environment sets EXTRACTOR) run at once, so
	// OCR never has more processes than cores to share; 0 means one per
	// core.
	Extractions int
	// TimeScale is how many times faster than in AWS the local queues run
	// their timers (visibility timeouts, delays); 0 means 720.
	TimeScale float64
	// Crash, if set, is asked about every request a function makes to the
	// local DynamoDB, S3 and SQS, before it is served and after (its
	// answer not yet sent); when it answers true, the calling instance is
	// killed there (SIGKILL), as a crash of the function would. The
	// crash-injection tests use it.
	Crash func(Call) bool
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
	dataDir  string
	hosts    map[string]*lambdalocal.Host
	fns      map[string]lambdalocal.Function
	api      *http.Server
	log      *slog.Logger
	logs     *lineWriter
	queues   *queues
	sqs      *http.Server
	crash    func(Call) bool
	// What watches the buckets: S3 event sources, EventBridge rules, and
	// the buckets that send their events to EventBridge.
	s3srcs       []s3Source
	rules        []eventRule
	eventBuckets map[string]bool
	dbProxy      *http.Server // DynamoDB as the functions reach it, when Crash is set
	dbURL        string       // its URL, or DynamoDB Local's
	stop         context.CancelFunc
	loops        sync.WaitGroup

	failOnce sync.Once
	failed   chan struct{}
	err      error
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
	if cfg.DataDir != "" {
		if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	logs := newLineWriter(cfg.Logs)
	s := &Stack{root: cfg.Root, buildDir: cfg.BuildDir, dataDir: cfg.DataDir, hosts: map[string]*lambdalocal.Host{},
		fns: map[string]lambdalocal.Function{}, logs: logs, crash: cfg.Crash,
		log:    slog.New(slog.NewTextHandler(logs.prefixed("local"), nil)),
		failed: make(chan struct{})}
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

	var dynamoOpts dynamolocal.Options
	var s3Opts s3local.Options
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			<-built
			return nil, fmt.Errorf("data folder: %w", err)
		}
		dynamoOpts.DataDir, s3Opts.File = filepath.Join(cfg.DataDir, "dynamodb"), filepath.Join(cfg.DataDir, "s3.db")
	}
	if s.S3, err = s3local.StartWith(s3Opts); err != nil {
		<-built
		return nil, err
	}
	if s.Dynamo, err = dynamolocal.StartWith(ctx, jar, dynamoOpts); err != nil {
		<-built
		return nil, err
	}
	s.dbURL = s.Dynamo.Endpoint
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
	if cfg.TimeScale > 0 {
		s.queues.timeScale = cfg.TimeScale
	}
	s.queues.configure(queueCfgs)
	if s.sqs, s.SQSEndpoint, err = s.queues.serveSQS(s.intercept("sqs")); err != nil {
		return nil, err
	}
	if err := s.interceptServices(); err != nil {
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
	s.loops.Add(1)
	go func() { defer s.loops.Done(); s.superviseDynamo(loops) }()
	extractions := cfg.Extractions
	if extractions <= 0 {
		extractions = runtime.NumCPU()
	}
	if err := s.startEventSources(loops, fns, queueCfgs, extractions); err != nil {
		return nil, err
	}
	if cfg.DataDir != "" {
		if err := s.recover(loops); err != nil {
			return nil, err
		}
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
// stream poller and the queue consumers, several batches at once per queue,
// but no more than extractions at once for a function that extracts
// documents.
func (s *Stack) startEventSources(ctx context.Context, fns []samtemplate.Function, cfgs []queueConfig, extractions int) error {
	streams := dynamodbstreams.NewFromConfig(AWSConfig(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(s.Dynamo.Endpoint)
	})
	for _, fn := range fns {
		s.s3srcs = append(s.s3srcs, s3Sources(fn)...)
	}
	var err error
	if s.rules, err = eventRules(s.Template); err != nil {
		return err
	}
	if s.eventBuckets, err = eventBridgeBuckets(s.Template); err != nil {
		return err
	}
	s.S3.OnObjectCreated(func(bucket, key string, size int64) {
		s.objectCreated(ctx, bucket, key, size, time.Now())
	})
	for _, fn := range fns {
		srcs, err := streamSources(s.Template, fn)
		if err != nil {
			return err
		}
		for _, src := range srcs {
			p := &poller{src: src, db: s.DB, streams: streams, invoke: s.Invoke, queues: s.queues,
				region: Region, log: s.log.With("poller", fn.LogicalID), backoff: 100 * time.Millisecond}
			if s.dataDir != "" {
				p.checkpointFile = filepath.Join(s.dataDir, "stream-"+fn.LogicalID+".json")
			}
			s.loops.Add(1)
			go func() { defer s.loops.Done(); p.run(ctx) }()
		}
		for _, src := range sqsSources(s.Template, fn) {
			if err := checkVisibility(cfgs, src, fn.Timeout); err != nil {
				return err
			}
			if _, ok := s.fns[fn.LogicalID].Env["EXTRACTOR"]; ok && src.concurrency > extractions {
				// Lambda would run them on cores of their own; here they
				// share this machine's, and more OCR processes than cores
				// only slow each other down.
				src.concurrency = extractions
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
	vars["AWS_ENDPOINT_URL_DYNAMODB"] = s.dbURL
	vars["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = s.dbURL
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
	handler, err := newThrottle(s.Template, api, routes, gw)
	if err != nil {
		_ = ln.Close()
		return err
	}
	// The gateway bounds the wait for a body itself; these bound the wait
	// for headers and for the next request on a kept-alive connection.
	s.api = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
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

// Done is closed when the stack can no longer serve (DynamoDB Local died
// and could not be restarted); Err then says why.
func (s *Stack) Done() <-chan struct{} { return s.failed }

// Err is why the stack stopped serving, once Done is closed.
func (s *Stack) Err() error {
	select {
	case <-s.failed:
		return s.err
	default:
		return nil
	}
}

// fail records why the stack can no longer serve and closes Done.
func (s *Stack) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		s.log.Error("the local stack stops", "err", err)
		close(s.failed)
	})
}

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
	if s.dbProxy != nil {
		_ = s.dbProxy.Close()
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
