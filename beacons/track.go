package beacons

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// Tracking parameters.
const (
	numParticles = 200
	// verticalLength is how far, in walking metres, one floor of stairs or
	// a lift ride counts for a particle: about the 16 s it takes.
	verticalLength = 20.0
	// stopSwitch is the chance per second that a walker stops, or starts.
	stopSwitch = 0.05
	// lostResidual: when the best particle explains the trackBeacons
	// loudest readings worse than this many sigmas each, the track is lost
	// and starts again.
	lostResidual = 3.0
	// maxGap, seconds: a longer silence starts a new track.
	maxGap = 30 * time.Second
	// trackBeacons is how many of the loudest readings tell a lost track
	// (the filter weighs them all).
	trackBeacons = 8
	// settle is the chance that a walker reaching a room's point (or an
	// amenity) stops there rather than turns back.
	settle = 0.8
	// trackRadiusScale turns the particles' spread into an honest 68%
	// radius. Measured on simulated walks (seeds 2-4, 23,304 fixes): 73%
	// of errors fall within 0.85 spreads with a calibration, 67% without.
	trackRadiusScale = 0.95
	// stillShare: when this share of the weight is on particles standing
	// still, the device is taken to stand still, and its fix stays put
	// while holdShare of the weight is within holdRadius metres of it (a
	// hold that follows the belief, so a wrong place is not kept).
	stillShare = 0.6
	holdShare  = 0.3
	holdRadius = 2.0
	// floorShare is the share of the weight a new floor needs before the
	// fix changes floor.
	floorShare = 0.75
	// keepStraight is the chance that a walker at a junction goes on
	// straight ahead (within straightCos, about 30 degrees) rather than
	// turning off. (0.9 did better on the tuning seeds of regime centre,
	// p90 7.1 m against 7.8, but worse on the classic walks, 3.5 against
	// 3.2 m calibrated: within the noise of the one, clearly worse on the
	// other.)
	keepStraight = 0.8
	straightCos  = 0.87
	// clusterRadius, metres: the estimate is the weighted mean of the
	// particles this close to the densest place (a few mean-shift steps).
	clusterRadius = 3.0
	// injectCount particles a scan are drawn afresh around the loudest
	// beacon, within its model distance bounded to [injectMin, injectMax]
	// metres.
	injectCount = 8
	injectMin   = 5.0
	injectMax   = 20.0
	// initMin, initMax, initSpread: a new track spreads its particles
	// within initSpread times the first fix's radius of it, bounded to
	// [initMin, initMax] metres.
	initMin    = 10.0
	initMax    = 40.0
	initSpread = 2.0
	// initDraws: draws per particle before a start widens its radius.
	initDraws = 20
	// temper scales each scan's log-likelihood: shadowing is correlated
	// over a few metres, so the scans of one second and the next are not
	// independent evidence, and a filter that takes them as such grows
	// sure of a place the shadowing made up. (Scaling it by the time
	// between scans, a third for a phone scanning three times a second,
	// did worse on the real trajectory: median 1.47 m against 1.31.)
	temper = 0.5
)

// walkEdge is an edge of the routing graph as a particle walks it.
type walkEdge struct {
	pts      []orb.Point
	cum      []float64 // cumulative length at each point
	length   float64   // walking metres
	vertical bool
	// leaveFrom and leaveTo are the unit headings of the edge leaving its
	// From and its To node (zero for a vertical or a point edge).
	leaveFrom, leaveTo orb.Point
	from, to           int32
	ordFrom            int
	ordTo              int
}

// walkGraph is the floor plan tracking moves on: every edge of the routing
// graph, whoever may use it (a phone in a dormitory is in the dormitory;
// what the asker may see is applied to the answer, not to the estimate),
// with their lengths, the edges at each node, and an index of them per
// ordinal.
type walkGraph struct {
	g        *routing.Graph
	edges    []walkEdge
	terminal []bool // nodes routes end at: rooms' points, amenities
	byOrd    map[int]*rtree.RTreeG[int32]
	// outdoorByOrd indexes the edges outdoors (paths, and the links from
	// doors and gates to them) per ordinal.
	outdoorByOrd map[int]*rtree.RTreeG[int32]
	off          []int32 // the edges at node n are adj[off[n]:off[n+1]]
	adj          []walkEnd
}

// walkEnd is an edge at a node, and whether leaving the node runs it To -> From.
type walkEnd struct {
	edge int32
	back bool
}

