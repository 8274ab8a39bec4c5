//go:build !integration

package workqueue

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestSendGroupsByTenant: every work message carries its tenant as its
// MessageGroupId, which makes the queue fair between tenants.
func TestSendGroupsByTenant(t *testing.T) {
	var got struct {
		Entries []struct{ Id, MessageGroupId string }
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"Successful":[],"Failed":[]}`)
	}))
	defer srv.Close()
	q := SQS{Client: sqs.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")},
		func(o *sqs.Options) { o.BaseEndpoint = aws.String(srv.URL) }), URL: "https://sqs.us-east-1.amazonaws.com/1/work"}
	jobs := []Job{{Tenant: "acme", ID: "a"}, {Tenant: "globex", ID: "b"}}
	if _, err := q.Send(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != 2 || got.Entries[0].MessageGroupId != "acme" || got.Entries[1].MessageGroupId != "globex" {
		t.Errorf("entries %+v, want each with its tenant as MessageGroupId", got.Entries)
	}
}
