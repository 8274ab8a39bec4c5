//go:build !integration

package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/webhook"
)

// Public addresses used below are only ever checked, never dialed:
// 93.184.216.34 and 2606:2800:220:1::1 stand for any public host.
func TestClassify(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"93.184.216.34", ""},
		{"2606:2800:220:1::1", ""},
		{"127.0.0.1", "loopback"},
		{"127.5.6.7", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:10.1.2.3", "private"},
		{"fd00::1", "private"},
		{"fc00::1", "private"},
		{"169.254.169.254", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "reserved"},
		{"100.64.0.1", "reserved"},
		{"192.0.2.1", "reserved"},
		{"198.18.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"64:ff9b::a00:1", "reserved"},
		{"2002:a00:1::", "reserved"},
		{"2001:db8::1", "reserved"},
	}
	for _, tt := range tests {
		if got := webhook.Classify(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Classify(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestCheckURL is the check at registration, in AWS (no loopback) and in
// the local stack (loopback allowed), with names resolved by a stub.
func TestCheckURL(t *testing.T) {
	res := webhook.Hosts{
		"hooks.example.com": {"93.184.216.34"},
		"localhost":         {"127.0.0.1", "::1"},
		"loopback.test":     {"127.0.0.1"},
		"internal.test":     {"10.0.0.7"},
		"mixed.test":        {"93.184.216.34", "192.168.0.10"},
		"metadata.test":     {"169.254.169.254"},
		"v6private.test":    {"fd12::3"},
	}
	const (
		ok      = ""
		blocked = "may not reach"
	)
	tests := []struct {
		url      string
		loopback bool
		want     string // "" accepted, else a part of the error
	}{
		{"https://hooks.example.com/receipts", false, ok},
		{"https://hooks.example.com:8443/x?y=1", false, ok},
		{"https://93.184.216.34/hook", false, ok},
		{"", false, "url is required"},
		{"hooks.example.com/receipts", false, "absolute"},
		{"/relative", false, "absolute"},
		{"http://hooks.example.com/", false, "must use https"},
		{"ftp://hooks.example.com/", false, "must use https"},
		{"gopher://hooks.example.com/", false, "must use https"},
		{"file:///etc/passwd", false, "absolute"},
		{"https://user:pass@hooks.example.com/", false, "user name or password"},
		{"https://hooks.example.com:99999/", false, "invalid port"},
		{"https://" + strings.Repeat("a", 2050) + ".com/", false, "longer than"},
		{"https://nowhere.test/", false, "does not resolve"},
		{"https://127.0.0.1/", false, blocked},
		{"https://[::1]/", false, blocked},
		{"https://localhost/", false, blocked},
		{"https://loopback.test/", false, blocked},
		{"https://10.0.0.1/", false, blocked},
		{"https://internal.test/", false, blocked},
		{"https://mixed.test/", false, blocked},
		{"https://169.254.169.254/latest/meta-data/", false, blocked},
		{"https://metadata.test/", false, blocked},
		{"https://[fd00::1]/", false, blocked},
		{"https://v6private.test/", false, blocked},
		{"https://[fe80::1%25eth0]/", false, blocked},
		{"https://224.0.0.1/", false, blocked},
		{"https://0.0.0.0/", false, blocked},
		{"https://[::]/", false, blocked},
		{"https://[::ffff:169.254.169.254]/", false, blocked},
		// The local stack's setting: loopback, and http to it, only.
		{"http://127.0.0.1:8080/hook", true, ok},
		{"http://localhost:8080/hook", true, ok},
		{"https://localhost/", true, ok},
		{"http://[::1]:9/", true, ok},
		{"http://hooks.example.com/", true, "or http for a receiver on 127.0.0.1"},
		{"http://loopback.test/", true, "or http for a receiver on 127.0.0.1"},
		{"https://10.0.0.1/", true, blocked},
		{"https://169.254.169.254/", true, blocked},
		{"https://0.0.0.0/", true, blocked},
	}
	for _, tt := range tests {
		name := tt.url
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(fmt.Sprintf("%s/loopback=%v", name, tt.loopback), func(t *testing.T) {
			g := webhook.Guard{Resolver: res, AllowLoopback: tt.loopback}
			_, err := g.CheckURL(context.Background(), tt.url)
			switch {
			case tt.want == ok && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != ok && err == nil:
				t.Errorf("accepted, want an error with %q", tt.want)
			case tt.want != ok && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q, want one with %q", err, tt.want)
			}
		})
	}
}

// TestControlRefusesBeforeConnecting calls the dialer's last check as the
// dialer does, with the address it is about to connect to.
func TestControlRefusesBeforeConnecting(t *testing.T) {
	tests := []struct {
		addr     string
		loopback bool
		ok       bool
	}{
		{"93.184.216.34:443", false, true},
		{"[2606:2800:220:1::1]:443", false, true},
		{"127.0.0.1:443", false, false},
		{"[::1]:443", false, false},
		{"127.0.0.1:443", true, true},
		{"10.0.0.1:443", true, false},
		{"169.254.169.254:80", true, false},
		{"[fd00::1]:443", false, false},
		{"[::ffff:192.168.0.1]:443", false, false},
		{"0.0.0.0:443", false, false},
	}
	for _, tt := range tests {
		g := webhook.Guard{AllowLoopback: tt.loopback}
		err := g.Control("tcp", tt.addr, nil)
		var b *webhook.BlockedError
		if tt.ok != (err == nil) || (err != nil && !errors.As(err, &b)) {
			t.Errorf("Control(%s, loopback=%v) = %v, want ok=%v", tt.addr, tt.loopback, err, tt.ok)
		}
	}
}

// TestDialChecksTheResolvedAddress: a name that passed registration and
// resolves to loopback at delivery (DNS rebinding) is refused by the
// dialer, before any connection; with loopback allowed, the same dial
// reaches a receiver on this machine.
func TestDialChecksTheResolvedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	res := webhook.Hosts{"rebind.test": {"93.184.216.34"}}
	g := webhook.Guard{Resolver: res}
	u := "https://rebind.test:" + port + "/hook"
	if _, err := g.CheckURL(context.Background(), u); err != nil {
		t.Fatalf("registration: %v", err)
	}
	// The name now points at this machine.
	res["rebind.test"] = []string{"127.0.0.1"}
	httpURL := "http://rebind.test:" + port + "/hook"
	r := webhook.NewSender(g, 2*time.Second).Send(context.Background(), httpURL, nil, "id", time.Now(), []byte("{}"))
	if r.OK() || !strings.Contains(r.Err, "refused: rebind.test resolves to 127.0.0.1, a loopback address") {
		t.Errorf("delivery to a rebound name: %+v, want refused", r)
	}
	if hits.Load() != 0 {
		t.Fatal("the receiver on loopback was reached")
	}

	secret, _ := webhook.NewSecret()
	g.AllowLoopback = true
	r = webhook.NewSender(g, 2*time.Second).Send(context.Background(), httpURL, []webhook.Secret{secret}, "id", time.Now(), []byte("{}"))
	if !r.OK() || hits.Load() != 1 {
		t.Errorf("with loopback allowed: %+v, %d requests; want one delivered", r, hits.Load())
	}
}

// TestSend: what an attempt makes of each kind of answer, against
// receivers on loopback.
func TestSend(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprint(w, strings.Repeat("é", 400))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 64 { // 64 MB, far more than is read
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	release := make(chan struct{})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	var redirected atomic.Int32
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { redirected.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)

	secret, _ := webhook.NewSecret()
	s := webhook.NewSender(webhook.Guard{AllowLoopback: true}, 500*time.Millisecond)
	tests := []struct {
		path    string
		ok      bool
		code    int
		err     string
		excerpt int // its length in bytes, at most
	}{
		{"/ok", true, 204, "", 0},
		{"/fail", false, 500, "answered 500", webhook.ResponseExcerpt},
		{"/redirect", false, 307, "redirect (307) not followed", webhook.ResponseExcerpt},
		{"/huge", true, 200, "", webhook.ResponseExcerpt},
		{"/hang", false, 0, "timed out", 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			start := time.Now()
			r := s.Send(context.Background(), srv.URL+tt.path, []webhook.Secret{secret}, "id", time.Now(), []byte("{}"))
			if r.OK() != tt.ok || r.StatusCode != tt.code || !strings.Contains(r.Err, tt.err) {
				t.Errorf("got %+v, want ok=%v code %d err %q", r, tt.ok, tt.code, tt.err)
			}
			if len(r.Excerpt) > tt.excerpt {
				t.Errorf("excerpt of %d bytes, want at most %d", len(r.Excerpt), tt.excerpt)
			}
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("the attempt took %s", el)
			}
		})
	}
	if redirected.Load() != 0 {
		t.Error("a redirect was followed")
	}
}
