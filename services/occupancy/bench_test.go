package occupancy

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
)

// groundSpots are n spots on the campus's ground floor: in its rooms
// (dormitories' too) and around them, the same every run.
func groundSpots(tb testing.TB, n int) []geo.Spot {
	v := campus(tb)
	var rooms []*geo.Unit
	for _, u := range v.Units {
		if u.Level.Ordinal == 0 {
			rooms = append(rooms, u)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]geo.Spot, n)
	for i := range out {
		u := rooms[rng.IntN(len(rooms))]
		// Within about 20 m of the room's display point: in it, in the
		// corridor, or outdoors.
		lon := u.Display[0] + (rng.Float64()-0.5)*0.0004
		lat := u.Display[1] + (rng.Float64()-0.5)*0.0004
		out[i] = v.SpotAt(lon, lat, 0, 3)
	}
	return out
}

// BenchmarkAnswer: what staff are told of the ground floor with 5,000
// people on it, worked out afresh (a new period of Fresh each time).
func BenchmarkAnswer(b *testing.B) {
	spots := groundSpots(b, 5000)
	m := New(0)
	// Recorded far ahead of the clock asked at, so that none expires
	// while the periods go by.
	for i, s := range spots {
		m.Record(int64(i), s, t0.Add(1000*time.Hour))
	}
	w := campus(b).View(geo.Staff)
	now := t0
	told := 0
	for b.Loop() {
		s := m.Answer(w, 0, now)
		told = len(s.Cells(MaxRes))
		now = now.Add(Fresh)
	}
	b.ReportMetric(float64(told), "cells13")
}

// BenchmarkAnswerCached: the same, asked again within one period.
func BenchmarkAnswerCached(b *testing.B) {
	spots := groundSpots(b, 5000)
	m := New(0)
	for i, s := range spots {
		m.Record(int64(i), s, t0)
	}
	w := campus(b).View(geo.Staff)
	for b.Loop() {
		m.Answer(w, 0, t0)
	}
}

// BenchmarkRecord: one person's new spot, among 5,000 kept.
func BenchmarkRecord(b *testing.B) {
	spots := groundSpots(b, 5000)
	m := New(0)
	now := t0
	i := 0
	for b.Loop() {
		m.Record(int64(i%len(spots)), spots[i%len(spots)], now)
		now = now.Add(time.Millisecond)
		i++
	}
}

// BenchmarkMemory: the heap a full map holds per person kept.
func BenchmarkMemory(b *testing.B) {
	spots := groundSpots(b, 1000)
	const n = 50000
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := New(n)
		for i := range n {
			m.Record(int64(i), spots[i%len(spots)], t0)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/person")
		runtime.KeepAlive(m)
	}
}
