package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Resolver finds the addresses of a host name. net.DefaultResolver is one;
// tests use a stub, so that no test asks a name server anything.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard keeps webhooks from reaching anything but the public internet: a
// URL is checked when it is registered, and the address a delivery
// connects to is checked again, after resolution, by the dialer, so a name
// that resolves elsewhere later (DNS rebinding) can't slip past.
type Guard struct {
	Resolver Resolver
	// AllowLoopback lets webhooks go to this machine (127.0.0.0/8, ::1,
	// localhost), over http too: for a developer's receiver on a laptop
	// (WEBHOOK_ALLOW_LOOPBACK). Never in AWS.
	AllowLoopback bool
}

// BlockedError says a webhook would have reached an address it must not.
type BlockedError struct {
	Host   string
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	if h, err := netip.ParseAddr(e.Host); err == nil && h.Unmap() == e.Addr {
		return fmt.Sprintf("%s is a %s address, which webhooks may not reach", e.Host, e.Reason)
	}
	return fmt.Sprintf("%s resolves to %s, a %s address, which webhooks may not reach", e.Host, e.Addr, e.Reason)
}

// URLError says what is wrong with a URL given for an endpoint.
type URLError struct{ Msg string }

func (e *URLError) Error() string { return e.Msg }

// CheckURL returns the URL an endpoint may have, or an error saying why
// not (a *URLError or a *BlockedError): https only (http too for a
// receiver on loopback when loopback is allowed), no credentials, and a
// host all of whose addresses are public.
func (g Guard) CheckURL(ctx context.Context, raw string) (string, error) {
	switch {
	case raw == "":
		return "", &URLError{"url is required"}
	case len(raw) > MaxURLBytes:
		return "", &URLError{fmt.Sprintf("url is longer than %d bytes", MaxURLBytes)}
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", &URLError{"url must be an absolute https:// URL"}
	}
	if u.User != nil {
		return "", &URLError{"url must not hold a user name or password"}
	}
	host := u.Hostname()
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", &URLError{"url has an invalid port"}
		}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !g.AllowLoopback || !isLoopbackName(host) {
			return "", &URLError{g.schemeRule()}
		}
	default:
		return "", &URLError{g.schemeRule()}
	}
	if _, err := g.resolve(ctx, host); err != nil {
		return "", err
	}
	return u.String(), nil
}

func (g Guard) schemeRule() string {
	if g.AllowLoopback {
		return "url must use https (or http for a receiver on 127.0.0.1 or localhost)"
	}
	return "url must use https"
}

// isLoopbackName says whether host names this machine literally.
func isLoopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// resolve returns host's addresses when every one of them may be reached.
func (g Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if err := g.check(host, a); err != nil {
			return nil, err
		}
		return []netip.Addr{a}, nil
	}
	if g.Resolver == nil {
		return nil, errors.New("no resolver")
	}
	addrs, err := g.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, &URLError{fmt.Sprintf("url's host %s does not resolve", host)}
	}
	for _, a := range addrs {
		if err := g.check(host, a); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

func (g Guard) check(host string, a netip.Addr) error {
	reason := Classify(a)
	if reason == "" || reason == "loopback" && g.AllowLoopback {
		return nil
	}
	return &BlockedError{Host: host, Addr: a.Unmap(), Reason: reason}
}

// metadata are the addresses of cloud instance metadata services.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("169.254.170.2"), // ECS task metadata
}

// reserved are the ranges that are neither private nor public: shared
// (carrier-grade NAT), documentation, benchmarking, "this network",
// reserved for future use and broadcast, and the IPv6 ranges that embed
// IPv4 addresses (NAT64, 6to4, Teredo) or are for documentation.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// Classify says why a webhook may not reach a, or "" when it may: a
// "loopback", "private", "link-local", "multicast", "unspecified",
// "cloud metadata" or "reserved" address. An IPv4 address written as IPv6
// (::ffff:10.0.0.1) is judged as the IPv4 address it is.
func Classify(a netip.Addr) string {
	a = a.Unmap()
	for _, m := range metadata {
		if a == m {
			return "cloud metadata"
		}
	}
	switch {
	case !a.IsValid():
		return "invalid"
	case a.Zone() != "":
		return "link-local"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case a.IsPrivate():
		return "private"
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return "reserved"
		}
	}
	if a.Is6() && !netip.MustParsePrefix("2000::/3").Contains(a) {
		return "reserved" // only 2000::/3 is global unicast
	}
	return ""
}

// DialContext connects to address (host:port) as http.Transport asks: it
// resolves the host itself, refuses when any of its addresses may not be
// reached, and dials those very addresses, never the name, with Control
// checking each again just before its connection is made.
func (g Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second, Control: g.Control}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// Control is the dialer's last check, called with the address about to be
// connected to, before any packet is sent.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: not an address: %w", address, err)
	}
	return g.check(ap.Addr().String(), ap.Addr())
}

// Hosts resolves names from a fixed table (host to addresses), and asks no
// name server: what tests resolve with.
type Hosts map[string][]string

// LookupNetIP returns the table's addresses of host.
func (h Hosts) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, a := range h[host] {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, err
		}
		out = append(out, ip)
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}