func newWalkGraph(g *routing.Graph) *walkGraph {
	wg := &walkGraph{g: g, edges: make([]walkEdge, len(g.Edges)), terminal: make([]bool, len(g.Nodes)), byOrd: map[int]*rtree.RTreeG[int32]{},
		outdoorByOrd: map[int]*rtree.RTreeG[int32]{}, off: make([]int32, len(g.Nodes)+1), adj: make([]walkEnd, 2*len(g.Edges))}
	for i := range g.Nodes {
		wg.terminal[i] = g.Nodes[i].Kind == routing.NodeUnit || g.Nodes[i].Kind == routing.NodeAmenity
	}
	for i := range g.Edges {
		wg.off[g.Edges[i].From+1]++
		wg.off[g.Edges[i].To+1]++
	}
	for n := 1; n < len(wg.off); n++ {
		wg.off[n] += wg.off[n-1]
	}
	fill := append([]int32(nil), wg.off[:len(g.Nodes)]...)
	for i := range g.Edges {
		e := &g.Edges[i]
		wg.adj[fill[e.From]] = walkEnd{int32(i), false}
		fill[e.From]++
		wg.adj[fill[e.To]] = walkEnd{int32(i), true}
		fill[e.To]++
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		a, b := g.Nodes[e.From], g.Nodes[e.To]
		we := walkEdge{pts: g.EdgePoints(int32(i)), from: e.From, to: e.To, ordFrom: a.Ordinal, ordTo: b.Ordinal}
		we.cum = make([]float64, len(we.pts))
		for k := 1; k < len(we.pts); k++ {
			we.cum[k] = we.cum[k-1] + dist(we.pts[k-1], we.pts[k])
		}
		we.length = we.cum[len(we.cum)-1]
		if n := len(we.pts); n > 1 {
			we.leaveFrom = heading(we.pts[0], we.pts[1])
			we.leaveTo = heading(we.pts[n-1], we.pts[n-2])
		}
		if a.Ordinal != b.Ordinal {
			we.vertical = true
			we.length = math.Max(we.length, verticalLength*math.Abs(float64(b.Ordinal-a.Ordinal)))
		}
		wg.edges[i] = we
		if !we.vertical && we.length > 0 {
			bb := orb.MultiPoint(we.pts).Bound()
			insertEdge(wg.byOrd, a.Ordinal, bb, int32(i))
			if e.Unit == nil {
				insertEdge(wg.outdoorByOrd, a.Ordinal, bb, int32(i))
			}
		}
	}
	return wg
}

// insertEdge adds edge e, of bound bb, to the index of ordinal ord.
func insertEdge(byOrd map[int]*rtree.RTreeG[int32], ord int, bb orb.Bound, e int32) {
	t := byOrd[ord]
	if t == nil {
		t = &rtree.RTreeG[int32]{}
		byOrd[ord] = t
	}
	t.Insert(bb.Min, bb.Max, e)
}

// heading is the unit vector from a towards b, zero when they coincide.
func heading(a, b orb.Point) orb.Point {
	d := dist(a, b)
	if d < 1e-9 {
		return orb.Point{}
	}
	return orb.Point{(b[0] - a[0]) / d, (b[1] - a[1]) / d}
}

// at returns the point and ordinal at s walking metres from an edge's From.
func (we *walkEdge) at(s float64) (orb.Point, int) {
	if we.vertical {
		// On the stairs or in the lift: the shaft's place, the floor
		// switching halfway.
		if s < we.length/2 {
			return we.pts[0], we.ordFrom
		}
		return we.pts[len(we.pts)-1], we.ordTo
	}
	for k := 1; k < len(we.pts); k++ {
		if s <= we.cum[k] || k == len(we.pts)-1 {
			seg := we.cum[k] - we.cum[k-1]
			t := 0.0
			if seg > 0 {
				t = math.Max(0, math.Min(1, (s-we.cum[k-1])/seg))
			}
			a, b := we.pts[k-1], we.pts[k]
			return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, we.ordFrom
		}
	}
	return we.pts[0], we.ordFrom
}

// particle is one guess of where the device is and how it moves. Its
// fields are ordered so that it packs into 56 bytes.
type particle struct {
	s       float64 // walking metres from the edge's From
	speed   float64 // m/s
	logw    float64
	pt      orb.Point
	edge    int32
	ord     int32
	forward bool // walking towards the edge's To
	stopped bool
}

