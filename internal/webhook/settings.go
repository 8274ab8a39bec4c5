package webhook

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings are the webhook functions' bounds, read from the environment.
type Settings struct {
	// Timeout bounds one attempt, connecting included (WEBHOOK_TIMEOUT).
	Timeout time.Duration
	// Delays are the waits before each retry (WEBHOOK_RETRY_DELAYS); after
	// the last, a delivery that failed is failed for good.
	Delays []time.Duration
	// DisableAfter is how long an endpoint may fail every attempt before
	// it is disabled (WEBHOOK_DISABLE_AFTER).
	DisableAfter time.Duration
	// AllowLoopback lets endpoints be on this machine
	// (WEBHOOK_ALLOW_LOOPBACK): the local stack's env.json sets it.
	AllowLoopback bool
}

// Defaults, as the template sets them.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultDelays       = "5s,1m,10m,1h,6h"
	DefaultDisableAfter = 72 * time.Hour
	// maxRetryWindow bounds the sum of the delays: a delivery ends within
	// a day.
	maxRetryWindow = 24 * time.Hour
	maxRetries     = 10
	maxTimeout     = 20 * time.Second
)

// SettingsFromEnv reads the settings; a variable that is unset takes its
// default, one that is malformed or out of bounds is an error.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{Timeout: DefaultTimeout, DisableAfter: DefaultDisableAfter}
	var err error
	if v := getenv("WEBHOOK_TIMEOUT"); v != "" {
		if s.Timeout, err = time.ParseDuration(v); err != nil || s.Timeout < 100*time.Millisecond || s.Timeout > maxTimeout {
			return Settings{}, fmt.Errorf("WEBHOOK_TIMEOUT %q: want a duration from 100ms to %s", v, maxTimeout)
		}
	}
	delays := getenv("WEBHOOK_RETRY_DELAYS")
	if delays == "" {
		delays = DefaultDelays
	}
	if s.Delays, err = parseDelays(delays); err != nil {
		return Settings{}, fmt.Errorf("WEBHOOK_RETRY_DELAYS %q: %w", delays, err)
	}
	if v := getenv("WEBHOOK_DISABLE_AFTER"); v != "" {
		if s.DisableAfter, err = time.ParseDuration(v); err != nil || s.DisableAfter <= 0 {
			return Settings{}, fmt.Errorf("WEBHOOK_DISABLE_AFTER %q: want a positive duration", v)
		}
	}
	if v := getenv("WEBHOOK_ALLOW_LOOPBACK"); v != "" {
		if s.AllowLoopback, err = strconv.ParseBool(v); err != nil {
			return Settings{}, fmt.Errorf("WEBHOOK_ALLOW_LOOPBACK %q: want true or false", v)
		}
	}
	return s, nil
}

// parseDelays reads a comma-separated list of whole seconds or more.
func parseDelays(v string) ([]time.Duration, error) {
	var out []time.Duration
	var sum time.Duration
	for _, f := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d < time.Second || d%time.Second != 0 {
			return nil, fmt.Errorf("%q is not a duration of whole seconds, 1s or more", f)
		}
		out = append(out, d)
		sum += d
	}
	if len(out) > maxRetries {
		return nil, fmt.Errorf("at most %d retries", maxRetries)
	}
	if sum > maxRetryWindow {
		return nil, fmt.Errorf("the delays add up to %s, over %s", sum, maxRetryWindow)
	}
	return out, nil
}
