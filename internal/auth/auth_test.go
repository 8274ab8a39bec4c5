package auth

import "testing"

func TestValidTenant(t *testing.T) {
	tests := map[string]bool{
		"acme": true, "a": true, "tenant-2": true, "0": true,
		"": false, "-acme": false, "Acme": false, "ac me": false, "a/b": false, "ä": false,
		"a23456789012345678901234567890123456789012345678901234567890123":  true,
		"a234567890123456789012345678901234567890123456789012345678901234": false,
	}
	for name, want := range tests {
		if got := ValidTenant(name); got != want {
			t.Errorf("ValidTenant(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestFromHeaders(t *testing.T) {
	tests := []struct {
		headers map[string]string
		want    string
		ok      bool
	}{
		{map[string]string{"Authorization": "Bearer k1"}, "k1", true},
		{map[string]string{"authorization": "bearer  k2 "}, "k2", true},
		{map[string]string{"X-Api-Key": "k3"}, "k3", true},
		{map[string]string{"Authorization": "Basic k4"}, "", false},
		{map[string]string{"Authorization": "Bearer "}, "", false},
		{map[string]string{"x-api-key": " "}, "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		got, ok := FromHeaders(tt.headers)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FromHeaders(%v) = %q, %v; want %q, %v", tt.headers, got, ok, tt.want, tt.ok)
		}
	}
}