// Tracker follows one device. It is not safe for concurrent use: a
// device's scans come in order. Between scans it holds its particles and
// a few words (about 12.5 KB; BenchmarkTrackerMemory); the scratch of an
// update is borrowed from the Positioner's pool. Its estimate does not
// depend on who asks: only the answer does.
type Tracker struct {
	p     *Positioner
	rng   *rand.Rand
	parts []particle // none until the first track starts
	shown Estimate   // the last estimate answered, for hysteresis
	last  time.Time
	live  bool
	sens  float64  // the phone's sensitivity, dBm, as its readings tell
	learn learner  // the phone's offset and the site's exponent, as its stream tells
	sc    *scratch // borrowed for one Update
}

// scratch is what one update works in, kept between updates by a pool
// rather than by each tracker.
type scratch struct {
	weights []float64  // the particles' weights, as estimate last computed them
	spare   []particle // for resample
	cells   grid       // the likelihood of this scan, per cell
	bins    grid       // the weight, per 2 m cell, for the estimate
	cands   []int32    // edges near the loudest beacon, for inject
	cum     []float64  // and their cumulative length
	byOrd   ordWeights
}

// NewTracker starts tracking a device; its randomness is seeded from the
// device name, so the same scans give the same fixes.
func (p *Positioner) NewTracker(device string) *Tracker {
	h := fnv.New64a()
	h.Write([]byte(device))
	return &Tracker{p: p, rng: rand.New(rand.NewPCG(h.Sum64(), 0x5eed)), sens: p.model.sensitivity}
}

// Update takes the device's next scan and answers its fix, as the viewer
// may see it.
func (t *Tracker) Update(w geo.View, s *Scan) Fix {
	return t.p.answer(w, s, t.next(s))
}

// Spot takes the device's next scan, as Update does, and answers where
// it places the device on the venue, the same whoever asks (geo.View.See
// then says what each viewer may be told); reason, when the scan places
// nobody (or the positioner has no venue), says why.
func (t *Tracker) Spot(s *Scan) (sp geo.Spot, reason string) {
	est := t.next(s)
	if !est.OK {
		return geo.Spot{}, est.Reason
	}
	sp, ok := t.p.spotOf(est)
	if !ok {
		return geo.Spot{}, "no venue"
	}
	return sp, ""
}

// UpdateSpot is Update that also answers the spot of the fix, the same
// whoever asks, as Spot does (ok false when the scan places nobody): for
// a caller that answers the viewer and keeps where people are.
func (t *Tracker) UpdateSpot(w geo.View, s *Scan) (f Fix, sp geo.Spot, ok bool) {
	est := t.next(s)
	f = t.p.answer(w, s, est)
	if est.OK {
		sp, ok = t.p.spotOf(est)
	}
	return f, sp, ok
}

// next takes the device's next scan and returns the estimate: the same
// whoever asks.
func (t *Tracker) next(s *Scan) Estimate {
	p := t.p
	rd := p.reg.Resolve(s)
	dt := s.Time().Sub(t.last)
	continuing := t.live && dt >= 0 && dt <= maxGap
	if len(rd.Beacons) == 0 && !continuing {
		return p.single(rd)
	}
	t.sc = p.scratch.Get().(*scratch)
	defer func() {
		p.scratch.Put(t.sc)
		t.sc = nil
	}()
	if len(rd.Beacons) == 0 {
		// Nothing heard this second: keep going, less sure.
		t.predict(dt.Seconds())
		t.last = s.Time()
		return t.estimate()
	}
	t.last = s.Time()
	hs := p.heardOf(rd)
	if continuing {
		t.predict(dt.Seconds())
		t.inject(hs)
		if t.weigh(hs) {
			t.weighMap(hs)
			est := t.estimate()
			t.learn.learn(p.model, hs, est, t.sens)
			t.resample()
			return est
		}
	}
	// A new track, or a lost one: start from this scan's own fix.
	single := p.single(rd)
	if !t.init(single) {
		t.live = false
		return single
	}
	t.weigh(p.heardOf(rd))
	est := t.estimate()
	t.resample()
	return est
}

