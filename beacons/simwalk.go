package beacons

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// simulateRegime is Simulate in a regime other than classic: r's site is
// drawn; each walk draws its phone and walker from (seed, walk index).
func (r *simRadio) simulateRegime(g *routing.Graph, cfg SimConfig, emit func(Scan) error) error {
	if cfg.Survey {
		r.phone = drawPhone(r.rg, rand.New(rand.NewPCG(uint64(cfg.Seed), simStreamSurveyReg)))
		r.phone.stop = simStopNone
		return r.survey(g.Venue, cfg.Seed, emit)
	}
	places := simPlaces(g.Venue.View(geo.Staff))
	if places.len() < 2 {
		return fmt.Errorf("%w: the venue has fewer than two places to walk between", ErrSim)
	}
	for i := 0; i < cfg.Walks; i++ {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), simStreamPhone+uint64(i)))
		r.phone = drawPhone(r.rg, rng)
		legs, _, _, err := r.planRegimeWalk(g, places, rng)
		if err != nil {
			return fmt.Errorf("%w: walk %d: %v", ErrSim, i, err)
		}
		if err := r.walkRegime(legs, rng, fmt.Sprintf("sim-%03d", i), simWalkStart.Add(time.Duration(i)*time.Hour), emit); err != nil {
			return err
		}
	}
	return nil
}

// simRegimePace times a walk of a regime's walker: each stretch at the
// walk's speed give or take the wander (or dawdling), each level change
// drawn from the regime's ranges.
type simRegimePace struct {
	rg    *simRegime
	phone *simPhone
	rng   *rand.Rand
}

func (p simRegimePace) walk(d float64) float64 {
	f := 1 + p.rg.wander*(2*p.rng.Float64()-1)
	if p.phone.stop == simStopDawdle {
		f = simDawdle.draw(p.rng)
	}
	return d / (p.phone.speed * f)
}

func (p simRegimePace) change(via string, floors float64) float64 {
	switch via {
	case "stairs", "escalator":
		return p.rg.stairsS.draw(p.rng) * floors
	case "elevator":
		return p.rg.liftWaitS.draw(p.rng) + p.rg.liftFloorS.draw(p.rng)*floors
	}
	return 0
}

// planRegimeWalk draws a pair of places with a walking route between
// them and lays out the walk: from a point anywhere in the first place (a
// room or a car-park spot; a gate is a point) straight to the route, along
// it with the walker's stops, straight to a point anywhere in the last
// place, standing still briefly at both ends. It returns the walk and its
// places' ids.
func (r *simRadio) planRegimeWalk(g *routing.Graph, places simPlaceGroups, rng *rand.Rand) (legs []simLeg, from, to string, err error) {
	w := g.Venue.View(geo.Staff)
	for try := 0; try < 200; try++ {
		from, to = places.pick(rng), places.pick(rng)
		if from == to {
			continue
		}
		rt, rerr := g.Route(w, routing.Request{From: from, To: to, Profile: routing.Walk, Lang: "en"})
		if rerr != nil || len(rt.Geometry.Features) == 0 {
			continue
		}
		pace := simRegimePace{&r.rg, &r.phone, rng}
		legs = r.stopsOn(r.routeLegs(w, rt, pace), rng)
		first, last := legs[0].a, legs[len(legs)-1].b
		if p, ok := r.pointIn(g.Venue, from, rng); ok {
			a := first
			a.pt = p
			legs = append([]simLeg{{dur: pace.walk(simDist(p, first.pt)), a: a, b: first}}, legs...)
			first = a
		}
		if p, ok := r.pointIn(g.Venue, to, rng); ok {
			b := last
			b.pt = p
			legs = append(legs, simLeg{dur: pace.walk(simDist(last.pt, p)), a: last, b: b})
			last = b
		}
		legs = append([]simLeg{{dur: r.rg.endStandS.draw(rng), a: first, b: first}}, legs...)
		return append(legs, simLeg{dur: r.rg.endStandS.draw(rng), a: last, b: last}), from, to, nil
	}
	return nil, "", "", errors.New("no routable pair of places in 200 tries")
}

