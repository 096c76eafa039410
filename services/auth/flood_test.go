package auth

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth/oidctest"
)

// The flood tests grow each table of per-client state with a million
// distinct keys, as an attacker would, and check that it never holds more
// than maxKeys and that the heap after a collection grows by less than
// floodHeapBound.

// floodKeys is how many distinct keys a flood brings.
const floodKeys = 1_000_000

// floodHeapBound is the most a flooded table may add to the heap, in
// bytes: 512 bytes for each of maxKeys entries (235 to 291 measured).
const floodHeapBound = maxKeys * 512

// heapAlloc is the heap in use after a collection, in bytes.
func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// checkFlood runs add for keys 0 .. keys-1, checking the size of the
// largest of tables every 10,000 keys, and the heap's growth at the end.
func checkFlood(t *testing.T, name string, keys, tables int, add func(i int), size func() int) {
	t.Helper()
	before := heapAlloc()
	for i := range keys {
		add(i)
		if i%10_000 == 0 || i == keys-1 {
			if n := size(); n > maxKeys {
				t.Fatalf("%s: %d entries after %d keys, over the cap of %d", name, n, i+1, maxKeys)
			}
		}
	}
	grown := int64(heapAlloc()) - int64(before)
	n := size()
	t.Logf("%s: %d keys -> %d entries a table, heap +%.1f MB (%d bytes an entry)", name, keys, n, float64(grown)/(1<<20), grown/int64(max(n*tables, 1)))
	if n != maxKeys {
		t.Errorf("%s: %d entries after the flood, want the cap, %d", name, n, maxKeys)
	}
	if grown > int64(tables)*floodHeapBound {
		t.Errorf("%s: the heap grew by %d bytes, over the bound of %d", name, grown, tables*floodHeapBound)
	}
}

func TestLimiterFlood(t *testing.T) {
	l := newLimiter(Limit{N: 5, Per: time.Minute})
	t0 := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	var buf []byte
	checkFlood(t, "login limit buckets", floodKeys, 1, func(i int) {
		buf = strconv.AppendInt(append(buf[:0], "flood"...), int64(i), 10)
		l.allow(string(buf)+"@example.edu", t0)
	}, l.size)
	runtime.KeepAlive(l)
}

func TestPhoneCodesFlood(t *testing.T) {
	p := newPhoneCodes()
	expires := time.Date(2025, 9, 1, 9, 5, 0, 0, time.UTC)
	phone := func(i int) string { return fmt.Sprintf("+86138%08d", i) }
	checkFlood(t, "pending codes", floodKeys, 1, func(i int) {
		ph := phone(i)
		mac := make([]byte, 32) // as large as a code's HMAC, quicker to make
		if i == 0 || i == floodKeys-1 {
			mac = p.mac(ph, "123456")
		}
		p.put(ph, &pendingCode{mac: mac, expires: expires})
	}, p.size)
	// The newest codes are kept, the oldest evicted first.
	now := expires.Add(-time.Minute)
	if !p.try(phone(floodKeys-1), "123456", now) {
		t.Error("the newest code is gone")
	}
	if p.try(phone(0), "123456", now) {
		t.Error("the oldest code outlived the flood")
	}
	runtime.KeepAlive(p)
}

func TestSessionCacheFlood(t *testing.T) {
	c := newSessionCache(time.Minute, maxKeys)
	now := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	checkFlood(t, "cached sessions", floodKeys, 1, func(i int) {
		u := User{ID: int64(i), Email: "flood@example.edu", Role: Student}
		_, gen, _ := c.get(HashToken(strconv.Itoa(i)), now)
		c.put(HashToken(strconv.Itoa(i)), u, now, now.Add(time.Hour), gen)
	}, c.size)
	runtime.KeepAlive(c)
}

// TestServiceFlood floods phone sign-in through the service, as strangers
// would: a new phone from a new address each time, so the codes and both
// limits see new keys; 200,000 of them (twelve times the cap: each sends
// a code, so a million takes long). Each table stays within the cap.
func TestServiceFlood(t *testing.T) {
	s := New(nil, Options{SMS: discardSMS{}})
	ctx := context.Background()
	var buf []byte
	checkFlood(t, "phone sign-in (codes, per-phone and per-address buckets)", 200_000, 3, func(i int) {
		buf = strconv.AppendInt(append(buf[:0], "+86139"...), int64(10_000_000+i), 10)
		addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		if _, _, err := s.StartPhone(ctx, string(buf), addr); err != nil {
			t.Fatalf("StartPhone: %v", err)
		}
	}, func() int { return max(s.codes.size(), s.phoneStarts.size(), s.phoneByAddress.size()) })
	for name, n := range map[string]int{"codes": s.codes.size(), "per-phone": s.phoneStarts.size(), "per-address": s.phoneByAddress.size()} {
		if n > maxKeys {
			t.Errorf("%s: %d entries, over the cap", name, n)
		}
	}
	runtime.KeepAlive(s)
}

// discardSMS sends nothing.
type discardSMS struct{}

func (discardSMS) SendCode(context.Context, string, string) error { return nil }

// TestSSOFlowsFlood begins sign-ins without finishing them, 100,000 (six
// times the cap: each makes three random strings, so a million takes
// long): the flows kept stay within the cap, and the last one finishes.
func TestSSOFlowsFlood(t *testing.T) {
	now := func() time.Time { return time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC) }
	s := New(nil, Options{Now: now})
	op := oidctest.New(t, now)
	sso, err := s.NewSSO(t.Context(), SSOConfig{Issuer: op.URL(), ClientID: "campus", ClientSecret: op.Secret, RedirectURL: "https://campus.example/cb"})
	if err != nil {
		t.Fatal(err)
	}
	size := func() int {
		sso.mu.Lock()
		defer sso.mu.Unlock()
		return sso.flows.Len()
	}
	before := heapAlloc()
	for i := range 100_000 {
		sso.Begin()
		if i%10_000 == 0 && size() > maxKeys {
			t.Fatalf("%d flows kept, over the cap", size())
		}
	}
	grown := int64(heapAlloc()) - int64(before)
	t.Logf("sign-ins begun: 100000 -> %d kept, heap +%.1f MB", size(), float64(grown)/(1<<20))
	if size() != maxKeys || grown > floodHeapBound {
		t.Errorf("%d flows kept (want %d), heap +%d bytes (bound %d)", size(), maxKeys, grown, floodHeapBound)
	}
}
