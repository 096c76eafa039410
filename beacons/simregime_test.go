package beacons

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

func TestSeedsDisjoint(t *testing.T) {
	tu, re := TuningSeeds.Seeds(), ReportingSeeds.Seeds()
	if len(tu) == 0 || len(re) == 0 {
		t.Fatalf("%d tuning seeds, %d reporting seeds", len(tu), len(re))
	}
	for _, s := range tu {
		if ReportingSeeds.Contains(s) || slices.Contains(re, s) {
			t.Errorf("seed %d is both a tuning and a reporting seed", s)
		}
	}
	for _, s := range re {
		if TuningSeeds.Contains(s) {
			t.Errorf("seed %d is both a reporting and a tuning seed", s)
		}
	}
}

// simRegimeRadio is the radio of a regime's site for seed.
func simRegimeRadio(t *testing.T, regime string, seed int64) *simRadio {
	t.Helper()
	_, reg := simTestCampus(t)
	rg, ok := simRegimeOf(regime)
	if !ok {
		t.Fatalf("no regime %q", regime)
	}
	r := newSimRadio(reg, seed, 0)
	r.rg, r.site = rg, drawSite(regime, rg, r, seed, 0)
	return r
}

// simRegimeWalk plans walk i of seed in r's regime, as Simulate does.
func simRegimeWalk(t *testing.T, r *simRadio, seed int64, i int) ([]simLeg, string, string, *rand.Rand) {
	t.Helper()
	g, _ := simTestCampus(t)
	rng := rand.New(rand.NewPCG(uint64(seed), simStreamPhone+uint64(i)))
	r.phone = drawPhone(r.rg, rng)
	legs, from, to, err := r.planRegimeWalk(g, simPlaces(g.Venue.View(geo.Staff)), rng)
	if err != nil {
		t.Fatal(err)
	}
	return legs, from, to, rng
}

func TestRegimeDeterministic(t *testing.T) {
	_, a := simRun(t, SimConfig{Walks: 3, Seed: 2001, Regime: "wide"})
	_, b := simRun(t, SimConfig{Walks: 3, Seed: 2001, Regime: "wide"})
	if a != b {
		t.Fatal("the same seed gave different scans")
	}
	if _, c := simRun(t, SimConfig{Walks: 3, Seed: 2002, Regime: "wide"}); a == c {
		t.Fatal("seeds 2001 and 2002 gave the same scans")
	}
	if _, c := simRun(t, SimConfig{Walks: 3, Seed: 2001, Regime: "centre"}); a == c {
		t.Fatal("regimes wide and centre gave the same scans")
	}
	// Walk i is the same whatever the number of walks.
	if _, two := simRun(t, SimConfig{Walks: 2, Seed: 2001, Regime: "wide"}); !strings.HasPrefix(a, two) || len(two) == len(a) {
		t.Error("the first two of three walks differ from two walks")
	}
	_, s1 := simRun(t, SimConfig{Survey: true, Seed: 1001, Regime: "centre"})
	_, s2 := simRun(t, SimConfig{Survey: true, Seed: 1001, Regime: "centre"})
	if s1 != s2 || !strings.Contains(s1, `"heard":`) {
		t.Error("the survey is not deterministic, or its truths do not say what was heard")
	}
	g, reg := simTestCampus(t)
	if err := Simulate(g, reg, SimConfig{Regime: "nope"}, func(Scan) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "centre") {
		t.Errorf("an unknown regime: %v", err)
	}
}

func TestRegimeSiteFromSeedOnly(t *testing.T) {
	a, b := simRegimeRadio(t, "wide", 2003), simRegimeRadio(t, "wide", 2003)
	if !slices.Equal(a.site.beacons, b.site.beacons) || a.site.exponent != b.site.exponent || a.site.corrM != b.site.corrM {
		t.Fatal("the site is not the same for one seed")
	}
	if c := simRegimeRadio(t, "wide", 2004); c.site.exponent == a.site.exponent || slices.Equal(c.site.beacons, a.site.beacons) {
		t.Fatal("seeds 2003 and 2004 drew the same site")
	}
	// A survey and walks of one seed hear one site: at the same point and
	// with the same phone, their readings are the same up to fading and
	// misses. Drawing walks does not change the site.
	simRegimeWalk(t, a, 2003, 0)
	simRegimeWalk(t, a, 2003, 7)
	if !slices.Equal(a.site.beacons, b.site.beacons) {
		t.Fatal("walks changed the site")
	}
	at := a.beacons[0].pt
	for k := range a.beacons {
		s1 := simShadow(2003, k, orb.Point{at[0] + 1, at[1]}, 0, a.site.corrM)
		s2 := simShadow(2003, k, orb.Point{at[0] + 1, at[1]}, 0, b.site.corrM)
		if s1 != s2 {
			t.Fatalf("beacon %d: shadowing %v and %v at one point", k, s1, s2)
		}
	}
}

