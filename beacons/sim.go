package beacons

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// SimConfig sets what Simulate makes. A zero field takes its default
// (DefaultSimConfig): 20 walks, seed 1, shadowing sigma 6 dB.
type SimConfig struct {
	Walks   int     // walks along routes; ignored in survey mode
	Seed    int64   // everything simulated, the radio environment included, follows from it
	SigmaDB float64 // shadowing: standard deviation of each reading, dB
	Survey  bool    // stand at survey points instead of walking
	// Regime names the ranges the hidden truth is drawn from (SimRegimes);
	// "" is RegimeClassic. In a regime other than classic, SigmaDB, if
	// not 0, overrides the regime's correlated shadowing.
	Regime string
}

// DefaultSimConfig returns the defaults: 20 walks, seed 1, sigma 6 dB.
func DefaultSimConfig() SimConfig { return SimConfig{Walks: 20, Seed: 1, SigmaDB: 6} }

// ErrSim is returned when the simulation cannot run as asked.
var ErrSim = errors.New("beacons: simulate")

// The hidden truth of the simulated radio environment. Positioning never
// reads these: it knows only the registry, its calibration and the plan.
const (
	simPowerSigma   = 2.0   // dB, true measured power about the registered one
	simExponent     = 2.0   // path-loss exponent, mean
	simExponentSD   = 0.15  // and its spread between beacons
	simExponentMin  = 1.6   //
	simExponentMax  = 2.6   //
	simFloorLoss    = 15.0  // dB per floor crossed
	simFloorHeight  = 4.0   // metres
	simSensitivity  = -95.0 // dBm: weaker is not heard
	simMissRate     = 0.10  // a beacon in range still missed
	simRange        = 45.0  // metres, horizontally: beyond, never heard
	simMinDistance  = 0.5   // metres: the model's near field
	simSurveyStep   = 4.0   // metres between survey points
	simSurveyScans  = 3     // scans at each survey point
	simJitterMs     = 50    // timestamps wander by up to this, ms
	simPauseS       = 10.0  // a pause midway, seconds
	simStairsFloorS = 16.0  // seconds per floor by the stairs
	simLiftWaitS    = 25.0  // waiting for the elevator
	simLiftFloorS   = 4.0   // and riding it, per floor
	simEscalatorS   = 20.0  // seconds per floor on an escalator
	simTimeLayout   = "2006-01-02T15:04:05.000Z07:00"
)

// The first walk starts here, each next an hour later; a survey starts a
// day before.
var (
	simWalkStart   = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	simSurveyStart = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
)

// Separate random streams of one seed: the radio truth never depends on
// the mode or the number of walks, and walk i is the same in any run.
const (
	simStreamRadio  = 0x5ad10
	simStreamSurvey = 0x50e7
	simStreamWalk   = 0x3a1c0000
)

// simBeacon is a registered beacon and its true radio parameters.
type simBeacon struct {
	uuid         string
	major, minor int
	pt           orb.Point // registry plane, metres
	ordinal      int
	power, n     float64
	registered   float64 // the registry's measured power
	outdoor      bool    // on no level
}

// simRadio is the true radio environment, with a grid for beacons in range.
type simRadio struct {
	reg     *Registry
	beacons []simBeacon
	grid    map[[2]int][]int32
	sigma   float64

	// In a regime other than classic: its ranges, the site drawn from
	// them, and the phone and walker of the walk under way.
	rg    simRegime
	site  *simSite
	phone simPhone
}

// newSimRadio draws the true environment from the seed alone.
func newSimRadio(reg *Registry, seed int64, sigma float64) *simRadio {
	bs := append([]*Beacon(nil), reg.Beacons...)
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
	rng := rand.New(rand.NewPCG(uint64(seed), simStreamRadio))
	r := &simRadio{reg: reg, grid: map[[2]int][]int32{}, sigma: sigma}
	for i, b := range bs {
		n := simExponent + simExponentSD*rng.NormFloat64()
		r.beacons = append(r.beacons, simBeacon{uuid: b.UUID, major: b.Major, minor: b.Minor, pt: b.Point, ordinal: b.Ordinal,
			power: b.MeasuredPower + simPowerSigma*rng.NormFloat64(), n: math.Max(simExponentMin, math.Min(simExponentMax, n)),
			registered: b.MeasuredPower, outdoor: b.LevelID == ""})
		c := simCell(b.Point)
		r.grid[c] = append(r.grid[c], int32(i))
	}
	return r
}

