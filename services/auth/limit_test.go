package auth

import (
	"fmt"
	"strings"
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
	if n := l.size(); n != 2 {
		t.Errorf("%d buckets, want 2", n)
	}
}

// TestLimiterLongKeys: a key longer than maxBucketKeyLen is kept as its
// hash, and still limited on its own.
func TestLimiterLongKeys(t *testing.T) {
	l := newLimiter(Limit{N: 1, Per: time.Minute})
	t0 := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("a", 60_000) + "@example.edu"
	if !l.allow(long, t0) || l.allow(long, t0) {
		t.Error("a long key is not limited")
	}
	if !l.allow(strings.Repeat("a", 60_000)+"@example.org", t0) {
		t.Error("another long key shares its bucket")
	}
	l.mu.Lock()
	for _, k := range l.buckets.Keys() {
		if len(k) > maxBucketKeyLen {
			t.Errorf("a key of %d bytes is kept", len(k))
		}
	}
	l.mu.Unlock()
}

// TestLimiterVictimKeepsLimitUnderFlood pins the eviction rule: a key in
// use keeps its exhausted bucket however many new keys arrive, as long as
// it is used within every max new keys; only a flood of max new keys
// between two of its uses evicts it (the cost limiter's comment states).
func TestLimiterVictimKeepsLimitUnderFlood(t *testing.T) {
	const max = 100
	l := newLimiterOf(Limit{N: 5, Per: time.Minute}, max)
	t0 := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	for range 5 {
		l.allow("victim", t0)
	}
	key := 0
	for round := range 50 {
		for range max - 1 {
			l.allow(fmt.Sprint("flood", key), t0)
			key++
		}
		if l.allow("victim", t0) {
			t.Fatalf("round %d: the victim's limit lifted by %d new keys", round, key)
		}
		if n := l.size(); n > max {
			t.Fatalf("%d buckets, over the cap of %d", n, max)
		}
	}
	for range max {
		l.allow(fmt.Sprint("flood", key), t0)
		key++
	}
	if !l.allow("victim", t0) {
		t.Error("max new keys since the victim's last use did not evict its bucket (the documented cost changed)")
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
