package beacons

import "math/rand/v2"

// SeedRange is a named, closed range of seeds.
type SeedRange struct{ First, Last int64 }

// Seeds lists the range's seeds in order.
func (r SeedRange) Seeds() []int64 {
	var out []int64
	for s := r.First; s <= r.Last; s++ {
		out = append(out, s)
	}
	return out
}

// Contains reports whether seed s is in the range.
func (r SeedRange) Contains(s int64) bool { return s >= r.First && s <= r.Last }

// TuningSeeds are the seeds for choosing the engine's parameters: try
// settings on these, and on these only. Figures measured on them are not
// reported. They never overlap ReportingSeeds.
var TuningSeeds = SeedRange{First: 1001, Last: 1010}

// ReportingSeeds are the seeds for reported figures and the CI goal test
// only: never choose a parameter by looking at them, or the figures stop
// meaning what they say. They never overlap TuningSeeds.
var ReportingSeeds = SeedRange{First: 2001, Last: 2030}

// RegimeClassic is the simulator as it was before regimes (SimConfig with
// no regime): exponent 2 +- 0.15, iid shadowing, walkers who stand 15-30
// s at each end and pause midway in a third of walks.
const RegimeClassic = "classic"

// A regime is a set of ranges the hidden truth of a simulation is drawn
// from: per site (from the seed alone, so a survey and walks of one seed
// share it) and per walk (from the seed and the walk's index). A span
// whose ends are equal is a fixed value.
type simRegime struct {
	// Per site, and per beacon of the site.
	exponent    simSpan // the site's path-loss exponent
	exponentPer float64 // each beacon's within +- this of the site's, uniformly
	biasSD      float64 // each beacon's true power about its registered one, dB, normal
	shadowDB    simSpan // shadowing correlated in space: its standard deviation, dB
	corrM       simSpan // and its correlation length, metres (the lattice of its field)
	fastDB      float64 // fast fading, independent reading to reading, dB
	floorDB     simSpan // loss per floor crossed, dB
	miss        simSpan // share of beacons in range a scan still misses
	outdoorDead float64 // share of outdoor beacons that are dead (still registered)
	outdoorWeak simSpan // the others are weaker by this, dB, per beacon
	wallDB      float64 // loss through a building's outer wall: an indoor beacon heard outdoors, dB

	// Per walk: one phone and one walker.
	offsetDB    float64   // the phone's RSSI offset, uniform within +- this, dB
	sensitivity simSpan   // the phone's: weaker is not heard, dBm
	speed       simSpan   // the walker's, m/s
	wander      float64   // each stretch's speed within +- this share of it
	stops       []simStop // the stop pattern, one drawn among these
	endStandS   simSpan   // standing still at each end, seconds
	liftWaitS   simSpan   // waiting for an elevator
	liftFloorS  simSpan   // riding it, per floor
	stairsS     simSpan   // per floor by the stairs (and escalators)
	scanS       float64   // seconds between scans
	scanDrop    float64   // share of scans the phone does not deliver
	gapChance   float64   // chance, at each scan, of a gap
	gapS        simSpan   // of this long
}

// simSpan is a closed interval a value is drawn from uniformly.
type simSpan [2]float64

func (s simSpan) draw(rng *rand.Rand) float64 {
	if s[0] == s[1] {
		return s[0]
	}
	return s[0] + (s[1]-s[0])*rng.Float64()
}

// has reports whether x is in the span (with a rounding margin).
func (s simSpan) has(x float64) bool { return x >= s[0]-1e-9 && x <= s[1]+1e-9 }

func fixed(x float64) simSpan { return simSpan{x, x} }

// simStop is a walker's pattern of stopping on the way.
type simStop int

const (
	simStopNone   simStop = iota // walks on without stopping
	simStopGo                    // stops every 10-60 s of walking for 2-30 s
	simStopLong                  // one long stop of 1-5 min somewhere midway
	simStopDawdle                // no stops, but each stretch at 40-100% of the speed
)

// Stop patterns' ranges, seconds.
var (
	simStopGoEvery = simSpan{10, 60}
	simStopGoFor   = simSpan{2, 30}
	simStopLongFor = simSpan{60, 300}
	simDawdle      = simSpan{0.4, 1.0}
)

// simCentre is the centre of the ranges: where the positioning goals are
// checked. Exponent 2.2 (+- 0.1 per beacon), power bias N(0, 2 dB),
// shadowing 6 dB correlated over 3 m plus 2 dB fast fading, 15 dB a
// floor, 10% missed, -95 dBm sensitivity, phone offsets within +- 3 dB,
// walkers at 0.8-1.8 m/s (+- 10% from stretch to stretch) who never stop
// midway and stand 0-5 s at each end, one scan a second.
var simCentre = simRegime{
	exponent: fixed(2.2), exponentPer: 0.1, biasSD: 2,
	shadowDB: fixed(6), corrM: fixed(3), fastDB: 2,
	floorDB: fixed(15), miss: fixed(0.10),
	outdoorWeak: fixed(0),

	offsetDB: 3, sensitivity: fixed(-95),
	speed: simSpan{0.8, 1.8}, wander: 0.1, stops: []simStop{simStopNone},
	endStandS: simSpan{0, 5},
	liftWaitS: simSpan{5, 40}, liftFloorS: simSpan{1.5, 3}, stairsS: simSpan{10, 20},
	scanS: 1,
}

