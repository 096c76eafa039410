package beacons

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

var (
	campusOnce  sync.Once
	campusPos   *Positioner
	campusScans []Scan
)

// campus loads the real campus, its positioner and two simulated walks.
func campus(tb testing.TB) (*Positioner, []Scan) {
	tb.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		g := routing.Build(v)
		reg := FromVenue(v)
		campusPos = NewPositioner(reg, nil, g)
		cfg := DefaultSimConfig()
		cfg.Walks = 4
		err = Simulate(g, reg, cfg, func(s Scan) error {
			p, err := ParseScan(mustJSON(s))
			if err != nil {
				return err
			}
			campusScans = append(campusScans, p)
			return nil
		})
		if err != nil {
			panic(err)
		}
	})
	return campusPos, campusScans
}

// BenchmarkFix: single-scan fixes on one core, over simulated campus scans.
func BenchmarkFix(b *testing.B) {
	p, scans := campus(b)
	w := p.graph.Venue.View(geo.Staff)
	i := 0
	for b.Loop() {
		p.Fix(w, &scans[i%len(scans)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fixes/s")
}

// BenchmarkTrack: tracked fixes on one core: each walk's scans in order,
// one tracker per walk.
func BenchmarkTrack(b *testing.B) {
	p, scans := campus(b)
	w := p.graph.Venue.View(geo.Staff)
	trackers := map[string]*Tracker{}
	i := 0
	for b.Loop() {
		s := &scans[i%len(scans)]
		if i%len(scans) == 0 {
			clear(trackers)
		}
		t := trackers[s.Device]
		if t == nil {
			t = p.NewTracker(s.Device)
			trackers[s.Device] = t
		}
		t.Update(w, s)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fixes/s")
}

// mustJSON encodes a scan as the command line reads it.
func mustJSON(s Scan) []byte {
	b, err := jsonMarshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkTrackerMemory measures what a live Tracker holds: trackers
// fed a realistic stream (a minute of one simulated walk each, walks in
// turn) are kept alive, and the heap they add, after collection, is
// reported per tracker (what the server's caps are sized by). Scratch
// shared between trackers is not counted against any of them.
func BenchmarkTrackerMemory(b *testing.B) {
	p, scans := campus(b)
	w := p.graph.Venue.View(geo.Staff)
	walks := [][]Scan{}
	for i := range scans {
		if i == 0 || scans[i].Device != scans[i-1].Device {
			walks = append(walks, nil)
		}
		walks[len(walks)-1] = append(walks[len(walks)-1], scans[i])
	}
	const trackers, minute = 200, 60
	var perTracker float64
	for b.Loop() {
		ts := make([]*Tracker, trackers)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range ts {
			walk := walks[i%len(walks)]
			ts[i] = p.NewTracker(fmt.Sprintf("device-%d", i))
			for k := 0; k < minute && k < len(walk); k++ {
				ts[i].Update(w, &walk[k])
			}
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(ts)
		perTracker = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / trackers
	}
	b.ReportMetric(perTracker, "B/tracker")
}
