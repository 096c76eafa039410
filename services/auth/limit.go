package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// Limit is a number of attempts allowed per period: a token bucket that
// holds N attempts and refills at N per Per.
type Limit struct {
	N   int
	Per time.Duration
}

// maxKeys bounds every table of per-client state that a stranger can grow:
// the store keeps at most this many buckets of each limit, pending codes
// and sign-ins begun (State), this process at most this many cached
// sessions.
const maxKeys = 1 << 14

// The kinds of limit buckets.
const (
	kindAccount      = "login-account"
	kindAddress      = "login-address"
	kindPhone        = "phone"
	kindPhoneAddress = "phone-address"
)

// limiter is one limit: a token bucket per key (an account, a phone or an
// address) in the shared State, at most max of them, the least recently
// used evicted first.
//
// Evicting a bucket forgets what its key has used: harmless when the
// bucket had refilled (a key unused for a period), a lifted limit when it
// had not. The least recently used bucket is, but for a flood, one
// untouched for longer than a period, so full. A key under attack is
// touched at every attempt, refused ones too, so it is the most recently
// used, not the least: to lift its limit an attacker must bring max new
// keys between two of its attempts, and each new key costs an attempt of
// another limit checked first (the per-address limit before the
// per-account one; the per-address limit before the per-phone one). The
// other choice, refusing new keys when full, would let the same flood
// lock everyone new out, so a flood degrades to this cost rather than to
// a denial of service. The buckets are shared by every replica, so the
// cost is the same however many there are.
type limiter struct {
	state State
	kind  string
	limit Limit
	max   int
}

// allow takes one attempt from key's bucket at now; false when it is empty.
func (l limiter) allow(ctx context.Context, key string, now time.Time) (bool, error) {
	return l.state.Attempt(ctx, l.bucket(key), now)
}

// reset forgets what key has used: its bucket is full again.
func (l limiter) reset(ctx context.Context, key string) error {
	return l.state.Refill(ctx, l.bucket(key))
}

func (l limiter) bucket(key string) Bucket {
	return Bucket{Kind: l.kind, Key: boundedKey(key), Limit: l.limit, Max: l.max}
}

// maxBucketKeyLen is the longest key a limiter keeps as it is; longer ones
// (an email of 60 KB), and any that is not UTF-8 or holds a NUL, are kept
// as their SHA-256, so a table's size in bytes is bounded too and any
// store can keep them as text.
const maxBucketKeyLen = 64

// boundedKey is key, or "sha256:" and its SHA-256 (base64url, 50 bytes in
// all) if it is longer than maxBucketKeyLen or not plain UTF-8.
func boundedKey(key string) string {
	if len(key) <= maxBucketKeyLen && utf8.ValidString(key) && !strings.ContainsRune(key, 0) {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(h[:])
}

// addressKey is the key of a client address: the host without its port;
// an IPv6 address counts by its /64, which one client usually holds whole.
// Anything else, including "", is its own key.
func addressKey(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
