//go:build integration

package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
)

// PutAll writes receipts as they are, unconditionally, with BatchWriteItem
// from a few goroutines: a fast way to seed a large partition for a test.
func (s *Store) PutAll(ctx context.Context, rs []*receipt.Receipt, workers int) error {
	batches := make(chan []types.WriteRequest)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if err := s.writeBatch(ctx, b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
	for start := 0; start < len(rs) && err == nil; start += 25 {
		batch := make([]types.WriteRequest, 0, 25)
		for _, r := range rs[start:min(start+25, len(rs))] {
			av, merr := attributevalue.MarshalMap(toItem(r))
			if merr != nil {
				err = merr
				break
			}
			batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		}
		select {
		case batches <- batch:
		case err = <-errs:
		}
	}
	close(batches)
	wg.Wait()
	close(errs)
	if err != nil {
		return err
	}
	return <-errs
}

func (s *Store) writeBatch(ctx context.Context, b []types.WriteRequest) error {
	for len(b) > 0 {
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{s.table: b},
		})
		if err != nil {
			return fmt.Errorf("batch write: %w", err)
		}
		b = out.UnprocessedItems[s.table]
	}
	return nil
}