func simCell(p orb.Point) [2]int {
	return [2]int{int(math.Floor(p[0] / simRange)), int(math.Floor(p[1] / simRange))}
}

// scan is what a phone at pt (registry plane) on ordinal hears: each beacon
// in range, strongest first.
func (r *simRadio) scan(rng *rand.Rand, pt orb.Point, ordinal int) []Heard {
	var hs []simGot
	c := simCell(pt)
	for dx := -1; dx <= 1; dx++ {
		for dy := -1; dy <= 1; dy++ {
			for _, i := range r.grid[[2]int{c[0] + dx, c[1] + dy}] {
				b := &r.beacons[i]
				h := math.Hypot(b.pt[0]-pt[0], b.pt[1]-pt[1])
				if h > simRange {
					continue
				}
				floors := math.Abs(float64(ordinal - b.ordinal))
				v := floors * simFloorHeight
				d := math.Max(simMinDistance, math.Sqrt(h*h+v*v))
				mean := b.power - 10*b.n*math.Log10(d) - simFloorLoss*floors
				if mean+5*r.sigma < simSensitivity {
					continue // never heard, whatever the noise
				}
				rssi := math.Round(mean + r.sigma*rng.NormFloat64())
				if rng.Float64() < simMissRate || rssi < simSensitivity {
					continue
				}
				hs = append(hs, simGot{i, rssi})
			}
		}
	}
	return r.heard(hs)
}

// simGot is a reading of beacon i.
type simGot struct {
	i    int32
	rssi float64
}

// heard lists readings strongest first, as a phone reports them.
func (r *simRadio) heard(hs []simGot) []Heard {
	sort.Slice(hs, func(a, b int) bool {
		return hs[a].rssi > hs[b].rssi || (hs[a].rssi == hs[b].rssi && hs[a].i < hs[b].i)
	})
	out := make([]Heard, len(hs))
	for k, h := range hs {
		b := &r.beacons[h.i]
		major, minor := b.major, b.minor
		out[k] = Heard{UUID: b.uuid, Major: &major, Minor: &minor, RSSI: h.rssi}
	}
	return out
}

// simState is what a point of a walk or survey is: where, and on which floor.
type simState struct {
	pt      orb.Point // registry plane
	ordinal int
	level   string // "" outdoors
}

// emitScan makes the scan of device at offset ms after start, at st.
func (r *simRadio) emitScan(rng *rand.Rand, device string, start time.Time, ms int64, st simState, emit func(Scan) error) error {
	at := start.Add(time.Duration(ms) * time.Millisecond)
	lon, lat := r.reg.Projection.ToLonLat(st.pt)
	s := Scan{Device: device, T: at.Format(simTimeLayout), at: at,
		Truth: &Truth{Lon: simRound7(lon), Lat: simRound7(lat), Ordinal: st.ordinal, Level: st.level}}
	if r.site == nil {
		s.Scans = r.scan(rng, st.pt, st.ordinal)
	} else {
		s.Scans = r.scanRegime(rng, st.pt, st.ordinal, st.level == "")
		n := len(s.Scans)
		s.Truth.Heard = &n
	}
	return emit(s)
}

// simJitter is a timestamp's wander, ms.
func simJitter(rng *rand.Rand) int64 { return int64(rng.IntN(2*simJitterMs+1) - simJitterMs) }

func simRound7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