func TestRegimeDrawsInRange(t *testing.T) {
	for _, name := range simRegimeNames {
		if name == RegimeClassic {
			continue
		}
		rg, _ := simRegimeOf(name)
		exps, speeds := map[float64]bool{}, map[float64]bool{}
		for seed := int64(2001); seed <= 2006; seed++ {
			r := simRegimeRadio(t, name, seed)
			s := r.site
			for _, c := range []struct {
				what string
				x    float64
				in   simSpan
			}{{"exponent", s.exponent, rg.exponent}, {"shadowing", s.shadowDB, rg.shadowDB}, {"correlation", s.corrM, rg.corrM},
				{"floor loss", s.floorDB, rg.floorDB}, {"missed", s.miss, rg.miss}} {
				if !c.in.has(c.x) {
					t.Errorf("%s seed %d: %s %v outside %v", name, seed, c.what, c.x, c.in)
				}
			}
			exps[s.exponent] = true
			for i, b := range s.beacons {
				if math.Abs(b.n-s.exponent) > rg.exponentPer+1e-9 {
					t.Fatalf("%s seed %d: beacon %d's exponent %v, the site's %v", name, seed, i, b.n, s.exponent)
				}
				if b.dead && !r.beacons[i].outdoor {
					t.Fatalf("%s seed %d: an indoor beacon is dead", name, seed)
				}
			}
			if rg.outdoorDead > 0 {
				share := float64(s.outdoorDead) / float64(s.outdoorBeacons)
				if s.outdoorBeacons < 20 || math.Abs(share-rg.outdoorDead) > 0.15 {
					t.Errorf("%s seed %d: %d of %d outdoor beacons dead", name, seed, s.outdoorDead, s.outdoorBeacons)
				}
			}
			for i := 0; i < 3; i++ {
				simRegimeWalk(t, r, seed, i)
				p := r.phone
				if math.Abs(p.offsetDB) > rg.offsetDB || !rg.sensitivity.has(p.sensitivity) || !rg.speed.has(p.speed) ||
					!slices.Contains(rg.stops, p.stop) {
					t.Errorf("%s seed %d walk %d: phone and walker %+v", name, seed, i, p)
				}
				speeds[p.speed] = true
			}
		}
		// A range is drawn over, not pinned to one value.
		if (rg.exponent[0] < rg.exponent[1]) != (len(exps) > 1) || (rg.speed[0] < rg.speed[1]) != (len(speeds) > 1) {
			t.Errorf("%s: %d exponents, %d speeds over 6 seeds", name, len(exps), len(speeds))
		}
	}
}

func TestShadowingCorrelated(t *testing.T) {
	const corr = 3.0
	rng := rand.New(rand.NewPCG(1, 2))
	var x, near, far []float64
	for k := 0; k < 4000; k++ {
		p := orb.Point{400 * rng.Float64(), 400 * rng.Float64()}
		a := 2 * math.Pi * rng.Float64()
		step := func(d float64) orb.Point { return orb.Point{p[0] + d*math.Cos(a), p[1] + d*math.Sin(a)} }
		b := k % 50
		x = append(x, simShadow(2001, b, p, 0, corr))
		near = append(near, simShadow(2001, b, step(0.5), 0, corr))
		far = append(far, simShadow(2001, b, step(20), 0, corr))
	}
	sd := math.Sqrt(simVariance(x))
	if sd < 0.95 || sd > 1.05 {
		t.Errorf("the field's standard deviation is %.3f, want 1", sd)
	}
	if c := simCorrelation(x, near); c < 0.8 {
		t.Errorf("readings 0.5 m apart correlate %.2f", c)
	}
	if c := simCorrelation(x, far); math.Abs(c) > 0.1 {
		t.Errorf("readings 20 m apart correlate %.2f", c)
	}
	// Another floor, another field.
	var other []float64
	for k := 0; k < 2000; k++ {
		p := orb.Point{400 * rng.Float64(), 400 * rng.Float64()}
		x[k], other = simShadow(2001, 1, p, 0, corr), append(other, simShadow(2001, 1, p, 1, corr))
	}
	if c := simCorrelation(x[:2000], other); math.Abs(c) > 0.1 {
		t.Errorf("two floors' fields correlate %.2f", c)
	}
}

// The readings of a centre survey spread about the true mean by the
// stated shadowing and fading: sqrt(6^2 + 2^2) dB. Near the beacons only,
// where no reading falls below the sensitivity.
func TestRegimeReadingsSpread(t *testing.T) {
	_, reg := simTestCampus(t)
	r := simRegimeRadio(t, "centre", 2005)
	r.phone = drawPhone(r.rg, rand.New(rand.NewPCG(2005, simStreamSurveyReg)))
	idx := map[Key]int{}
	for i, b := range r.beacons {
		idx[Key{b.uuid, b.major, b.minor}] = i
	}
	scans, _ := simRun(t, SimConfig{Survey: true, Seed: 2005, Regime: "centre"})
	var res []float64
	for _, s := range scans {
		at := reg.Projection.ToLocal(s.Truth.Lon, s.Truth.Lat)
		if *s.Truth.Heard != len(s.Scans) {
			t.Fatalf("truth says %d heard, the scan %d", *s.Truth.Heard, len(s.Scans))
		}
		for _, h := range s.Scans {
			i := idx[Key{h.UUID, *h.Major, *h.Minor}]
			b, sb := r.beacons[i], r.site.beacons[i]
			d := simDist(at, b.pt)
			if b.ordinal != s.Truth.Ordinal || d > 8 || d < simMinDistance {
				continue
			}
			res = append(res, h.RSSI-(sb.power+r.phone.offsetDB-10*sb.n*math.Log10(d)))
		}
	}
	want := math.Hypot(6, 2)
	if sd := math.Sqrt(simVariance(res)); len(res) < 2000 || math.Abs(sd-want) > 0.5 {
		t.Errorf("%d readings within 8 m spread by %.2f dB, want %.2f", len(res), sd, want)
	}
}

