//go:build !integration

package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/receipts-api/receipts/internal/store"
)

func TestKeyFromStreamKeys(t *testing.T) {
	tests := []struct {
		name       string
		keys       map[string]string
		tenant, id string
		wantOK     bool
	}{
		{"receipt", map[string]string{"PK": "TENANT#acme", "SK": "RECEIPT#0193"}, "acme", "0193", true},
		{"api key", map[string]string{"PK": "KEY#abc", "SK": "KEY"}, "", "", false},
		{"idempotency record", map[string]string{"PK": "TENANT#acme", "SK": "IDEMPOTENCY#k"}, "", "", false},
		{"empty tenant", map[string]string{"PK": "TENANT#", "SK": "RECEIPT#0193"}, "", "", false},
		{"empty id", map[string]string{"PK": "TENANT#acme", "SK": "RECEIPT#"}, "", "", false},
		{"no keys", nil, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant, id, ok := store.KeyFromStreamKeys(tt.keys)
			if tenant != tt.tenant || id != tt.id || ok != tt.wantOK {
				t.Errorf("KeyFromStreamKeys(%v) = %q, %q, %v; want %q, %q, %v", tt.keys, tenant, id, ok, tt.tenant, tt.id, tt.wantOK)
			}
		})
	}
}

func TestReceiptFromImage(t *testing.T) {
	want := newReceipt(t, "t1")
	want.Version = 1 // a new receipt's first write
	img, err := store.Image(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.ReceiptFromImage(img)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReceiptFromImage = %+v, %v; want %+v", got, err, want)
	}

	delete(img, "createdAt")
	img["updatedAt"] = &types.AttributeValueMemberS{Value: "yesterday"}
	if got, err := store.ReceiptFromImage(img); err != nil || got.ID != want.ID || got.Status != want.Status || got.SHA256 != want.SHA256 {
		t.Errorf("without readable times: %+v, %v; want the receipt's keys and file", got, err)
	}

	apiKey := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "KEY#abc"}, "SK": &types.AttributeValueMemberS{Value: "KEY"}}
	if got, err := store.ReceiptFromImage(apiKey); err == nil {
		t.Errorf("an API key's image read as receipt %+v", got)
	}
}

// TestKeyLayoutStaysInStore: the key layout is this package's; others ask
// it. Only the local stack (which seeds and filters items as AWS would) and
// tests may spell it.
func TestKeyLayoutStaysInStore(t *testing.T) {
	root := filepath.Join("..", "..")
	allowed := []string{filepath.Join(root, "internal", "store"), filepath.Join(root, "internal", "local")}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			for _, a := range allowed {
				if path == a {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		checked++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, lit := range []string{"TENANT#", "RECEIPT#"} {
			if strings.Contains(string(b), lit) {
				t.Errorf("%s spells %q: read keys through internal/store", path, lit)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d Go files; the walk found too few", checked)
	}
}
