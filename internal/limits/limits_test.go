package limits

import "testing"

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Limits
		wantErr bool
	}{
		{"defaults", nil, Default(), false},
		{"set", map[string]string{"MAX_IMAGE_PIXELS": "1000", "MAX_PAGES": "3", "MAX_TOOL_MEMORY_MB": "64"},
			Limits{ImagePixels: 1000, Pages: 3, ToolMemoryMB: 64}, false},
		{"zero", map[string]string{"MAX_PAGES": "0"}, Limits{}, true},
		{"negative", map[string]string{"MAX_IMAGE_PIXELS": "-1"}, Limits{}, true},
		{"lifted", map[string]string{"MAX_IMAGE_PIXELS": "1000000000000"}, Limits{ImagePixels: 1e12, Pages: DefaultPages, ToolMemoryMB: DefaultToolMemoryMB}, false},
		{"absurd", map[string]string{"MAX_PAGES": "99999999999999"}, Limits{}, true},
		{"not a number", map[string]string{"MAX_TOOL_MEMORY_MB": "512MB"}, Limits{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"MAX_IMAGE_PIXELS", "MAX_PAGES", "MAX_TOOL_MEMORY_MB"} {
				t.Setenv(k, tt.env[k])
			}
			got, err := FromEnv()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("FromEnv() = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
