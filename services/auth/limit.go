package auth

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a number of attempts allowed per period: a token bucket that
// holds N attempts and refills at N per Per.
type Limit struct {
	N   int
	Per time.Duration
}

// limiter keeps one token bucket per key (an account or an address).
// Buckets that have refilled completely are dropped, at most once per
// period, so the map holds only keys seen within about one period.
type limiter struct {
	limit     rate.Limit
	burst     int
	per       time.Duration
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

func newLimiter(l Limit) *limiter {
	return &limiter{
		limit:   rate.Limit(float64(l.N) / l.Per.Seconds()),
		burst:   l.N,
		per:     l.Per,
		buckets: make(map[string]*rate.Limiter),
	}
}

// allow takes one attempt from key's bucket at now; false when it is empty.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	return b.AllowN(now, 1)
}

// reset forgets key: its bucket is full again.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, key)
}

// sweep drops full buckets, once per period.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.per {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
}

// size is the number of buckets kept (for tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
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
