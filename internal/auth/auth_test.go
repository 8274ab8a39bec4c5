//go:build !integration

package auth

import (
	"fmt"
	"testing"
	"time"
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
// Authorization: Bearer is the one way to send a key; x-api-key is not read.
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
		{"only in multi-value headers", nil, map[string][]string{"Authorization": {"Bearer k3"}}, "k3", true},
		{"x-api-key alone", map[string]string{"X-Api-Key": "k3"}, nil, "", false},
		{"x-api-key alone, multi-value", nil, map[string][]string{"x-api-key": {"k3"}}, "", false},
		{"not bearer", map[string]string{"Authorization": "Basic k4"}, nil, "", false},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, nil, "", false},
		{"bearer alone", map[string]string{"Authorization": "Bearer"}, nil, "", false},
		{"none", nil, nil, "", false},
		{"both: x-api-key is not read", map[string]string{"Authorization": "Bearer kB", "x-api-key": "kA"}, nil, "kB", true},
		{"bad Authorization is not saved by x-api-key",
			map[string]string{"Authorization": "Basic kB", "x-api-key": "kA"}, nil, "", false},
		{"empty Authorization is not saved by x-api-key",
			map[string]string{"Authorization": "", "x-api-key": "kA"}, nil, "", false},
		{"Authorization twice, different keys",
			map[string]string{"Authorization": "Bearer kB"}, map[string][]string{"Authorization": {"Bearer kA", "Bearer kB"}}, "", false},
		{"Authorization in two spellings, different keys",
			map[string]string{"Authorization": "Bearer kB", "authorization": "Bearer kA"}, nil, "", false},
		{"Authorization repeated with the same key",
			map[string]string{"Authorization": "Bearer kB"}, map[string][]string{"Authorization": {"Bearer kB", "Bearer kB"}}, "kB", true},
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

// TestFromHeadersIsLinear: a request may repeat Authorization as often as
// the server lets it (about 1 MB of headers); reading it must take time in
// proportion. 200,000 values, ten times what took 0.7 s when duplicates
// were compared pairwise, must take well under a second; the limit here is
// only a generous liveness bound.
func TestFromHeadersIsLinear(t *testing.T) {
	for _, same := range []bool{false, true} {
		multi := map[string][]string{}
		for i := range 200_000 {
			v := fmt.Sprintf("Bearer k%d", i)
			if same {
				v = "Bearer k"
			}
			multi["Authorization"] = append(multi["Authorization"], v)
		}
		done := make(chan bool, 1)
		go func() {
			_, ok := FromHeaders(nil, multi)
			done <- ok
		}()
		select {
		case ok := <-done:
			if ok != same {
				t.Errorf("200,000 Authorization headers (all the same: %v): ok = %v, want %v", same, ok, same)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("200,000 Authorization headers (all the same: %v) not read in 5 s: the time grows faster than the headers", same)
		}
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
