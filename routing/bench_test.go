package routing

import (
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
)

var (
	campusOnce  sync.Once
	campusGraph *Graph
)

// campus loads the real campus and its graph once.
func campus(t testing.TB) *Graph {
	t.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		campusGraph = Build(v)
	})
	return campusGraph
}

// crossCampus lists routes from the gates to top-floor rooms on the far side.
func crossCampus(g *Graph) [][2]string {
	var top []string
	for _, b := range g.Venue.Buildings {
		if len(b.Levels) == 0 || b.Ref[0] == 'D' || b.Ref == "CP" {
			continue
		}
		l := b.Levels[len(b.Levels)-1]
		for _, u := range l.Units {
			if u.Category == "office" || u.Category == "classroom" || u.Category == "conferenceroom" {
				top = append(top, u.Ref)
				if len(top)%3 == 0 {
					break
				}
			}
		}
	}
	var pairs [][2]string
	for _, gate := range []string{"G1", "G2", "G3", "G4", "G5"} {
		for _, room := range top {
			pairs = append(pairs, [2]string{gate, room})
		}
	}
	return pairs
}

// BenchmarkRouteCrossCampus routes from every gate to top-floor rooms of
// every teaching building as a student, and reports the median and 99th
// percentile time of one route.
func BenchmarkRouteCrossCampus(b *testing.B) {
	g := campus(b)
	w := g.Venue.View(geo.Student)
	pairs := crossCampus(g)
	var times []time.Duration
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		t0 := time.Now()
		if _, err := g.Route(w, Request{From: p[0], To: p[1], Lang: "en"}); err != nil {
			b.Fatalf("%s -> %s: %v", p[0], p[1], err)
		}
		times = append(times, time.Since(t0))
		i++
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkStartup is what a command pays before its first route: load and
// validate the campus, build the graph, compute one landmark table.
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		v, err := geo.Load("../data/floorplans/hkust-gz")
		if err != nil {
			b.Fatal(err)
		}
		Build(v).table(Walk, geo.Student)
	}
}

// BenchmarkGraphMemory reports the heap the graph holds: after Build, and
// after Warm computes the landmark tables of every profile and role class.
func BenchmarkGraphMemory(b *testing.B) {
	v := campus(b).Venue
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var built, warm uint64
	for b.Loop() {
		before := heap()
		g := Build(v)
		built = heap() - before
		g.Warm()
		warm = heap() - before
		runtime.KeepAlive(g)
	}
	b.ReportMetric(float64(built)/(1<<20), "graph-MiB")
	b.ReportMetric(float64(warm)/(1<<20), "warm-MiB")
	g := campus(b)
	b.ReportMetric(float64(len(g.Nodes)), "nodes")
	b.ReportMetric(float64(len(g.Edges)), "edges")
}

// BenchmarkNearestWalking: the 3 nearest amenities by walking time, from a
// point in each room of the campus in turn, as a student.
func BenchmarkNearestWalking(b *testing.B) {
	g := campus(b)
	w := g.Venue.View(geo.Student)
	var at []geo.Position
	for _, u := range g.Venue.Units {
		if w.Sees(u) {
			at = append(at, geo.Position{Lon: u.Display[0], Lat: u.Display[1], Ordinal: u.Level.Ordinal})
		}
	}
	cats := []string{"copymachine", "defibrillator", "vendingmachine", "firstaid"}
	i := 0
	for b.Loop() {
		if _, err := g.Nearest(w, cats[i%len(cats)], at[(i*7919)%len(at)], 3, Walk, "en"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
