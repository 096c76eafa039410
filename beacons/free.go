package beacons

import (
	"math"

	"github.com/paulmach/orb"
)

// Tracking without a floor plan. A site known only by its beacons (a
// standalone registry, `--beacons`) has no walkable lines to keep the
// particles on; they walk the plane instead, each with a heading that
// wanders, a speed, and the same stop-and-go as on the plan. A particle's
// edge is then noEdge and its s is its heading, radians.
const (
	noEdge = -1
	// freeTurn, radians per square root of a second: how fast a heading
	// wanders.
	freeTurn = 0.5
	// freeJitter, metres per square root of a second: a walker's sway,
	// and a standing one's shuffle.
	freeJitter = 0.15
	// freeInitMin and freeInitMax bound the radius a track starts within.
	freeInitMin = 2.0
	freeInitMax = 40.0
)

// initFree spreads the particles evenly over a disc around a single fix.
func (t *Tracker) initFree(est Estimate) bool {
	if !est.OK {
		return false
	}
	r := math.Min(freeInitMax, math.Max(freeInitMin, initSpread*est.AccuracyM))
	if t.parts == nil {
		t.parts = make([]particle, 0, numParticles)
	}
	t.parts = t.parts[:0]
	for len(t.parts) < numParticles {
		t.parts = append(t.parts, t.freeParticle(est.Point, r, est.Ordinal, 0.5))
	}
	t.live = true
	t.shown = Estimate{}
	return true
}

// freeParticle is a particle drawn evenly within r of c, standing with
// probability still.
func (t *Tracker) freeParticle(c orb.Point, r float64, ord int, still float64) particle {
	a := 2 * math.Pi * t.rng.Float64()
	d := r * math.Sqrt(t.rng.Float64())
	return particle{edge: noEdge, s: 2 * math.Pi * t.rng.Float64(), speed: 0.9 + 0.6*t.rng.Float64(),
		stopped: t.rng.Float64() < still, pt: orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)}, ord: int32(ord)}
}

// predictFree moves every particle over the plane for dt seconds.
func (t *Tracker) predictFree(dt float64) {
	sd := math.Sqrt(math.Max(dt, 0))
	for i := range t.parts {
		pa := &t.parts[i]
		if t.rng.Float64() < stopSwitch*dt {
			pa.stopped = !pa.stopped
		}
		jx, jy := freeJitter*sd*t.rng.NormFloat64(), freeJitter*sd*t.rng.NormFloat64()
		if !pa.stopped {
			pa.s += freeTurn * sd * t.rng.NormFloat64()
			pa.speed = math.Max(0.3, math.Min(2.2, pa.speed+0.15*t.rng.NormFloat64()))
			jx += pa.speed * dt * math.Cos(pa.s)
			jy += pa.speed * dt * math.Sin(pa.s)
		}
		pa.pt = orb.Point{pa.pt[0] + jx, pa.pt[1] + jy}
	}
}

// injectFree is inject without a floor plan: a few particles afresh within
// the loudest beacon's model distance of it.
func (t *Tracker) injectFree(b heard, r float64, logMean float64, worst func() int) {
	for {
		k := worst()
		if k < 0 {
			return
		}
		pa := t.freeParticle(b.at, r, b.ord, 0.3)
		pa.logw = logMean
		t.parts[k] = pa
	}
}