// init spreads the particles over the walkable graph around a single fix:
// evenly along the walkable lines within r of it (evenly by length, not by
// edge, or the many short edges of rooms packed with doors would draw the
// particles away from a long path outside).
func (t *Tracker) init(est Estimate) bool {
	wg := t.p.walk
	if wg == nil {
		return t.initFree(est)
	}
	tree := wg.byOrd[est.Ordinal]
	if tree == nil {
		return false
	}
	if t.parts == nil {
		t.parts = make([]particle, 0, numParticles)
	}
	// Edges are found by their bounds, so some found may not come within
	// r at all: draws are bounded, and too few particles within r widen it.
	for r := math.Min(initMax, math.Max(initMin, initSpread*est.AccuracyM)); ; r *= 2 {
		if r > 320 {
			return false
		}
		lines := t.linesNear(tree, est.Point, r)
		if !lines.ok() {
			continue
		}
		t.parts = t.parts[:0]
		for try := 0; try < initDraws*numParticles && len(t.parts) < numParticles; try++ {
			if pa, ok := t.drawOn(lines, est.Point, r); ok {
				pa.speed, pa.stopped = 0.9+0.6*t.rng.Float64(), t.rng.Float64() < 0.5
				t.parts = append(t.parts, pa)
			}
		}
		if len(t.parts) >= numParticles/4 {
			break
		}
	}
	// Fill up with copies of those drawn: they part at the first step.
	for i := 0; len(t.parts) < numParticles; i++ {
		t.parts = append(t.parts, t.parts[i])
	}
	t.live = true
	t.shown = Estimate{}
	return true
}

// lines are the walkable edges found near a place (by their bounds), and
// their cumulative length, to draw places on them evenly by length (not by
// edge, or the many short edges of rooms packed with doors would draw the
// particles away from a long path outside).
type lines struct {
	edges []int32
	cum   []float64
}

func (l lines) ok() bool { return len(l.edges) > 0 && l.cum[len(l.cum)-1] > 0 }

// linesNear finds the edges of tree whose bounds come within r of c, in
// the scratch's buffers.
func (t *Tracker) linesNear(tree *rtree.RTreeG[int32], c orb.Point, r float64) lines {
	wg := t.p.walk
	l := lines{t.sc.cands[:0], t.sc.cum[:0]}
	tree.Search([2]float64{c[0] - r, c[1] - r}, [2]float64{c[0] + r, c[1] + r},
		func(_, _ [2]float64, e int32) bool {
			total := wg.edges[e].length
			if len(l.cum) > 0 {
				total += l.cum[len(l.cum)-1]
			}
			l.edges, l.cum = append(l.edges, e), append(l.cum, total)
			return true
		})
	t.sc.cands, t.sc.cum = l.edges, l.cum
	return l
}

// drawOn draws a place evenly along the lines, heading either way; it
// fails when the place drawn is farther than r from c.
func (t *Tracker) drawOn(l lines, c orb.Point, r float64) (particle, bool) {
	wg := t.p.walk
	x := t.rng.Float64() * l.cum[len(l.cum)-1]
	e := l.edges[min(sort.SearchFloat64s(l.cum, x), len(l.edges)-1)]
	s := t.rng.Float64() * wg.edges[e].length
	pt, ord := wg.edges[e].at(s)
	if dist(pt, c) > r {
		return particle{}, false
	}
	return particle{edge: e, s: s, forward: t.rng.IntN(2) == 0, pt: pt, ord: int32(ord)}, true
}

