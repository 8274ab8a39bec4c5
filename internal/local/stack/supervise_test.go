//go:build integration

package stack

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/receipts-api/receipts/internal/local/dynamolocal"
	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

// TestDynamoThatKeepsDyingStopsTheStack: a DynamoDB Local that dies more
// often than the stack restarts it stops the stack, with the reason, rather
// than leaving an API that answers 500 forever.
func TestDynamoThatKeepsDyingStopsTheStack(t *testing.T) {
	t.Parallel() // its own DynamoDB Local
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	jar, err := dynamolocal.FindJar(root)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"), samtemplate.Options{Region: Region})
	if err != nil {
		t.Fatal(err)
	}
	db, err := dynamolocal.Start(context.Background(), jar)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop()
	s := &Stack{Template: tpl, Dynamo: db, log: slog.New(slog.NewTextHandler(io.Discard, nil)), failed: make(chan struct{})}
	s.DB = dynamodb.NewFromConfig(AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(db.Endpoint) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.superviseDynamoWith(ctx, 1)

	for range 2 {
		exited := db.Exited()
		if err := syscall.Kill(db.PID(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-exited
		// The first death is restarted; wait for it to serve its tables
		// again.
		deadline := time.Now().Add(2 * time.Minute)
		for s.Err() == nil && !serving(s) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	select {
	case <-s.Done():
	case <-time.After(2 * time.Minute):
		t.Fatal("the stack kept going after DynamoDB Local died twice with one restart allowed")
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "DynamoDB Local exited 2 times within 1m0s") {
		t.Errorf("Err() = %v, want the reason", err)
	}
}

// serving reports whether the stack's DynamoDB Local serves its table.
func serving(s *Stack) bool {
	_, err := s.DB.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(s.Template.PhysicalName("ReceiptsTable"))})
	return err == nil
}
