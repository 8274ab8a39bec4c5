package auth

import (
	"testing"
)

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

// TestFromHeaders runs each case many times over freshly built maps: the
// answer must not depend on the order Go happens to walk them in.
func TestFromHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		multi   map[string][]string
		want    string
		ok      bool
	}{
		{"bearer", map[string]string{"Authorization": "Bearer k1"}, nil, "k1", true},
		{"any case, spaces", map[string]string{"authorization": "bearer  k2 "}, nil, "k2", true},
		{"x-api-key", map[string]string{"X-Api-Key": "k3"}, nil, "k3", true},
		{"not bearer", map[string]string{"Authorization": "Basic k4"}, nil, "", false},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, nil, "", false},
		{"blank x-api-key", map[string]string{"x-api-key": " "}, nil, "", false},
		{"none", nil, nil, "", false},
		{"both: Authorization wins", map[string]string{"Authorization": "Bearer kB", "x-api-key": "kA"}, nil, "kB", true},
		{"both, other spellings", map[string]string{"AUTHORIZATION": "Bearer kB", "X-API-KEY": "kA", "Accept": "*/*"}, nil, "kB", true},
		{"both, only in multi-value headers",
			nil, map[string][]string{"x-api-key": {"kA"}, "Authorization": {"Bearer kB"}}, "kB", true},
		{"bad Authorization is not saved by x-api-key",
			map[string]string{"Authorization": "Basic kB", "x-api-key": "kA"}, nil, "", false},
		{"empty Authorization is not saved by x-api-key",
			map[string]string{"Authorization": "", "x-api-key": "kA"}, nil, "", false},
		{"Authorization twice, different keys",
			map[string]string{"Authorization": "Bearer kB"}, map[string][]string{"Authorization": {"Bearer kA", "Bearer kB"}}, "", false},
		{"Authorization in two spellings, different keys",
			map[string]string{"Authorization": "Bearer kB", "authorization": "Bearer kA"}, nil, "", false},
		{"Authorization repeated with the same key",
			map[string]string{"Authorization": "Bearer kB"}, map[string][]string{"Authorization": {"Bearer kB"}}, "kB", true},
		{"x-api-key twice, different keys",
			nil, map[string][]string{"x-api-key": {"kA", "kB"}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 200; i++ {
				got, ok := FromHeaders(clone(tt.headers), cloneMulti(tt.multi))
				if got != tt.want || ok != tt.ok {
					t.Fatalf("run %d: FromHeaders = %q, %v; want %q, %v", i, got, ok, tt.want, tt.ok)
				}
			}
		})
	}
}

func clone(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func cloneMulti(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	c := make(map[string][]string, len(m))
	for k, v := range m {
		c[k] = append([]string(nil), v...)
	}
	return c
}

func TestLogIDHasFixedLengthAndHidesTheKey(t *testing.T) {
	for _, key := range []string{"", "k", "short-key!", "rcpt_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"} {
		id := LogID(key)
		if len(id) != 12 {
			t.Errorf("LogID(%q) = %q, want 12 characters", key, id)
		}
		if key != "" && id == key {
			t.Errorf("LogID(%q) is the key", key)
		}
	}
}