// predict moves every particle along the graph for dt seconds.
func (t *Tracker) predict(dt float64) {
	wg := t.p.walk
	if wg == nil {
		t.predictFree(dt)
		return
	}
	for i := range t.parts {
		pa := &t.parts[i]
		if t.rng.Float64() < stopSwitch*dt {
			pa.stopped = !pa.stopped
		}
		if pa.stopped {
			we := &wg.edges[pa.edge]
			switch {
			case wg.terminal[we.to]:
				pa.s = we.length // standing in a room: at its point
			case wg.terminal[we.from]:
				pa.s = 0
			default:
				pa.s += t.rng.NormFloat64() * 0.2 // shuffling on the spot
			}
		} else {
			pa.speed = math.Max(0.4, math.Min(1.8, pa.speed+0.15*t.rng.NormFloat64()))
			step := pa.speed * dt
			if !pa.forward {
				step = -step
			}
			pa.s += step
		}
		// Walk off the end of an edge onto a neighbour.
		for hops := 0; hops < 8; hops++ {
			we := &wg.edges[pa.edge]
			var node int32
			var over float64
			var arrive orb.Point // the heading arriving at node
			switch {
			case pa.s > we.length:
				node, over = we.to, pa.s-we.length
				arrive = orb.Point{-we.leaveTo[0], -we.leaveTo[1]}
			case pa.s < 0:
				node, over = we.from, -pa.s
				arrive = orb.Point{-we.leaveFrom[0], -we.leaveFrom[1]}
			default:
				hops = 8
				continue
			}
			if wg.terminal[node] && t.rng.Float64() < settle {
				// Into a room or up to a printer: people stop there.
				pa.s = math.Max(0, math.Min(we.length, pa.s))
				pa.stopped, pa.forward = true, !pa.forward
				break
			}
			next, back, ok := t.pick(wg, node, pa.edge, arrive)
			if !ok {
				pa.s = math.Max(0, math.Min(we.length, pa.s))
				pa.forward = !pa.forward
				break
			}
			pa.edge = next
			if back {
				pa.s, pa.forward = wg.edges[next].length-over, false
			} else {
				pa.s, pa.forward = over, true
			}
		}
		var ord int
		pa.pt, ord = wg.edges[pa.edge].at(pa.s)
		pa.ord = int32(ord)
	}
}

// pick chooses the edge a particle walks on from node n, not back the way
// it came unless there is no other. People walk on: the straightest way
// ahead is taken with probability keepStraight, any other (a door, a turn,
// the stairs) shares the rest; without it, a walker along a corridor would
// turn into a room at every door.
func (t *Tracker) pick(wg *walkGraph, n, came int32, arrive orb.Point) (int32, bool, bool) {
	var opts [16]struct {
		e    int32
		back bool
	}
	k, straight, bestCos := 0, -1, straightCos
	for _, end := range wg.adj[wg.off[n]:wg.off[n+1]] {
		e, back := end.edge, end.back
		we := &wg.edges[e]
		if e == came || k >= len(opts) || we.length <= 0 {
			continue
		}
		leave := we.leaveFrom
		if back {
			leave = we.leaveTo
		}
		if c := arrive[0]*leave[0] + arrive[1]*leave[1]; !we.vertical && c > bestCos {
			straight, bestCos = k, c
		}
		opts[k].e, opts[k].back = e, back
		k++
	}
	if k == 0 {
		return 0, false, false
	}
	i := t.rng.IntN(k)
	if straight >= 0 && k > 1 {
		if t.rng.Float64() < keepStraight {
			i = straight
		} else if i = t.rng.IntN(k - 1); i >= straight {
			i++
		}
	}
	o := opts[i]
	return o.e, o.back, true
}

// inject replaces the least likely few particles by fresh ones on the
// walkable lines around the loudest beacon heard (sensor resetting): a
// track that has fallen behind or taken the wrong turn has, each scan, a
// few particles where the readings point, and the weighing that follows
// decides between them and the rest. They enter with the particles' mean
// weight, as a fair share of the prior.
func (t *Tracker) inject(hs []heard) {
	k := 0
	for i := range hs {
		if hs[i].rssi > hs[k].rssi {
			k = i
		}
	}
	b := hs[k]
	r := math.Max(injectMin, math.Min(injectMax, t.p.model.distance(b.idx, b.rssi)))
	// The particles' mean weight, and the injectCount least likely of
	// them (one pass; after a resample every weight is the same, and no
	// exponential is needed).
	maxw, uniform := t.parts[0].logw, true
	for i := range t.parts {
		if w := t.parts[i].logw; w != maxw {
			uniform = false
			if w > maxw {
				maxw = w
			}
		}
	}
	logMean := maxw
	if !uniform {
		mean := 0.0
		for i := range t.parts {
			mean += math.Exp(t.parts[i].logw - maxw)
		}
		logMean = maxw + math.Log(mean/float64(len(t.parts)))
	}
	var lows [injectCount]int
	n := 0
	for i := range t.parts {
		w := t.parts[i].logw
		if n == len(lows) && w >= t.parts[lows[n-1]].logw {
			continue
		}
		if n < len(lows) {
			n++
		}
		j := n - 1
		for ; j > 0 && t.parts[lows[j-1]].logw > w; j-- {
			lows[j] = lows[j-1]
		}
		lows[j] = i
	}
	// The next particle to replace: the least likely left, while it is
	// below the mean (a replaced one enters at the mean).
	next := 0
	worst := func() int {
		if next >= n {
			return -1
		}
		k := lows[next]
		next++
		if t.parts[k].logw >= logMean {
			return -1
		}
		return k
	}
	if t.p.walk == nil {
		t.injectFree(b, r, logMean, worst)
		return
	}
	wg := t.p.walk
	tree := wg.byOrd[b.ord]
	if tree == nil {
		return
	}
	lines := t.linesNear(tree, b.at, r)
	if !lines.ok() {
		return
	}
	for {
		w := worst()
		if w < 0 {
			return
		}
		for try := 0; try < 8; try++ {
			if pa, ok := t.drawOn(lines, b.at, r); ok {
				pa.speed, pa.stopped, pa.logw = 0.8+0.8*t.rng.Float64(), t.rng.Float64() < 0.3, logMean
				t.parts[w] = pa
				break
			}
		}
		if t.parts[w].logw < logMean {
			return
		}
	}
}

