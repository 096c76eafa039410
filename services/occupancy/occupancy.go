// Package occupancy keeps who was positioned where lately, and answers
// how many people are in each H3 cell of a floor without exposing anyone:
// a cell is told only with at least MinPeople people in it, and the cells
// told at resolutions 11, 12 and 13 are chosen together so that no
// subtraction of one from others tells a group of fewer (publish.go).
//
// It assumes what web feeds it: a signed-in person's latest spot
// (geo.Spot, the same whoever asks), from a phone's scans or a live
// socket's fix, at the server's clock. It keeps one spot per person, the
// latest, for Window, and at most a bounded number of people, the least
// recently positioned leaving first. Nothing is stored: it is memory, one
// process's.
//
// Who is counted depends on who asks: a spot the asker's view may not see
// precisely (geo.View.See: a dormitory for everyone, C1 for a visitor, a
// level IMDF restricts) is not counted at all.
package occupancy

import (
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/uber/h3-go/v4"

	"github.com/campusnav/engine/geo"
)

const (
	// MinPeople is the fewest people a published count may tell: every
	// published cell holds at least MinPeople, and whatever a client can
	// work out by subtracting published counts is 0 or at least
	// MinPeople.
	MinPeople = 5
	// Window is how long a position counts: a person positioned longer
	// ago than Window is not counted, and forgotten.
	Window = 10 * time.Minute
	// DefaultTotal is how many people are kept at most; the least
	// recently positioned is forgotten for a new one. A person costs
	// about 190 bytes (BenchmarkMemory), so the map holds at most about
	// 10 MB.
	DefaultTotal = 50000
	// Fresh is how long one answer stands: every asker of one role and
	// floor is answered the same counts, at every resolution, within one
	// period of Fresh (aligned on the clock), so that the resolutions
	// agree (they come from one moment) and a client asking again and
	// again learns no more often than every Fresh.
	Fresh = 30 * time.Second
)

// The resolutions answered, from MinRes (cells of about 2,150 m²) to
// MaxRes (about 44 m²).
const (
	MinRes = 11
	MaxRes = 13
)

// numRes is how many resolutions are answered.
const numRes = MaxRes - MinRes + 1

// cells is one person's cell at each resolution, coarsest first.
type cells [numRes]h3.Cell

// entry is a person's latest spot.
type entry struct {
	spot    geo.Spot
	ordinal int // the floor counted on: 0 outdoors
	cells   cells
	at      time.Time
}

// Map is who was positioned where lately. Make it with New; it is safe
// for concurrent use.
type Map struct {
	mu     sync.Mutex
	people *simplelru.LRU[int64, entry] // least recently positioned first
	// cache is the answers of the current period of Fresh, one per role
	// and floor asked: at most the roles times the ordinals, and all of
	// them together at most a few cells per person kept on their floor.
	// It is emptied when the period ends, never within it: an answer
	// told once in a period is told again in it.
	cache  map[cacheKey]*Snapshot
	period int64 // the period of Fresh the cache is of
}

type cacheKey struct {
	role    geo.Role
	ordinal int
}

// New makes a map of at most total people (DefaultTotal when total is 0
// or less).
func New(total int) *Map {
	if total <= 0 {
		total = DefaultTotal
	}
	lru, _ := simplelru.NewLRU[int64, entry](total, nil)
	return &Map{people: lru, cache: map[cacheKey]*Snapshot{}}
}

// Ordinal is the floor a spot is counted on: its own, on a level; 0
// outdoors (no level contains it), whatever ordinal a client gave, as
// outdoors is the ground (geo.Position).
func Ordinal(s geo.Spot) int {
	if s.Level == nil {
		return 0
	}
	return s.Ordinal
}