// simRegimeNames are the regimes in the order they are reported: the
// centre, each edge (the centre with one knob at its edge), everything
// drawn at once, and the classic simulator.
var simRegimeNames = []string{"centre", "exp-1.6", "exp-3.0", "shadow-4", "shadow-8", "corr-6", "offset-6",
	"miss-30", "slow", "fast", "stops", "sparse-outdoor", "scan-2s", "wide", RegimeClassic}

// SimRegimes lists the regimes Simulate knows, in report order: centre,
// the edges, wide, then classic.
func SimRegimes() []string { return append([]string(nil), simRegimeNames...) }

// simRegimeOf returns the ranges of a named regime (not classic).
func simRegimeOf(name string) (simRegime, bool) {
	r := simCentre
	switch name {
	case "centre":
	case "exp-1.6":
		r.exponent = fixed(1.6)
	case "exp-3.0":
		r.exponent = fixed(3.0)
	case "shadow-4":
		r.shadowDB = fixed(4)
	case "shadow-8":
		r.shadowDB = fixed(8)
	case "corr-6":
		r.corrM = fixed(6)
	case "offset-6":
		r.offsetDB = 6
	case "miss-30":
		r.miss = fixed(0.30)
	case "slow":
		r.speed = fixed(0.8)
	case "fast":
		r.speed = fixed(1.8)
	case "stops":
		r.stops = []simStop{simStopGo, simStopLong}
	case "sparse-outdoor":
		// Outdoors, 60% of the path beacons dead and the rest 6-12 dB
		// weaker (flat batteries, foliage, poles instead of walls), and
		// the buildings' beacons heard through their outer walls, 15 dB:
		// a scan outdoors hears a few weak readings.
		r.outdoorDead, r.outdoorWeak, r.wallDB = 0.6, simSpan{6, 12}, 15
	case "scan-2s":
		// A scan every 2 s; 10% of them lost, and now and then (2% a
		// scan) nothing for 5-15 s, as a phone in a pocket does.
		r.scanS, r.scanDrop, r.gapChance, r.gapS = 2, 0.10, 0.02, simSpan{5, 15}
	case "wide":
		r.exponent, r.exponentPer = simSpan{1.6, 3.0}, 0.1
		r.shadowDB, r.corrM = simSpan{4, 8}, simSpan{1, 6}
		r.floorDB, r.miss = simSpan{12, 18}, simSpan{0.05, 0.30}
		r.offsetDB, r.sensitivity = 6, simSpan{-100, -90}
		r.stops = []simStop{simStopNone, simStopGo, simStopLong, simStopDawdle}
		r.endStandS = simSpan{0, 30}
	default:
		return simRegime{}, false
	}
	return r, true
}

// simSite is a site's realised truth, drawn from its regime and the seed.
type simSite struct {
	regime                      string
	exponent, shadowDB, corrM   float64
	fastDB, floorDB, miss       float64
	seed                        int64
	beacons                     []simSiteBeacon // in the order of simRadio.beacons
	outdoorDead, outdoorBeacons int
}

// simSiteBeacon is one beacon's realised truth in a regime.
type simSiteBeacon struct {
	n, power float64 // path-loss exponent, true power at 1 m (weakening included)
	dead     bool
}

// simPhone is one walk's realised phone and walker.
type simPhone struct {
	offsetDB, sensitivity, speed float64
	stop                         simStop
}

// Random streams of regimes, apart from the classic ones.
const (
	simStreamSite      = 0x517e0
	simStreamPhone     = 0x9a0e0000
	simStreamSurveyReg = 0x50e70001
)

// drawSite realises regime rg for seed over the beacons of r (sorted by
// id), from the seed alone; sigma, if positive, overrides the shadowing.
func drawSite(name string, rg simRegime, r *simRadio, seed int64, sigma float64) *simSite {
	rng := rand.New(rand.NewPCG(uint64(seed), simStreamSite))
	s := &simSite{regime: name, seed: seed, exponent: rg.exponent.draw(rng), shadowDB: rg.shadowDB.draw(rng),
		corrM: rg.corrM.draw(rng), fastDB: rg.fastDB, floorDB: rg.floorDB.draw(rng), miss: rg.miss.draw(rng)}
	if sigma > 0 {
		s.shadowDB = sigma
	}
	for _, b := range r.beacons {
		sb := simSiteBeacon{
			n:     s.exponent + rg.exponentPer*(2*rng.Float64()-1),
			power: b.registered + rg.biasSD*rng.NormFloat64(),
		}
		dead, weak := rng.Float64() < rg.outdoorDead, rg.outdoorWeak.draw(rng)
		if b.outdoor {
			s.outdoorBeacons++
			sb.power -= weak
			if dead {
				sb.dead = true
				s.outdoorDead++
			}
		}
		s.beacons = append(s.beacons, sb)
	}
	return s
}

// drawPhone realises a walk's phone and walker from rng.
func drawPhone(rg simRegime, rng *rand.Rand) simPhone {
	return simPhone{
		offsetDB:    rg.offsetDB * (2*rng.Float64() - 1),
		sensitivity: rg.sensitivity.draw(rng),
		speed:       rg.speed.draw(rng),
		stop:        rg.stops[rng.IntN(len(rg.stops))],
	}
}
