package auth

import (
	"strings"
	"testing"
)

// The token buckets themselves (their arithmetic, concurrent attempts,
// the eviction rule that keeps a victim's bucket under a flood, the cap)
// are the store's: services/storetest's AuthState runs them on both
// engines. The service's limits are tested through Login and StartPhone
// (service_test.go, phone_test.go).

// TestBoundedKey: a key longer than maxBucketKeyLen, or not plain UTF-8,
// is kept as its hash, still its own.
func TestBoundedKey(t *testing.T) {
	long := strings.Repeat("a", 60_000) + "@example.edu"
	for _, k := range []string{long, "bad\xffutf8", "nul\x00byte", strings.Repeat("b", maxBucketKeyLen+1)} {
		b := boundedKey(k)
		if len(b) > maxBucketKeyLen || !strings.HasPrefix(b, "sha256:") {
			t.Errorf("boundedKey(%.20q) = %q: want its hash, at most %d bytes", k, b, maxBucketKeyLen)
		}
	}
	if boundedKey(long) == boundedKey(strings.Repeat("a", 60_000)+"@example.org") {
		t.Error("two long keys share a bucket")
	}
	if boundedKey(long) != boundedKey(strings.Clone(long)) {
		t.Error("a long key's bucket is not its own")
	}
	for _, k := range []string{"sam@example.edu", "192.0.2.1", "2001:db8:1:2::/64", "+8613800000000", strings.Repeat("c", maxBucketKeyLen)} {
		if boundedKey(k) != k {
			t.Errorf("boundedKey(%q) = %q, want it as it is", k, boundedKey(k))
		}
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
