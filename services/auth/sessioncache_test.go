package auth

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestSessionCacheFlood: the one table of per-client state kept in the
// process, the session cache, holds at most maxKeys sessions however
// many are looked up, and grows the heap by at most 512 bytes each (235
// to 291 measured).
func TestSessionCacheFlood(t *testing.T) {
	c := newSessionCache(time.Minute, maxKeys)
	now := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range 1_000_000 {
		u := User{ID: int64(i), Email: "flood@example.edu", Role: Student}
		_, gen, _ := c.get(HashToken(strconv.Itoa(i)), now)
		c.put(HashToken(strconv.Itoa(i)), u, now, now.Add(time.Hour), gen)
		if i%10_000 == 0 && c.size() > maxKeys {
			t.Fatalf("%d sessions cached after %d, over the cap of %d", c.size(), i+1, maxKeys)
		}
	}
	grown := int64(heap()) - int64(before)
	t.Logf("cached sessions: 1000000 looked up -> %d kept, heap +%.1f MB (%d bytes each)", c.size(), float64(grown)/(1<<20), grown/int64(max(c.size(), 1)))
	if c.size() != maxKeys {
		t.Errorf("%d sessions cached after the flood, want the cap, %d", c.size(), maxKeys)
	}
	if grown > maxKeys*512 {
		t.Errorf("the heap grew by %d bytes, over the bound of %d", grown, maxKeys*512)
	}
	runtime.KeepAlive(c)
}
