//go:build !integration

package stack

import (
	"maps"
	"testing"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
)

func TestLogEnv(t *testing.T) {
	tests := []struct {
		name          string
		format, level string
		want          map[string]string
	}{
		{"json with a level", "JSON", "warn", map[string]string{"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"}},
		{"json without a level is INFO", "JSON", "", map[string]string{"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}},
		{"text sets nothing", "Text", "DEBUG", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := logEnv(samtemplate.Function{LogFormat: tt.format, LogLevel: tt.level})
			if !maps.Equal(got, tt.want) {
				t.Errorf("logEnv = %v, want %v", got, tt.want)
			}
		})
	}
}
