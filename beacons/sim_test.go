package beacons

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

const simTestArchive = "../data/floorplans/hkust-gz"

var simTestOnce struct {
	sync.Once
	g   *routing.Graph
	reg *Registry
	err error
}

// simTestCampus loads the campus, its graph and its registry once.
func simTestCampus(t *testing.T) (*routing.Graph, *Registry) {
	t.Helper()
	o := &simTestOnce
	o.Do(func() {
		v, err := geo.Load(simTestArchive)
		if err != nil {
			o.err = err
			return
		}
		o.g, o.reg = routing.Build(v), FromVenue(v)
	})
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.g, o.reg
}

// simRun returns the scans of a simulation, and their JSON lines.
func simRun(t *testing.T, cfg SimConfig) ([]Scan, string) {
	t.Helper()
	g, reg := simTestCampus(t)
	var scans []Scan
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	err := Simulate(g, reg, cfg, func(s Scan) error {
		scans = append(scans, s)
		return enc.Encode(s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return scans, buf.String()
}

func TestSimulateDeterministic(t *testing.T) {
	_, a := simRun(t, SimConfig{Walks: 3, Seed: 7})
	_, b := simRun(t, SimConfig{Walks: 3, Seed: 7})
	if a != b {
		t.Fatal("the same seed gave different scans")
	}
	_, c := simRun(t, SimConfig{Walks: 3, Seed: 8})
	if a == c {
		t.Fatal("seeds 7 and 8 gave the same scans")
	}
	// Walk i is the same whatever the number of walks.
	_, two := simRun(t, SimConfig{Walks: 2, Seed: 7})
	if !strings.HasPrefix(a, two) || len(two) == len(a) {
		t.Error("the first two of three walks differ from two walks")
	}
	_, s1 := simRun(t, SimConfig{Survey: true, Seed: 3})
	_, s2 := simRun(t, SimConfig{Survey: true, Seed: 3})
	if s1 != s2 {
		t.Error("the survey is not deterministic")
	}
}

func TestSimulateScanLines(t *testing.T) {
	scans, lines := simRun(t, SimConfig{Walks: 2, Seed: 1})
	first := strings.SplitN(lines, "\n", 2)[0]
	if !strings.HasPrefix(first, `{"device":"sim-000","t":"2026-11-22T10:00:00.000Z","scans":[{"uuid":"`) ||
		!strings.Contains(first, `],"truth":{"lon":`) {
		t.Errorf("first line %.200s", first)
	}
	prev := map[string]time.Time{}
	for i, s := range scans {
		p, err := ParseScan([]byte(strings.Split(lines, "\n")[i]))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if p.Time() != s.Time() {
			t.Fatalf("line %d: time %v, parsed %v", i+1, s.Time(), p.Time())
		}
		for _, h := range s.Scans {
			if h.RSSI != math.Round(h.RSSI) || h.RSSI < simSensitivity || h.RSSI > 0 {
				t.Fatalf("line %d: rssi %v", i+1, h.RSSI)
			}
		}
		if last, ok := prev[s.Device]; ok {
			if d := s.Time().Sub(last); d < 900*time.Millisecond || d > 1100*time.Millisecond {
				t.Errorf("line %d: %v after the last scan", i+1, d)
			}
		}
		prev[s.Device] = s.Time()
	}
	if len(prev) != 2 || prev["sim-001"].Before(time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("devices %v", prev)
	}
}

// simWalks splits scans by device, in order.
func simWalks(scans []Scan) [][]Scan {
	var out [][]Scan
	for i, s := range scans {
		if i == 0 || s.Device != scans[i-1].Device {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}

// simStill returns the lengths of the runs of scans at one truth point.
func simStill(walk []Scan) []int {
	var runs []int
	for i := range walk {
		if i == 0 || *walk[i].Truth != *walk[i-1].Truth {
			runs = append(runs, 0)
		}
		runs[len(runs)-1]++
	}
	return runs
}

func TestSimulateStandsStill(t *testing.T) {
	scans, _ := simRun(t, SimConfig{Walks: 6, Seed: 2})
	for _, w := range simWalks(scans) {
		runs := simStill(w)
		if runs[0] < 15 || runs[len(runs)-1] < 15 || len(runs) < 3 {
			t.Errorf("%s: still at the ends for %d and %d scans", w[0].Device, runs[0], runs[len(runs)-1])
		}
	}
	// A pause of 10 s midway in about a third of walks.
	g, reg := simTestCampus(t)
	r := newSimRadio(reg, 2, 6)
	places := simPlaces(g.Venue.View(geo.Staff))
	paused := 0
	for i := 0; i < 30; i++ {
		legs, _, err := r.planWalk(g, places, rand.New(rand.NewPCG(2, simStreamWalk+uint64(i))))
		if err != nil {
			t.Fatal(err)
		}
		total, at := 0.0, -1.0
		for _, l := range legs[1 : len(legs)-1] {
			if l.dur == simPauseS && l.a == l.b {
				at = total
			}
			total += l.dur
		}
		if at >= 0 {
			paused++
			if at < 0.3*total || at > 0.7*total {
				t.Errorf("walk %d pauses at %.0f s of %.0f", i, at, total)
			}
		}
	}
	if paused < 5 || paused > 16 {
		t.Errorf("%d of 30 walks pause midway, want about a third", paused)
	}
}

func TestSimulateFollowsLevelChanges(t *testing.T) {
	g, reg := simTestCampus(t)
	r := newSimRadio(reg, 1, 6)
	places := simPlaces(g.Venue.View(geo.Staff))
	changes, outdoor, carpark := 0, 0, 0
	for i := 0; i < 40; i++ {
		rng := rand.New(rand.NewPCG(1, simStreamWalk+uint64(i)))
		legs, rt, err := r.planWalk(g, places, rng)
		if err != nil {
			t.Fatal(err)
		}
		// The floors a walk is on, in order, are the route's.
		want := []int{legs[0].a.ordinal}
		for _, c := range rt.LevelChanges {
			if c.FromOrdinal != want[len(want)-1] {
				want = append(want, c.FromOrdinal)
			}
			want = append(want, c.ToOrdinal)
		}
		var got []int
		var scans []Scan
		r.walk(legs, rng, "t", simWalkStart, func(s Scan) error {
			scans = append(scans, s)
			if o := s.Truth.Ordinal; len(got) == 0 || got[len(got)-1] != o {
				got = append(got, o)
			}
			return nil
		})
		if !slices.Equal(got, want) {
			t.Errorf("walk %d: floors %v, the route's %v (%+v)", i, got, want, rt.LevelChanges)
		}
		changes += len(rt.LevelChanges)
		for _, s := range scans {
			if s.Truth.Level == "" {
				outdoor++
			} else if l, ok := g.Venue.Feature(s.Truth.Level); !ok || l.(*geo.Level).Ordinal != s.Truth.Ordinal {
				t.Fatalf("walk %d: truth %+v is not on its level", i, *s.Truth)
			}
			if s.Truth.Ordinal == -1 {
				carpark++
			}
		}
	}
	if changes < 20 || outdoor == 0 || carpark == 0 {
		t.Errorf("40 walks change level %d times, %d scans outdoors, %d in the car park", changes, outdoor, carpark)
	}
}

func TestSimulateHearsEnough(t *testing.T) {
	g, _ := simTestCampus(t)
	scans, _ := simRun(t, SimConfig{Walks: 10, Seed: 4})
	teaching, enough := 0, 0
	for _, s := range scans {
		f, ok := g.Venue.Feature(s.Truth.Level)
		if !ok {
			continue
		}
		if b := f.(*geo.Level).Building(); b == nil || len(b.Ref) != 2 || b.Ref[0] != 'C' {
			continue
		}
		teaching++
		if len(s.Scans) >= 3 {
			enough++
		}
	}
	if teaching < 100 || float64(enough) < 0.9*float64(teaching) {
		t.Errorf("%d of %d scans on teaching floors hear 3 beacons or more", enough, teaching)
	}
}

func TestSimulateRSSIByDistance(t *testing.T) {
	_, reg := simTestCampus(t)
	scans, _ := simRun(t, SimConfig{Survey: true, Seed: 5})
	var near, far []float64
	for _, s := range scans {
		at := reg.Projection.ToLocal(s.Truth.Lon, s.Truth.Lat)
		for _, h := range s.Scans {
			b, _ := reg.Lookup(Key{h.UUID, *h.Major, *h.Minor})
			if b.Ordinal != s.Truth.Ordinal {
				continue
			}
			switch d := simDist(at, b.Point); {
			case d > 1.5 && d < 2.5:
				near = append(near, h.RSSI)
			case d > 18 && d < 22:
				far = append(far, h.RSSI)
			}
		}
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	if len(near) < 100 || len(far) < 100 {
		t.Fatalf("%d readings at 2 m, %d at 20 m", len(near), len(far))
	}
	m2, m20 := mean(near), mean(far)
	// 20 dB for a path-loss exponent of 2, a little less as the weakest
	// readings at 20 m fall below the sensitivity.
	if d := m2 - m20; d < 15 || d > 25 || m2 > -55 || m2 < -75 {
		t.Errorf("mean RSSI %.1f dBm at 2 m, %.1f at 20 m", m2, m20)
	}
}

func TestSurveyPoints(t *testing.T) {
	g, _ := simTestCampus(t)
	v := g.Venue
	w := v.View(geo.Staff)
	scans, _ := simRun(t, SimConfig{Survey: true, Seed: 1, Walks: 5})
	if len(scans)%simSurveyScans != 0 || len(scans) < 10000 {
		t.Fatalf("%d survey scans", len(scans))
	}
	levels := map[string]bool{}
	outdoor := 0
	for _, s := range scans {
		if s.Device != "survey" {
			t.Fatalf("device %q", s.Device)
		}
		tr := s.Truth
		if tr.Level == "" {
			outdoor++
			// Outdoors: never inside a building staff may not enter.
			loc := w.Locate(geo.Position{Lon: tr.Lon, Lat: tr.Lat, Ordinal: tr.Ordinal}, "en")
			if loc.Building != nil {
				b, _ := v.Feature(loc.Building.ID)
				if len(w.Levels(b.(*geo.Building))) == 0 {
					t.Fatalf("survey point %v inside %s", tr, loc.Building.Name)
				}
			}
			continue
		}
		f, ok := w.Feature(tr.Level)
		if !ok {
			t.Fatalf("survey point on level %s that staff may not see", tr.Level)
		}
		if l := f.(*geo.Level); l.Ordinal != tr.Ordinal || strings.HasPrefix(l.Building().Ref, "D") {
			t.Fatalf("survey point %v on %s", tr, l.Building().Ref)
		}
		levels[tr.Level] = true
	}
	if outdoor < 1000 || len(levels) < 60 {
		t.Errorf("%d outdoor survey scans, %d levels surveyed", outdoor, len(levels))
	}
}

func TestSimRadioFromSeedOnly(t *testing.T) {
	_, reg := simTestCampus(t)
	a, b := newSimRadio(reg, 9, 6), newSimRadio(reg, 9, 4)
	c := newSimRadio(reg, 10, 6)
	same, sum := true, 0.0
	for i := range a.beacons {
		same = same && a.beacons[i] == b.beacons[i]
		n := a.beacons[i].n
		if n < simExponentMin || n > simExponentMax {
			t.Fatalf("exponent %v", n)
		}
		sum += n
	}
	if !same || a.beacons[0] == c.beacons[0] {
		t.Error("the radio truth does not follow the seed alone")
	}
	if m := sum / float64(len(a.beacons)); math.Abs(m-2) > 0.02 {
		t.Errorf("mean path-loss exponent %v", m)
	}
}

func TestSimulateErrors(t *testing.T) {
	g, reg := simTestCampus(t)
	emit := func(Scan) error { return nil }
	for _, cfg := range []SimConfig{{Walks: -1}, {SigmaDB: -2}, {SigmaDB: math.NaN()}} {
		if err := Simulate(g, reg, cfg, emit); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if err := Simulate(nil, reg, SimConfig{}, emit); err == nil {
		t.Error("no graph: no error")
	}
	stop := bytes.ErrTooLarge
	if err := Simulate(g, reg, SimConfig{Walks: 1}, func(Scan) error { return stop }); err != stop {
		t.Errorf("emit's error: %v", err)
	}
}

func TestSimCentreLine(t *testing.T) {
	// A 20 m x 2 m corridor along y = x: 5 points on its centre line.
	d := math.Sqrt2 / 2
	ring := orb.Ring{{0, 0}, {20 * d, 20 * d}, {20*d - 2*d, 20*d + 2*d}, {-2 * d, 2 * d}, {0, 0}}
	pts := simCentreLine(orb.Polygon{ring})
	if len(pts) != 5 {
		t.Fatalf("%d points", len(pts))
	}
	for _, p := range pts {
		// On the centre line: 1 m from the wall through the origin.
		if off := (p[1] - p[0]) * d; math.Abs(off-1) > 1e-9 {
			t.Errorf("point %v is %v m off the wall", p, off)
		}
	}
}