// weigh multiplies each particle's weight by how well its place explains the
// readings, by the (calibrated) path-loss model: every reading, each by the
// Gaussian truncated at the phone's sensitivity (censor.go). It reports
// false when no particle explains the loudest readings: the track is lost.
// (The radio map is not weighed here: where the survey did not go, such as
// the gates, it pulls a standing walker towards the nearest surveyed place;
// it serves the single fixes that start and restart tracks.)
func (t *Tracker) weigh(hs []heard) bool {
	m := t.p.model
	t.sens = sensitivityOf(hs, t.sens)
	strongest(hs, trackBeacons)
	loud := min(len(hs), trackBeacons)
	inv := 1 / (2 * m.sigma * m.sigma)
	invSigma := 1 / m.sigma
	best := math.Inf(1)
	// Particles walk lines, so many share a cell: each cell of the
	// likelihood grid is worked out once, at its centre.
	cells := &t.sc.cells
	cells.reset()
	for i := range t.parts {
		pa := &t.parts[i]
		ix, iy := math.Floor(pa.pt[0]/cellSize), math.Floor(pa.pt[1]/cellSize)
		c := cells.at(int64(ix), int64(iy), int(pa.ord))
		if !c.done {
			x, y := (ix+0.5)*cellSize, (iy+0.5)*cellSize
			sq, ll := 0.0, 0.0
			for k, h := range hs {
				dx, dy := x-h.at[0], y-h.at[1]
				mu := m.adjusted(h.idx, dx*dx+dy*dy, h.ord-int(pa.ord), t.learn.off, t.learn.dn)
				r := h.rssi - mu
				if k < loud {
					sq += r * r
				}
				ll += r*r*inv - logTail((t.sens-mu)*invSigma)
			}
			c.sq, c.ll, c.done = sq, ll, true
		}
		if c.sq < best {
			best = c.sq
		}
		pa.logw -= temper * c.ll
	}
	return best/float64(loud) <= lostResidual*lostResidual*m.sigma*m.sigma
}

// weighMap multiplies each particle's weight by how near it is to the radio
// map's estimate for these readings (a calibration with fingerprints): the
// map's spread plus mapSD metres of doubt, tempered as the readings are.
// Only on a site without a floor plan, where the map is the only
// structure there is: on the campus plan it pulled tracks towards the
// surveyed places (p90 2.6 m became 4.0 m on the simulated walks of
// TestTrackingCalibratedMeetsTargets), and the radio map serves there the
// single fixes that start tracks.
func (t *Tracker) weighMap(hs []heard) {
	if t.p.radio == nil || t.p.walk != nil || !t.shown.OK {
		return
	}
	ord := t.shown.Ordinal
	fp, cov, ok := t.p.radio.locate(hs, ord, t.shown.Point)
	if !ok {
		return
	}
	inv := temper / (2 * ((cov[0]+cov[2])/2 + mapSD*mapSD))
	for i := range t.parts {
		if pa := &t.parts[i]; int(pa.ord) == ord {
			dx, dy := pa.pt[0]-fp[0], pa.pt[1]-fp[1]
			pa.logw -= (dx*dx + dy*dy) * inv
		}
	}
}

// mapSD, metres: how far the radio map's estimate is taken to be off
// beyond its own spread.
const mapSD = 1.5

// cellSize, metres, is the likelihood grid's: about a stride, and far
// under what 6 dB of shadowing can tell apart. (Half a metre did no better
// on the tuning seeds of regime centre, p90 7.75 m against 7.77, and cost
// a tenth of the throughput once the tempered clouds spread wider.)
const cellSize = 1.0

