//go:build integration

package lenientjpeg_test

import (
	"os"
	"testing"
)

func TestDecodeReceiptPhoto(t *testing.T) {
	whole, err := os.ReadFile("../../../shared/receipts/sroie/img/000.jpg")
	if err != nil {
		t.Fatal(err)
	}
	testDecode(t, whole)
}
