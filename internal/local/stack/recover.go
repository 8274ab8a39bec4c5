package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
	"github.com/receipts-api/receipts/internal/workqueue"
)

// recover picks up, on a start with data kept from before, what a stop or a
// crash of the stack left behind. The local queues live in memory, so what
// they held is gone: receipts left PROCESSING are sent to the work queue
// again, and every stored object is announced again to the functions and
// rules that watch its bucket (an upload's check, a file's sweep). Both are
// safe to repeat: the processor skips a receipt that is no longer
// processing, the upload check one no longer uploading, and the sweeper
// removes only what no receipt records.
func (s *Stack) recover(ctx context.Context) error {
	n, err := s.requeue(ctx)
	if err != nil {
		return fmt.Errorf("send receipts left processing to the work queue again: %w", err)
	}
	if n > 0 {
		s.log.Info("receipts left processing by the last run sent to the work queue again", "receipts", n)
	}
	buckets, err := s.Template.Resources("AWS::S3::Bucket")
	if err != nil {
		return err
	}
	for _, b := range buckets {
		objects, err := s.S3.Objects(b.Name, "")
		if err != nil {
			return err
		}
		for _, o := range objects {
			s.objectCreated(ctx, b.Name, o.Key, o.Size, o.Modified)
		}
	}
	return nil
}

// requeue sends a work message for every receipt left PROCESSING, to the
// queue the dispatcher sends to, as the dispatcher would.
func (s *Stack) requeue(ctx context.Context) (int, error) {
	queue := ""
	for _, fn := range s.fns {
		if u := fn.Env["WORK_QUEUE_URL"]; u != "" {
			queue = u[strings.LastIndexByte(u, '/')+1:]
		}
	}
	id, ok := s.queues.byName(queue)
	if !ok {
		return 0, nil // no work queue: nothing to send
	}
	tables, err := s.Template.Resources("AWS::DynamoDB::Table")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tables {
		p := dynamodb.NewScanPaginator(s.DB, &dynamodb.ScanInput{TableName: aws.String(t.Name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return n, fmt.Errorf("scan %s: %w", t.Name, err)
			}
			for _, item := range page.Items {
				rc, err := store.ReceiptFromImage(item)
				if err != nil || rc.Status != receipt.Processing {
					continue // not a receipt, or not left processing
				}
				job := workqueue.Job{Tenant: rc.Tenant, ID: rc.ID, FileKey: rc.FileKey, ContentType: rc.ContentType, Size: rc.Size, SHA256: rc.SHA256}
				s.queues.sendWith(id, job.Body(), sendOptions{group: rc.Tenant})
				n++
			}
		}
	}
	return n, nil
}