// Simulate emits scans with their ground truth, deterministically for
// cfg.Seed: cfg.Walks walks between rooms, gates and car-park spots along
// the walking routes a staff member gets from g (about one scan a second),
// or, with cfg.Survey, scans at survey points every 4 m along the
// corridors and outdoor paths and at every other room, 3 at each. The
// radio environment (each beacon's true power and path-loss exponent)
// follows from the seed alone, so a survey and walks of one seed share it.
// reg must hold the beacons of g's venue (FromVenue, or a file of the same
// site: positions are matched by longitude and latitude).
func Simulate(g *routing.Graph, reg *Registry, cfg SimConfig, emit func(Scan) error) error {
	def := DefaultSimConfig()
	if cfg.Walks == 0 {
		cfg.Walks = def.Walks
	}
	if cfg.Seed == 0 {
		cfg.Seed = def.Seed
	}
	classic := cfg.Regime == "" || cfg.Regime == RegimeClassic
	if cfg.SigmaDB == 0 && classic {
		cfg.SigmaDB = def.SigmaDB
	}
	rg, known := simRegimeOf(cfg.Regime)
	switch {
	case !classic && !known:
		return fmt.Errorf("%w: regime %q is not one of %s", ErrSim, cfg.Regime, strings.Join(simRegimeNames, ", "))
	case g == nil || g.Venue == nil || reg == nil:
		return fmt.Errorf("%w: no graph or no registry", ErrSim)
	case cfg.Walks < 0:
		return fmt.Errorf("%w: walks %d is negative", ErrSim, cfg.Walks)
	case cfg.SigmaDB < 0 || math.IsNaN(cfg.SigmaDB) || math.IsInf(cfg.SigmaDB, 0):
		return fmt.Errorf("%w: sigma %v dB is not a standard deviation", ErrSim, cfg.SigmaDB)
	}
	r := newSimRadio(reg, cfg.Seed, cfg.SigmaDB)
	if !classic {
		r.rg, r.site = rg, drawSite(cfg.Regime, rg, r, cfg.Seed, cfg.SigmaDB)
		return r.simulateRegime(g, cfg, emit)
	}
	if cfg.Survey {
		return r.survey(g.Venue, cfg.Seed, emit)
	}
	places := simPlaces(g.Venue.View(geo.Staff))
	if places.len() < 2 {
		return fmt.Errorf("%w: the venue has fewer than two places to walk between", ErrSim)
	}
	for i := 0; i < cfg.Walks; i++ {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), simStreamWalk+uint64(i)))
		w, _, err := r.planWalk(g, places, rng)
		if err != nil {
			return fmt.Errorf("%w: walk %d: %v", ErrSim, i, err)
		}
		if err := r.walk(w, rng, fmt.Sprintf("sim-%03d", i), simWalkStart.Add(time.Duration(i)*time.Hour), emit); err != nil {
			return err
		}
	}
	return nil
}

// simRoomCategories are the rooms walks start and end at.
var simRoomCategories = []string{"office", "classroom", "conferenceroom", "huddleroom", "laboratory", "lobby", "library"}

// simPlaceGroups are the places walks go between, each sorted by id: rooms,
// gates and car-park spots (units of category parking).
type simPlaceGroups [3][]string

func simPlaces(w geo.View) simPlaceGroups {
	var g simPlaceGroups
	v := w.Venue()
	for _, u := range v.Units {
		if !w.Sees(u) || u.Level == nil || !w.Sees(u.Level) {
			continue
		}
		switch {
		case u.Category == "parking":
			g[2] = append(g[2], u.ID)
		case strings.HasPrefix(u.Category, "restroom.") || simHas(simRoomCategories, u.Category):
			g[0] = append(g[0], u.ID)
		}
	}
	for _, gt := range v.Gates {
		if w.Sees(gt) {
			g[1] = append(g[1], gt.ID)
		}
	}
	for i := range g {
		sort.Strings(g[i])
	}
	return g
}

func (g simPlaceGroups) len() int { return len(g[0]) + len(g[1]) + len(g[2]) }

// pick draws a place: a room 60% of the time, a gate or a car-park spot
// 20% each (a room when the venue has none of those).
func (g simPlaceGroups) pick(rng *rand.Rand) string {
	x, k := rng.Float64(), 0
	switch {
	case x >= 0.8 && len(g[2]) > 0:
		k = 2
	case x >= 0.6 && len(g[1]) > 0:
		k = 1
	}
	if len(g[k]) == 0 {
		k = 0
		for len(g[k]) == 0 {
			k++
		}
	}
	return g[k][rng.IntN(len(g[k]))]
}

func simHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// simLeg is a stretch of a walk: from a to b in dur seconds, on a's floor
// for the first half and b's for the second (a level change), or standing
// still where a == b.
type simLeg struct {
	dur  float64
	a, b simState
}

func (l simLeg) at(t float64) simState {
	f := 0.0
	if l.dur > 0 {
		f = math.Max(0, math.Min(1, t/l.dur))
	}
	st := l.a
	if f >= 0.5 {
		st = l.b
	}
	st.pt = orb.Point{l.a.pt[0] + f*(l.b.pt[0]-l.a.pt[0]), l.a.pt[1] + f*(l.b.pt[1]-l.a.pt[1])}
	return st
}