func TestRegimeWalks(t *testing.T) {
	g, _ := simTestCampus(t)
	v := g.Venue
	for _, name := range []string{"centre", "slow", "stops", "wide"} {
		r := simRegimeRadio(t, name, 2007)
		inside, stopped := 0, 0
		for i := 0; i < 12; i++ {
			legs, _, to, _ := simRegimeWalk(t, r, 2007, i)
			// The end: anywhere inside the last place, when it is a unit.
			if f, _ := v.Feature(to); f != nil {
				if u, ok := f.(*geo.Unit); ok {
					end := legs[len(legs)-1].b.pt
					if !geo.Contains(u.Local, end) {
						t.Errorf("%s walk %d ends at %v, outside %s", name, i, end, to)
					}
					inside++
				}
			}
			if d := legs[0].dur; legs[0].a != legs[0].b || !r.rg.endStandS.has(d) {
				t.Errorf("%s walk %d stands %v s at the start", name, i, d)
			}
			for k, l := range legs[1 : len(legs)-1] {
				moves := l.a.pt != l.b.pt
				if !moves && l.a.ordinal == l.b.ordinal && l.a.level == l.b.level {
					stopped++
					continue
				}
				if l.a.ordinal != l.b.ordinal || l.a.level != l.b.level || simDist(l.a.pt, l.b.pt) < 0.5 {
					continue // a level change, or too short to time
				}
				speed := simDist(l.a.pt, l.b.pt) / l.dur
				lo, hi := r.phone.speed*(1-r.rg.wander), r.phone.speed*(1+r.rg.wander)
				if r.phone.stop == simStopDawdle {
					lo = r.phone.speed * simDawdle[0]
				}
				if speed < lo-1e-6 || speed > hi+1e-6 || !r.rg.speed.has(r.phone.speed) {
					t.Errorf("%s walk %d leg %d at %.2f m/s, the walker's %.2f", name, i, k+1, speed, r.phone.speed)
				}
			}
		}
		if inside < 4 {
			t.Errorf("%s: %d of 12 walks end in a unit", name, inside)
		}
		switch {
		case name == "centre" && stopped > 0:
			t.Errorf("centre: walkers stopped %d times midway", stopped)
		case name == "stops" && stopped < 12:
			t.Errorf("stops: walkers stopped %d times midway in 12 walks", stopped)
		}
	}
}

// Outdoors in sparse-outdoor, a scan hears a few weak readings.
func TestSparseOutdoor(t *testing.T) {
	count := func(regime string) (n, few int) {
		scans, _ := simRun(t, SimConfig{Walks: 8, Seed: 2008, Regime: regime})
		for _, s := range scans {
			if s.Truth.Level != "" {
				continue
			}
			n++
			if k := len(s.Scans); k >= 1 && k <= 4 {
				few++
			}
		}
		return n, few
	}
	n, few := count("sparse-outdoor")
	cn, cfew := count("centre")
	t.Logf("outdoor scans hearing 1-4 beacons: %d of %d in sparse-outdoor, %d of %d in centre", few, n, cfew, cn)
	if n < 50 || float64(few) < 0.5*float64(n) || float64(cfew) > 0.5*float64(cn) {
		t.Errorf("outdoor scans hearing 1-4 beacons: %d of %d in sparse-outdoor, %d of %d in centre", few, n, cfew, cn)
	}
}

func TestScanEvery2s(t *testing.T) {
	scans, _ := simRun(t, SimConfig{Walks: 6, Seed: 2009, Regime: "scan-2s"})
	gaps, n := 0, 0
	for _, w := range simWalks(scans) {
		for i := 1; i < len(w); i++ {
			d := w[i].Time().Sub(w[i-1].Time())
			if d < 1900*time.Millisecond {
				t.Fatalf("%s: a scan %v after the last", w[i].Device, d)
			}
			if d > 4100*time.Millisecond {
				gaps++
			}
			n++
		}
	}
	if n < 200 || gaps == 0 || gaps > n/4 {
		t.Errorf("%d intervals, %d gaps over 4 s", n, gaps)
	}
}

func simVariance(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return v / float64(len(xs))
}

func simCorrelation(a, b []float64) float64 {
	ma, mb := 0.0, 0.0
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}
