//go:build !integration

package limits

import (
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Limits
		wantErr bool
	}{
		{"defaults", nil, Default(), false},
		{"set", map[string]string{"MAX_IMAGE_PIXELS": "1000", "MAX_PAGES": "3", "MAX_TOOL_MEMORY_MB": "64"},
			Limits{ImagePixels: 1000, Pages: 3, ToolMemoryMB: 64, DocTime: DefaultDocTime, InlineDetails: DefaultInlineDetails, Details: DefaultDetails}, false},
		{"processing set", map[string]string{"DOC_TIME_LIMIT": "5s", "DETAILS_INLINE_LIMIT": "1000", "DETAILS_LIMIT": "2000"},
			Limits{ImagePixels: DefaultImagePixels, Pages: DefaultPages, ToolMemoryMB: DefaultToolMemoryMB, DocTime: 5 * time.Second, InlineDetails: 1000, Details: 2000}, false},
		{"time not a duration", map[string]string{"DOC_TIME_LIMIT": "100"}, Limits{}, true},
		{"time zero", map[string]string{"DOC_TIME_LIMIT": "0s"}, Limits{}, true},
		{"inline over what an item holds", map[string]string{"DETAILS_INLINE_LIMIT": "400000"}, Limits{}, true},
		{"details below inline", map[string]string{"DETAILS_INLINE_LIMIT": "1000", "DETAILS_LIMIT": "999"}, Limits{}, true},
		{"details over 4 MiB", map[string]string{"DETAILS_LIMIT": "5000000"}, Limits{}, true},
		{"zero", map[string]string{"MAX_PAGES": "0"}, Limits{}, true},
		{"negative", map[string]string{"MAX_IMAGE_PIXELS": "-1"}, Limits{}, true},
		{"lifted", map[string]string{"MAX_IMAGE_PIXELS": "1000000000000"}, Limits{ImagePixels: 1e12, Pages: DefaultPages, ToolMemoryMB: DefaultToolMemoryMB, DocTime: DefaultDocTime, InlineDetails: DefaultInlineDetails, Details: DefaultDetails}, false},
		{"absurd", map[string]string{"MAX_PAGES": "99999999999999"}, Limits{}, true},
		{"not a number", map[string]string{"MAX_TOOL_MEMORY_MB": "512MB"}, Limits{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"MAX_IMAGE_PIXELS", "MAX_PAGES", "MAX_TOOL_MEMORY_MB", "DOC_TIME_LIMIT", "DETAILS_INLINE_LIMIT", "DETAILS_LIMIT"} {
				t.Setenv(k, tt.env[k])
			}
			got, err := FromEnv()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("FromEnv() = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