// grid is a sparse grid of cells per ordinal, for one scan: the
// likelihood per cell, or the particles' weight per cell (open addressing,
// emptied by a generation count rather than cleared).
type grid struct {
	slots []cell
	gen   uint32
	used  []int32 // the slots in use, in the order they were made
}

type cell struct {
	gen    uint32
	ord    int32
	ix, iy int64
	done   bool
	sq, ll float64 // likelihood: squared residuals of the loudest, -log
	sum    float64 // weight
}

// reset empties the grid.
func (g *grid) reset() {
	if g.slots == nil {
		g.slots = make([]cell, 2*numParticles)
	}
	g.gen++
	g.used = g.used[:0]
}

// at finds or makes the cell (ix, iy) of ordinal ord.
func (g *grid) at(ix, iy int64, ord int) *cell {
	i := g.slot(ix, iy, ord)
	c := &g.slots[i]
	if c.gen != g.gen {
		*c = cell{gen: g.gen, ord: int32(ord), ix: ix, iy: iy}
		g.used = append(g.used, int32(i))
	}
	return c
}

// sum is the weight in cell (ix, iy) of ordinal ord, 0 for an empty one.
func (g *grid) sum(ix, iy int64, ord int) float64 {
	if c := &g.slots[g.slot(ix, iy, ord)]; c.gen == g.gen {
		return c.sum
	}
	return 0
}

// slot is where cell (ix, iy, ord) is or would go.
func (g *grid) slot(ix, iy int64, ord int) uint64 {
	h := uint64(ix)*0x9e3779b97f4a7c15 ^ uint64(iy)*0xc2b2ae3d27d4eb4f ^ uint64(ord)*0x165667b19e3779f9
	n := uint64(len(g.slots))
	for i := (h ^ h>>29) % n; ; i = (i + 1) % n {
		c := &g.slots[i]
		if c.gen != g.gen || (c.ix == ix && c.iy == iy && c.ord == int32(ord)) {
			return i
		}
	}
}

// strongest moves the n strongest readings to the front.
func strongest(hs []heard, n int) {
	for i := 0; i < n && i < len(hs); i++ {
		k := i
		for j := i + 1; j < len(hs); j++ {
			if hs[j].rssi > hs[k].rssi {
				k = j
			}
		}
		hs[i], hs[k] = hs[k], hs[i]
	}
}

// estimate is the densest place of the particles on the likeliest floor.
func (t *Tracker) estimate() Estimate {
	maxw := math.Inf(-1)
	for i := range t.parts {
		maxw = math.Max(maxw, t.parts[i].logw)
	}
	w := t.sc.weights[:0]
	t.sc.byOrd = t.sc.byOrd[:0]
	for i := range t.parts {
		x := math.Exp(t.parts[i].logw - maxw)
		w = append(w, x)
		t.sc.byOrd.add(int(t.parts[i].ord), x)
	}
	t.sc.weights = w
	ord, top := t.sc.byOrd.top()
	// Start in the 6 m square holding the most weight (particles binned on
	// a 2 m grid), then shift to the weighted mean of those near: the
	// densest place, not the mean of two places.
	t.sc.bins.reset()
	for i := range t.parts {
		if pa := &t.parts[i]; int(pa.ord) == ord {
			t.sc.bins.at(int64(math.Floor(pa.pt[0]/2)), int64(math.Floor(pa.pt[1]/2)), ord).sum += w[i]
		}
	}
	var bestCell struct{ x, y int64 }
	bestSum := -1.0
	for _, k := range t.sc.bins.used {
		c := t.sc.bins.slots[k]
		sum := 0.0
		for dx := int64(-1); dx <= 1; dx++ {
			for dy := int64(-1); dy <= 1; dy++ {
				sum += t.sc.bins.sum(c.ix+dx, c.iy+dy, ord)
			}
		}
		if sum > bestSum || (sum == bestSum && (c.ix < bestCell.x || (c.ix == bestCell.x && c.iy < bestCell.y))) {
			bestCell.x, bestCell.y, bestSum = c.ix, c.iy, sum
		}
	}
	mean := orb.Point{2*float64(bestCell.x) + 1, 2*float64(bestCell.y) + 1}
	r2 := clusterRadius * clusterRadius
	for it := 0; it < 3; it++ {
		var x, y, ws float64
		for i := range t.parts {
			pa := &t.parts[i]
			dx, dy := pa.pt[0]-mean[0], pa.pt[1]-mean[1]
			if int(pa.ord) == ord && dx*dx+dy*dy <= r2 {
				x, y, ws = x+w[i]*pa.pt[0], y+w[i]*pa.pt[1], ws+w[i]
			}
		}
		if ws == 0 {
			break
		}
		mean = orb.Point{x / ws, y / ws}
	}
	var v, ws float64
	for i := range t.parts {
		if pa := &t.parts[i]; int(pa.ord) == ord {
			dx, dy := pa.pt[0]-mean[0], pa.pt[1]-mean[1]
			v += w[i] * (dx*dx + dy*dy) / 2
			ws += w[i]
		}
	}
	acc := radius68 * math.Sqrt(v/ws) * trackRadiusScale
	est := Estimate{Point: mean, Ordinal: ord, AccuracyM: math.Max(minAccuracy, acc), OK: true}
	return t.steady(est, top)
}

