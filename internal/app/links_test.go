//go:build !integration

package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFunctionsLinkOnlyWhatTheyUse keeps packages out of the functions that
// do not use them: every linked package's initialisation is part of each
// cold start, whether the function calls it or not.
func TestFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	const (
		sdk    = "github.com/aws/aws-sdk-go-v2/service/"
		module = "github.com/receipts-api/receipts/"
	)
	// Packages only the processing functions (processor, dispatch, failed,
	// sweep) need.
	// The locale profiles take milliseconds to parse: the
	// API checks country hints against receipt.Countries instead.
	processing := []string{sdk + "sqs", sdk + "dynamodbstreams", sdk + "textract", module + "internal/extract", module + "internal/locale", "gopkg.in/yaml.v3"}
	tests := []struct {
		function string
		banned   []string
	}{
		{"authorizer", append([]string{sdk + "s3"}, processing...)},
		{"get", processing},
		{"list", processing},
		{"delete", processing},
		{"upload", processing},
		{"uploadurl", processing},
		{"patch", processing},
		{"reprocess", processing},
		{"getsettings", processing},
		{"putsettings", processing},
		{"openapi", []string{"github.com/aws/aws-sdk-go-v2/aws", sdk + "dynamodb", sdk + "s3"}},
		{"webhookapi", processing},
		// The webhook consumers queue and send; they read no document.
		{"webhookevents", []string{sdk + "s3", sdk + "dynamodbstreams", sdk + "textract", module + "internal/extract", "gopkg.in/yaml.v3"}},
		{"webhook", []string{sdk + "s3", sdk + "dynamodbstreams", sdk + "textract", module + "internal/extract", "gopkg.in/yaml.v3"}},
		{"sweep", []string{sdk + "dynamodbstreams", sdk + "textract", module + "internal/extract", module + "internal/api", "gopkg.in/yaml.v3"}},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", "../../functions/"+tt.function).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			deps := map[string]bool{}
			for _, p := range strings.Fields(string(out)) {
				deps[p] = true
			}
			if !deps["github.com/aws/aws-lambda-go/lambda"] {
				t.Fatalf("go list found no aws-lambda-go in %s's dependencies:\n%s", tt.function, out)
			}
			for _, b := range tt.banned {
				if deps[b] {
					t.Errorf("functions/%s links %s", tt.function, b)
				}
			}
		})
	}
}
