package testenv

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/receipt"
	"github.com/receipts-api/receipts/internal/store"
)

// PutReceipts writes receipts into table as the store lays them out, with
// BatchWriteItem from a few goroutines: thousands in seconds, where
// uploading and processing them would take an hour.
func PutReceipts(t testing.TB, db *dynamodb.Client, table string, rs []*receipt.Receipt) {
	t.Helper()
	var requests []types.WriteRequest
	for _, r := range rs {
		item, err := store.Item(r)
		if err != nil {
			t.Fatal(err)
		}
		requests = append(requests, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, (len(requests)+24)/25)
	sem := make(chan struct{}, 4)
	for start := 0; start < len(requests); start += 25 {
		batch := requests[start:min(start+25, len(requests))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for len(batch) > 0 {
				out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{
					RequestItems: map[string][]types.WriteRequest{table: batch},
				})
				if err != nil {
					errs <- fmt.Errorf("batch write: %w", err)
					return
				}
				batch = out.UnprocessedItems[table]
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("seed %d receipts: %v", len(rs), err)
	}
}