// cellsOf is the cells a spot lies in, coarsest first; false for a
// spot that is no point on the earth.
func cellsOf(s geo.Spot) (cells, bool) {
	var cs cells
	if !(s.Lat >= -90 && s.Lat <= 90 && s.Lon >= -180 && s.Lon <= 180) {
		return cs, false
	}
	c := h3.LatLngToCell(h3.NewLatLng(s.Lat, s.Lon), MaxRes)
	if !c.IsValid() {
		return cs, false
	}
	cs[numRes-1] = c
	for r := MaxRes - 1; r >= MinRes; r-- {
		cs[r-MinRes] = c.Parent(r)
	}
	return cs, true
}

// Record says person was at spot s at now (the server's clock): their
// earlier spot is forgotten.
func (m *Map) Record(person int64, s geo.Spot, now time.Time) {
	cs, ok := cellsOf(s)
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now)
	m.people.Add(person, entry{spot: s, ordinal: Ordinal(s), cells: cs, at: now})
}

// Len is how many people are kept.
func (m *Map) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.people.Len()
}

// expire forgets the people positioned longer than Window before now:
// the least recently positioned come first, so it stops at the first
// fresh one.
func (m *Map) expire(now time.Time) {
	for {
		_, e, ok := m.people.GetOldest()
		if !ok || now.Sub(e.at) <= Window {
			return
		}
		m.people.RemoveOldest()
	}
}

// Snapshot is the counts one asker is told of one floor, at every
// resolution, as of one moment.
type Snapshot struct {
	Ordinal int
	// Until is when the answer stops standing (the end of its period of
	// Fresh).
	Until time.Time
	res   [numRes][]Cell
}

// Cell is a published cell and the people counted in it.
type Cell struct {
	Cell   h3.Cell
	People int
}

// Ring is the cell's boundary as a closed GeoJSON ring: longitude,
// latitude (rounded to 1e-7 degrees, about 1 cm), the first point again
// last, counter-clockwise as H3 gives it.
func (c Cell) Ring() [][2]float64 {
	b := c.Cell.Boundary()
	ring := make([][2]float64, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, [2]float64{round7(ll.Lng), round7(ll.Lat)})
	}
	return append(ring, ring[0])
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

// Cells is the published cells at resolution res (MinRes..MaxRes), by
// cell; nil for another resolution.
func (s *Snapshot) Cells(res int) []Cell {
	if res < MinRes || res > MaxRes {
		return nil
	}
	return s.res[res-MinRes]
}

// Answer is what the viewer w is told of the floor of ordinal at now:
// the people positioned within Window whose spots w may see precisely,
// each counted once at their latest spot, published as publish says.
// Every asker of w's role is told the same within one period of Fresh.
func (m *Map) Answer(w geo.View, ordinal int, now time.Time) *Snapshot {
	return m.answer(cacheKey{w.Role(), ordinal}, now, func(s geo.Spot) bool {
		seen, ok := w.See(s)
		return ok && !seen.Outside
	})
}

// answer is Answer with the rule of who counts given (counts).
func (m *Map) answer(key cacheKey, now time.Time, counts func(geo.Spot) bool) *Snapshot {
	period := now.UnixNano() / int64(Fresh)
	m.mu.Lock()
	switch {
	case period > m.period:
		clear(m.cache)
		m.period = period
	case period < m.period:
		// A request that read the clock just before another moved the
		// period on: it is answered as of the new period, never by a
		// second answer of it.
		period = m.period
	}
	if s, ok := m.cache[key]; ok {
		m.mu.Unlock()
		return s
	}
	m.expire(now)
	var here []entry
	for _, e := range m.people.Values() {
		if e.ordinal == key.ordinal {
			here = append(here, e)
		}
	}
	m.mu.Unlock()

	people := make([]cells, 0, len(here))
	for _, e := range here {
		if counts(e.spot) {
			people = append(people, e.cells)
		}
	}
	s := publish(people)
	s.Ordinal = key.ordinal
	s.Until = time.Unix(0, (period+1)*int64(Fresh))

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.period == period {
		if old, ok := m.cache[key]; ok {
			return old // another asker's, of the same period: the same answer for all
		}
		m.cache[key] = s
	}
	return s
}