// stopsOn adds the walker's stops to a walk.
func (r *simRadio) stopsOn(legs []simLeg, rng *rand.Rand) []simLeg {
	switch r.phone.stop {
	case simStopGo:
		total := simTotal(legs)
		for t := simStopGoEvery.draw(rng); t < total; t += simStopGoEvery.draw(rng) {
			d := simStopGoFor.draw(rng)
			legs = simStopAt(legs, t, d)
			t, total = t+d, total+d
		}
	case simStopLong:
		legs = simStopAt(legs, (0.2+0.6*rng.Float64())*simTotal(legs), simStopLongFor.draw(rng))
	}
	return legs
}

// pointIn draws a point uniformly inside the unit id (registry plane);
// false if id is no unit with an area, or no point was found.
func (r *simRadio) pointIn(v *geo.Venue, id string, rng *rand.Rand) (orb.Point, bool) {
	f, ok := v.Feature(id)
	u, isUnit := f.(*geo.Unit)
	if !ok || !isUnit || u.Local == nil {
		return orb.Point{}, false
	}
	b := u.Local.Bound()
	for try := 0; try < 200; try++ {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if geo.Contains(u.Local, p) {
			if r.reg.Projection == v.Projection {
				return p, true
			}
			lon, lat := v.Projection.ToLonLat(p)
			return r.reg.Projection.ToLocal(lon, lat), true
		}
	}
	return orb.Point{}, false
}

// walkRegime emits the scans of one walk: one every scanS seconds, less
// those the phone drops, and none during its gaps.
func (r *simRadio) walkRegime(legs []simLeg, rng *rand.Rand, device string, start time.Time, emit func(Scan) error) error {
	total := simTotal(legs)
	li, l0 := 0, 0.0 // the leg at the current time and when it starts
	next := 0.0      // when the next scan is due, seconds
	for k := 0; next <= total; k++ {
		ms := int64(math.Round(next * 1000))
		if k > 0 {
			ms += simJitter(rng)
		}
		t := math.Max(0, math.Min(total, float64(ms)/1000))
		for li+1 < len(legs) && t > l0+legs[li].dur {
			l0 += legs[li].dur
			li++
		}
		if k == 0 || r.rg.scanDrop == 0 || rng.Float64() >= r.rg.scanDrop {
			if err := r.emitScan(rng, device, start, ms, legs[li].at(t-l0), emit); err != nil {
				return err
			}
		}
		next += r.rg.scanS
		if r.rg.gapChance > 0 && rng.Float64() < r.rg.gapChance {
			next += r.rg.gapS.draw(rng)
		}
	}
	return nil
}

// scanRegime is what the walk's phone at pt (registry plane) on ordinal,
// outdoors or not, hears of the site: each live beacon in range, strongest first.
func (r *simRadio) scanRegime(rng *rand.Rand, pt orb.Point, ordinal int, outdoors bool) []Heard {
	s, ph := r.site, &r.phone
	spread := s.shadowDB + s.fastDB
	var hs []simGot
	c := simCell(pt)
	for dx := -1; dx <= 1; dx++ {
		for dy := -1; dy <= 1; dy++ {
			for _, i := range r.grid[[2]int{c[0] + dx, c[1] + dy}] {
				b, sb := &r.beacons[i], &s.beacons[i]
				h := math.Hypot(b.pt[0]-pt[0], b.pt[1]-pt[1])
				if sb.dead || h > simRange {
					continue
				}
				floors := math.Abs(float64(ordinal - b.ordinal))
				v := floors * simFloorHeight
				d := math.Max(simMinDistance, math.Sqrt(h*h+v*v))
				mean := sb.power + ph.offsetDB - 10*sb.n*math.Log10(d) - s.floorDB*floors
				if outdoors != b.outdoor {
					mean -= r.rg.wallDB
				}
				if mean+5*spread < ph.sensitivity {
					continue // never heard, whatever the fading
				}
				rssi := mean + s.shadowDB*simShadow(s.seed, int(i), pt, ordinal, s.corrM) + s.fastDB*rng.NormFloat64()
				rssi = math.Round(rssi)
				if rng.Float64() < s.miss || rssi < ph.sensitivity {
					continue
				}
				hs = append(hs, simGot{i, rssi})
			}
		}
	}
	return r.heard(hs)
}