// planWalk draws a pair of places with a walking route between them (pairs
// without one are skipped) and lays out the walk: standing still at both
// ends, and in about a third of walks a pause midway.
func (r *simRadio) planWalk(g *routing.Graph, places simPlaceGroups, rng *rand.Rand) ([]simLeg, *routing.Route, error) {
	w := g.Venue.View(geo.Staff)
	for try := 0; try < 200; try++ {
		from, to := places.pick(rng), places.pick(rng)
		if from == to {
			continue
		}
		rt, err := g.Route(w, routing.Request{From: from, To: to, Profile: routing.Walk, Lang: "en"})
		if err != nil || len(rt.Geometry.Features) == 0 {
			continue
		}
		speed := 1.1 + 0.4*rng.Float64()
		legs := r.routeLegs(w, rt, simClassicPace(speed))
		if rng.Float64() < 1.0/3 {
			legs = simPause(legs)
		}
		first, last := legs[0].a, legs[len(legs)-1].b
		stand := func() float64 { return 15 + 15*rng.Float64() }
		legs = append([]simLeg{{dur: stand(), a: first, b: first}}, legs...)
		return append(legs, simLeg{dur: stand(), a: last, b: last}), rt, nil
	}
	return nil, nil, errors.New("no routable pair of places in 200 tries")
}

// simPace times a walk: a stretch of walking d metres, and a level change
// of floors floors by via (stairs, elevator, escalator).
type simPace interface {
	walk(d float64) float64
	change(via string, floors float64) float64
}

// simClassicPace walks at one speed, m/s: about 16 s a floor by the
// stairs, 25 s and 4 s a floor by the elevator, 20 s by the escalator.
type simClassicPace float64

func (p simClassicPace) walk(d float64) float64 { return d / float64(p) }

func (p simClassicPace) change(via string, floors float64) float64 {
	switch via {
	case "stairs":
		return simStairsFloorS * floors
	case "elevator":
		return simLiftWaitS + simLiftFloorS*floors
	case "escalator":
		return simEscalatorS * floors
	}
	return 0
}

// routeLegs follows a route's geometry, line after line, changing level at
// its level changes, timed by pace.
func (r *simRadio) routeLegs(w geo.View, rt *routing.Route, pace simPace) []simLeg {
	var legs []simLeg
	var cur simState
	lcs, k := rt.LevelChanges, 0
	walkTo := func(next simState) {
		if d := simDist(cur.pt, next.pt); d > 1e-6 {
			legs = append(legs, simLeg{dur: pace.walk(d), a: cur, b: next})
		}
		cur = next
	}
	for fi, f := range rt.Geometry.Features {
		indoor := f.Properties.Level != nil
		lev := ""
		if indoor {
			lev = *f.Properties.Level
		}
		first := r.reg.Projection.ToLocal(f.Geometry.Coordinates[0][0], f.Geometry.Coordinates[0][1])
		if fi == 0 {
			cur = simState{first, f.Properties.Ordinal, lev}
		}
		// The level changes between the last line and this one: one that
		// starts where the last line ends, and any more while indoors the
		// floor is not yet this line's.
		var chain []routing.LevelChange
		for ord := cur.ordinal; fi > 0 && k < len(lcs) && lcs[k].FromOrdinal == ord; k++ {
			at := r.reg.Projection.ToLocal(lcs[k].At[0], lcs[k].At[1])
			if !(len(chain) == 0 && simDist(at, cur.pt) <= 3) && !(indoor && ord != f.Properties.Ordinal) {
				break
			}
			chain = append(chain, lcs[k])
			ord = lcs[k].ToOrdinal
		}
		for j, c := range chain {
			walkTo(simState{r.reg.Projection.ToLocal(c.At[0], c.At[1]), cur.ordinal, cur.level})
			next := simState{first, c.ToOrdinal, lev}
			if indoor {
				next.ordinal = f.Properties.Ordinal
			}
			if j+1 < len(chain) {
				next.pt = r.reg.Projection.ToLocal(chain[j+1].At[0], chain[j+1].At[1])
				next.level = simLevelAt(w, r.reg.Projection, next.pt, c.ToOrdinal)
				next.ordinal = c.ToOrdinal
			}
			dur := pace.change(c.Via, math.Abs(float64(c.ToOrdinal-c.FromOrdinal)))
			dur = math.Max(1, math.Max(dur, pace.walk(simDist(cur.pt, next.pt))))
			legs = append(legs, simLeg{dur: dur, a: cur, b: next})
			cur = next
		}
		ord := cur.ordinal
		if indoor {
			ord = f.Properties.Ordinal
		}
		for _, c := range f.Geometry.Coordinates {
			walkTo(simState{r.reg.Projection.ToLocal(c[0], c[1]), ord, lev})
		}
	}
	if len(legs) == 0 {
		legs = append(legs, simLeg{dur: 1, a: cur, b: cur})
	}
	return legs
}

