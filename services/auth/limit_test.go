package auth

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(Limit{N: 3, Per: time.Minute})
	t0 := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !l.allow("k", t0) {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if l.allow("k", t0) {
		t.Error("fourth attempt at once allowed")
	}
	if !l.allow("other", t0) {
		t.Error("another key refused")
	}
	if !l.allow("k", t0.Add(20*time.Second)) || l.allow("k", t0.Add(20*time.Second)) {
		t.Error("want one attempt back after a third of the period")
	}
	l.reset("k")
	if !l.allow("k", t0.Add(20*time.Second)) {
		t.Error("refused after reset")
	}
	// Full buckets are dropped at the next sweep, a period on.
	if n := l.size(); n != 2 {
		t.Errorf("%d buckets, want 2", n)
	}
	l.allow("late", t0.Add(2*time.Minute))
	if n := l.size(); n != 1 {
		t.Errorf("%d buckets after the sweep, want only the new one", n)
	}
}

func TestAddressKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1":              "192.0.2.1",
		"192.0.2.1:8080":         "192.0.2.1",
		"[::ffff:192.0.2.1]:80":  "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":   "2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:443":  "2001:db8:1:2::/64",
		"[fe80::1%eth0]:80":      "fe80::/64",
		"":                       "",
		"not an address":         "not an address",
		"unix-socket-peer:12345": "unix-socket-peer:12345",
	} {
		if got := addressKey(addr); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", addr, got, want)
		}
	}
}
