// Package testenv gives integration tests the real local services. A service
// that cannot start fails the test: it is never skipped.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/receipts-api/receipts/internal/local/dynamolocal"
	"github.com/receipts-api/receipts/internal/local/s3local"
	"github.com/receipts-api/receipts/internal/local/samtemplate"
	"github.com/receipts-api/receipts/internal/local/stack"
)

// Root returns the module's root folder.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// Template loads the project's template.yaml.
func Template(t testing.TB) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Load(filepath.Join(Root(t), "template.yaml"), samtemplate.Options{Region: stack.Region})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

var (
	dynamoOnce sync.Once
	dynamo     *dynamolocal.Server
	dynamoErr  error
)

// Dynamo returns a client of a DynamoDB Local shared by the package's tests,
// with the template's tables created. Call StopDynamo from TestMain.
func Dynamo(t testing.TB) *dynamodb.Client {
	t.Helper()
	dynamoOnce.Do(func() {
		jar, err := dynamolocal.FindJar(Root(t))
		if err != nil {
			dynamoErr = err
			return
		}
		dynamo, dynamoErr = dynamolocal.Start(context.Background(), jar)
		if dynamoErr != nil {
			return
		}
		tables, err := Template(t).Resources("AWS::DynamoDB::Table")
		if err != nil {
			dynamoErr = err
			return
		}
		dynamoErr = dynamolocal.CreateTables(context.Background(), DynamoClient(dynamo.Endpoint), tables)
	})
	if dynamoErr != nil {
		t.Fatalf("DynamoDB Local: %v", dynamoErr)
	}
	return DynamoClient(dynamo.Endpoint)
}

// StopDynamo stops the shared DynamoDB Local, if one was started.
func StopDynamo() {
	if dynamo != nil {
		dynamo.Stop()
	}
}

// DynamoClient returns a client of the DynamoDB at endpoint.
func DynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(stack.AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// S3 starts an in-process S3 with the named bucket for one test.
func S3(t testing.TB, bucket string) *s3.Client {
	t.Helper()
	srv, err := s3local.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.Endpoint)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// Stack starts the whole local stack with its API on a free loopback port,
// the template's parameters overridden by parameters.
func Stack(t testing.TB, parameters map[string]string) *stack.Stack {
	t.Helper()
	st, err := stack.Start(context.Background(), stack.Config{
		Root: Root(t), APIAddr: "127.0.0.1:0", Logs: testLog{t},
		BuildDir: t.TempDir(), Parameters: parameters,
	})
	if err != nil {
		t.Fatalf("local stack: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// testLog sends the stack's output to the test log, shown on failure or -v.
type testLog struct{ t testing.TB }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Helper()
	l.t.Logf("%s", b)
	return len(b), nil
}