// simLevelAt is the id of the level at pt (registry plane) on ordinal, ""
// where there is none.
func simLevelAt(w geo.View, pr geo.Projection, pt orb.Point, ordinal int) string {
	lon, lat := pr.ToLonLat(pt)
	if loc := w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: ordinal}, "en"); loc.Level != nil {
		return loc.Level.ID
	}
	return ""
}

// simPause stands still for 10 s halfway through the walk (by time), on a
// level rather than in a stairwell or a lift.
func simPause(legs []simLeg) []simLeg { return simStopAt(legs, simTotal(legs)/2, simPauseS) }

// simTotal is how long legs take, seconds.
func simTotal(legs []simLeg) float64 {
	total := 0.0
	for _, l := range legs {
		total += l.dur
	}
	return total
}

// simStopAt stands still for dur seconds at time at of the walk, on a
// level: in a stairwell or a lift, at the end of the level change.
func simStopAt(legs []simLeg, at, dur float64) []simLeg {
	t := 0.0
	for i, l := range legs {
		if t+l.dur < at {
			t += l.dur
			continue
		}
		if l.a.ordinal != l.b.ordinal || l.a.level != l.b.level {
			stop := simLeg{dur: dur, a: l.b, b: l.b}
			return append(legs[:i+1:i+1], append([]simLeg{stop}, legs[i+1:]...)...)
		}
		f := (at - t) / math.Max(l.dur, 1e-9)
		mid := l.at(f * l.dur)
		head := simLeg{dur: f * l.dur, a: l.a, b: mid}
		tail := simLeg{dur: l.dur - head.dur, a: mid, b: l.b}
		out := append(legs[:i:i], head, simLeg{dur: dur, a: mid, b: mid}, tail)
		return append(out, legs[i+1:]...)
	}
	return legs
}

// walk emits the scans of one walk, one a second.
func (r *simRadio) walk(legs []simLeg, rng *rand.Rand, device string, start time.Time, emit func(Scan) error) error {
	total := 0.0
	for _, l := range legs {
		total += l.dur
	}
	li, l0 := 0, 0.0 // the leg at the current time and when it starts
	for i := int64(0); float64(i) <= total; i++ {
		ms := i * 1000
		if i > 0 {
			ms += simJitter(rng)
		}
		t := math.Min(total, float64(ms)/1000)
		for li+1 < len(legs) && t > l0+legs[li].dur {
			l0 += legs[li].dur
			li++
		}
		if err := r.emitScan(rng, device, start, ms, legs[li].at(t-l0), emit); err != nil {
			return err
		}
	}
	return nil
}

func simDist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// simCorridors are the units surveyed along their centre line.
var simCorridors = []string{"walkway", "lobby", "road"}

