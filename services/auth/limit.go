package auth

import (
	"crypto/sha256"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// Limit is a number of attempts allowed per period: a token bucket that
// holds N attempts and refills at N per Per.
type Limit struct {
	N   int
	Per time.Duration
}

// maxKeys bounds every table of per-client state that a stranger can grow
// (rate-limit buckets, pending codes, sign-ins begun, cached sessions):
// at most this many entries each, the least recently used going first.
// The flood tests measure 235 to 291 bytes an entry (keys of at most
// maxBucketKeyLen bytes), so a table holds at most about 5 MB however
// many clients there are.
const maxKeys = 1 << 14

// limiter keeps one token bucket per key (an account, a phone or an
// address), at most max of them, the least recently used evicted first.
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
// a denial of service.
type limiter struct {
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets *simplelru.LRU[string, *rate.Limiter]
}

func newLimiter(l Limit) *limiter {
	return newLimiterOf(l, maxKeys)
}

// newLimiterOf is newLimiter keeping at most max buckets.
func newLimiterOf(l Limit, max int) *limiter {
	lru, err := simplelru.NewLRU[string, *rate.Limiter](max, nil)
	if err != nil {
		panic(err) // max <= 0: a programming error
	}
	return &limiter{
		limit:   rate.Limit(float64(l.N) / l.Per.Seconds()),
		burst:   l.N,
		buckets: lru,
	}
}

// maxBucketKeyLen is the longest key a limiter keeps as it is; longer ones
// (an email of 60 KB) are kept as their SHA-256, so a table's size in
// bytes is bounded too.
const maxBucketKeyLen = 64

// boundedKey is key, or its SHA-256 if it is longer than maxBucketKeyLen.
func boundedKey(key string) string {
	if len(key) <= maxBucketKeyLen {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return string(h[:])
}

// allow takes one attempt from key's bucket at now; false when it is empty.
func (l *limiter) allow(key string, now time.Time) bool {
	key = boundedKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets.Add(key, b)
	}
	return b.AllowN(now, 1)
}

// reset forgets key: its bucket is full again.
func (l *limiter) reset(key string) {
	key = boundedKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets.Remove(key)
}

// size is the number of buckets kept (for tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buckets.Len()
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