// ordWeights is the particles' weight per ordinal: a few floors at most.
type ordWeights []struct {
	ord int
	w   float64
}

func (o *ordWeights) add(ord int, w float64) {
	for i := range *o {
		if (*o)[i].ord == ord {
			(*o)[i].w += w
			return
		}
	}
	*o = append(*o, struct {
		ord int
		w   float64
	}{ord, w})
}

func (o ordWeights) weight(ord int) float64 {
	for _, x := range o {
		if x.ord == ord {
			return x.w
		}
	}
	return 0
}

// top is the ordinal with the most weight (the lower on a tie) and its weight.
func (o ordWeights) top() (int, float64) {
	ord, top := 0, -1.0
	for _, x := range o {
		if x.w > top || (x.w == top && x.ord < ord) {
			ord, top = x.ord, x.w
		}
	}
	return ord, top
}

// steady keeps the answer from flip-flopping: a floor changes only when the
// new one holds floorShare of the weight; while the device stands still,
// the fix stays where it was unless the estimate leaves its radius.
func (t *Tracker) steady(est Estimate, top float64) Estimate {
	last := t.shown
	if !last.OK {
		t.shown = est
		return est
	}
	total, still := 0.0, 0.0
	for i := range t.parts {
		total += t.sc.weights[i]
		if t.parts[i].stopped {
			still += t.sc.weights[i]
		}
	}
	if est.Ordinal != last.Ordinal && top < floorShare*total {
		// Not sure enough of the new floor: stay on the old one.
		if t.sc.byOrd.weight(last.Ordinal) > 0 {
			est.Ordinal, est.Point = last.Ordinal, last.Point
		}
	}
	if est.Ordinal == last.Ordinal && still >= stillShare*total {
		// Standing still: the fix stays while the place shown keeps a fair
		// share of the belief; it moves only when the belief has left it.
		near := 0.0
		r2 := holdRadius * holdRadius
		for i := range t.parts {
			pa := &t.parts[i]
			dx, dy := pa.pt[0]-last.Point[0], pa.pt[1]-last.Point[1]
			if int(pa.ord) == last.Ordinal && dx*dx+dy*dy <= r2 {
				near += t.sc.weights[i]
			}
		}
		if near >= holdShare*total && dist(est.Point, last.Point) > holdRadius {
			est.Point = last.Point
		}
	}
	t.shown = est
	return est
}

// resample draws a new set of equally weighted particles when the weights
// have collapsed onto few (systematic resampling). It uses the weights
// estimate has just computed.
func (t *Tracker) resample() {
	w := t.sc.weights
	sum, sq := 0.0, 0.0
	for _, x := range w {
		sum += x
	}
	for i := range w {
		w[i] /= sum
		sq += w[i] * w[i]
	}
	if 1/sq > float64(len(t.parts))/2 {
		for i := range t.parts {
			t.parts[i].logw = math.Log(w[i])
		}
		return
	}
	out := t.sc.spare[:0]
	u := t.rng.Float64() / float64(len(t.parts))
	c := w[0]
	k := 0
	for i := 0; i < len(t.parts); i++ {
		target := u + float64(i)/float64(len(t.parts))
		for target > c && k < len(w)-1 {
			k++
			c += w[k]
		}
		pa := t.parts[k]
		pa.logw = 0
		out = append(out, pa)
	}
	t.parts, t.sc.spare = out, t.parts
}