// survey stands 3 scans at each survey point: every 4 m along the centre
// line of each corridor, lobby and car-park road, at the display point of
// every other unit, on every level staff may see inside (never a
// dormitory), and every 4 m along the outdoor paths.
func (r *simRadio) survey(v *geo.Venue, seed int64, emit func(Scan) error) error {
	rng := rand.New(rand.NewPCG(uint64(seed), simStreamSurvey))
	w := v.View(geo.Staff)
	var n int64
	stand := func(st simState) error {
		for k := 0; k < simSurveyScans; k++ {
			ms := n * 1000
			if n > 0 {
				ms += simJitter(rng)
			}
			n++
			if err := r.emitScan(rng, "survey", simSurveyStart, ms, st, emit); err != nil {
				return err
			}
		}
		return nil
	}
	toReg := func(p orb.Point) orb.Point {
		if r.reg.Projection == v.Projection {
			return p
		}
		lon, lat := v.Projection.ToLonLat(p)
		return r.reg.Projection.ToLocal(lon, lat)
	}
	for _, l := range v.Levels {
		if !w.Sees(l) {
			continue
		}
		for _, u := range l.Units {
			if !w.Sees(u) {
				continue
			}
			var pts []orb.Point
			if simHas(simCorridors, u.Category) {
				pts = simCentreLine(u.Local)
			}
			if len(pts) == 0 {
				pts = []orb.Point{v.Projection.ToLocal(u.Display[0], u.Display[1])}
			}
			for _, p := range pts {
				if err := stand(simState{toReg(p), l.Ordinal, l.ID}); err != nil {
					return err
				}
			}
		}
	}
	for _, p := range v.Paths {
		ls, ok := p.Local.(orb.LineString)
		if !ok || !w.Sees(p) {
			continue
		}
		for _, s := range simAlong(ls) {
			ord := p.FromOrdinal
			if s.half {
				ord = p.ToOrdinal
			}
			if err := stand(simState{toReg(s.pt), ord, ""}); err != nil {
				return err
			}
		}
	}
	return nil
}

// simCentreLine returns points every 4 m or so along the long axis of a
// polygon's smallest enclosing rectangle, through its middle: a corridor's
// centre line. Points outside the polygon are left out.
func simCentreLine(g orb.Geometry) []orb.Point {
	poly, ok := g.(orb.Polygon)
	if !ok || len(poly) == 0 || len(poly[0]) < 4 {
		return nil
	}
	ring := poly[0]
	best := math.Inf(1)
	var c, dir orb.Point
	var half float64
	for i := 0; i+1 < len(ring); i++ {
		e := orb.Point{ring[i+1][0] - ring[i][0], ring[i+1][1] - ring[i][1]}
		l := math.Hypot(e[0], e[1])
		if l == 0 {
			continue
		}
		u := orb.Point{e[0] / l, e[1] / l}
		lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
		for _, p := range ring {
			a, b := p[0]*u[0]+p[1]*u[1], -p[0]*u[1]+p[1]*u[0]
			lo[0], hi[0] = math.Min(lo[0], a), math.Max(hi[0], a)
			lo[1], hi[1] = math.Min(lo[1], b), math.Max(hi[1], b)
		}
		if area := (hi[0] - lo[0]) * (hi[1] - lo[1]); area < best-1e-9 {
			best = area
			ma, mb := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
			c = orb.Point{ma*u[0] - mb*u[1], ma*u[1] + mb*u[0]}
			dir, half = u, (hi[0]-lo[0])/2
			if hi[1]-lo[1] > hi[0]-lo[0] {
				dir, half = orb.Point{-u[1], u[0]}, (hi[1]-lo[1])/2
			}
		}
	}
	var out []orb.Point
	n := max(1, int(math.Round(2*half/simSurveyStep)))
	for k := 0; k < n; k++ {
		t := -half + (float64(k)+0.5)*2*half/float64(n)
		p := orb.Point{c[0] + t*dir[0], c[1] + t*dir[1]}
		if geo.Contains(g, p) {
			out = append(out, p)
		}
	}
	return out
}

// simStation is a point along a line, and whether it is past its middle.
type simStation struct {
	pt   orb.Point
	half bool
}

// simAlong returns points every 4 m or so along a line, none at its ends
// (which other lines share).
func simAlong(ls orb.LineString) []simStation {
	total := 0.0
	for i := 1; i < len(ls); i++ {
		total += simDist(ls[i-1], ls[i])
	}
	if total == 0 {
		return nil
	}
	n := max(1, int(math.Round(total/simSurveyStep)))
	out := make([]simStation, 0, n)
	seg, s0 := 1, 0.0 // the segment ls[seg-1]-ls[seg] and the length before it
	for k := 0; k < n; k++ {
		s := (float64(k) + 0.5) * total / float64(n)
		for seg+1 < len(ls) && s > s0+simDist(ls[seg-1], ls[seg]) {
			s0 += simDist(ls[seg-1], ls[seg])
			seg++
		}
		a, b := ls[seg-1], ls[seg]
		f := (s - s0) / math.Max(simDist(a, b), 1e-12)
		out = append(out, simStation{orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}, s > total/2})
	}
	return out
}
