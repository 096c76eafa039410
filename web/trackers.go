package web

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/campusnav/engine/beacons"
)

// The trackers a client makes by sending scans are bounded, per owner and
// in total: a stranger inventing device names cannot grow the server.
const (
	// DefaultTrackersTotal is the most devices tracked at once. A tracker
	// holds 12.5 KB between scans (BenchmarkTrackerMemory in beacons), so
	// the trackers hold at most about 125 MB.
	DefaultTrackersTotal = 10000
	// DefaultTrackersPerPerson is how many devices one signed-in person
	// may have tracked at once: a phone, a tablet, a watch, and spares.
	DefaultTrackersPerPerson = 4
	// DefaultTrackersPerAddress is how many devices of people not signed
	// in one address (an IPv6 /64) may have tracked at once; a campus
	// network puts many phones behind one address.
	DefaultTrackersPerAddress = 64
)

// trackIdle is how long a device's track is kept without scans.
const trackIdle = 10 * time.Minute

// deviceTrack is the tracking state of one device of one owner.
type deviceTrack struct {
	mu    sync.Mutex
	t     *beacons.Tracker
	owner string
	seen  time.Time // the last scan, under trackers' lock
}

// trackers keeps the devices' tracks: least recently used first out when
// the total is reached, an owner's own least recently used when it has as
// many as it may, and tracks idle for trackIdle dropped.
type trackers struct {
	mu        sync.Mutex
	lru       *simplelru.LRU[string, *deviceTrack]
	perOwner  map[string][]string // each owner's keys, least recently used first
	newTrack  func(key string) *beacons.Tracker
	ownerCap  func(owner string) int
	evictions int
}

func newTrackers(total int, newTrack func(string) *beacons.Tracker, ownerCap func(string) int) *trackers {
	ts := &trackers{perOwner: map[string][]string{}, newTrack: newTrack, ownerCap: ownerCap}
	ts.lru, _ = simplelru.NewLRU(max(total, 1), func(key string, t *deviceTrack) {
		keys := slices.DeleteFunc(ts.perOwner[t.owner], func(k string) bool { return k == key })
		if len(keys) == 0 {
			delete(ts.perOwner, t.owner)
		} else {
			ts.perOwner[t.owner] = keys
		}
		ts.evictions++
	})
	return ts
}

// get returns the track of owner's device, starting one if needed.
func (ts *trackers) get(owner, device string, now time.Time) *deviceTrack {
	key := owner + "\x00" + device
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.dropIdle(now)
	if t, ok := ts.lru.Get(key); ok {
		t.seen = now
		keys := ts.perOwner[owner]
		if i := slices.Index(keys, key); i >= 0 && i < len(keys)-1 {
			keys = append(slices.Delete(keys, i, i+1), key)
			ts.perOwner[owner] = keys
		}
		return t
	}
	if keys := ts.perOwner[owner]; len(keys) >= ts.ownerCap(owner) {
		ts.lru.Remove(keys[0]) // the owner's least recently used
	}
	t := &deviceTrack{t: ts.newTrack(key), owner: owner, seen: now}
	ts.perOwner[owner] = append(ts.perOwner[owner], key)
	ts.lru.Add(key, t)
	return t
}

// dropIdle forgets the tracks not scanned for trackIdle: the least
// recently used come first, so it stops at the first fresh one.
func (ts *trackers) dropIdle(now time.Time) {
	for {
		_, t, ok := ts.lru.GetOldest()
		if !ok || now.Sub(t.seen) <= trackIdle {
			return
		}
		ts.lru.RemoveOldest()
	}
}

// len is how many devices are tracked.
func (ts *trackers) len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.lru.Len()
}

// addressOwner is the owner of the tracks of people not signed in: their
// address, or for IPv6 its /64, which one household or phone holds whole.
func addressOwner(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "address:" + ip
	}
	if a.Is4() || a.Is4In6() {
		return "address:" + a.Unmap().String()
	}
	p, _ := a.Prefix(64)
	return "address:" + p.String()
}
