package beacons

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// learnSite is a grid of beacons 10 m apart, each with power -59 dBm at
// 1 m and the model's exponent 2.
func learnSite() (*model, []orb.Point) {
	m := &model{floorLoss: DefaultFloorLoss, sigma: DefaultSigma, sensitivity: -95}
	var at []orb.Point
	for x := 0.0; x <= 100; x += 10 {
		for y := 0.0; y <= 20; y += 10 {
			m.beacon = append(m.beacon, params{Power: -59, Exponent: DefaultExponent})
			at = append(at, orb.Point{x, y})
		}
	}
	return m, at
}

// learnScan is what a phone at pt hears on a site whose exponent is
// 2+dn, offset off dB, with 6 dB of shadowing, above -95 dBm.
func learnScan(rng *rand.Rand, at []orb.Point, pt orb.Point, off, dn float64) []heard {
	var hs []heard
	for i, b := range at {
		d := math.Max(minDistance, dist(pt, b))
		rssi := -59 + off - 10*(2+dn)*math.Log10(d) + 6*rng.NormFloat64()
		if rssi >= -95 {
			hs = append(hs, heard{idx: i, at: b, rssi: math.Round(rssi)})
		}
	}
	return hs
}

// TestLearnOffsetAndExponent: a phone 5 dB loud on a site whose exponent
// is 2.3, walked along 100 m and back (places 1 m apart, one scan each),
// is learned within 2 dB and 0.2.
func TestLearnOffsetAndExponent(t *testing.T) {
	for _, c := range []struct{ off, dn float64 }{{5, 0.3}, {-4, 0}, {0, -0.2}} {
		m, at := learnSite()
		rng := rand.New(rand.NewPCG(1, 2))
		var l learner
		for k := 0; k < 400; k++ {
			x := float64(k % 200)
			if x > 100 {
				x = 200 - x
			}
			pt := orb.Point{x, 5}
			l.learn(m, learnScan(rng, at, pt, c.off, c.dn), Estimate{Point: pt, AccuracyM: 2, OK: true}, -95)
		}
		if math.Abs(l.off-c.off) > 2 || math.Abs(l.dn-c.dn) > 0.2 {
			t.Errorf("offset %.1f dB, exponent error %.2f: learned %.2f dB and %.2f", c.off, c.dn, l.off, l.dn)
		}
	}
}

// TestLearnGuards: what the learner must not learn from. A phone standing
// in one place hears its shadowing there, scan after scan, as if it were
// an offset: that place counts once. A track not sure where it is
// teaches nothing. And what is learned stays within its bounds.
func TestLearnGuards(t *testing.T) {
	m, at := learnSite()
	rng := rand.New(rand.NewPCG(3, 4))
	pt := orb.Point{42, 5}
	// The same place, shadowed 8 dB low on every beacon: one offset's
	// worth of evidence, and the prior holds it far from -8.
	var still learner
	for k := 0; k < 300; k++ {
		still.learn(m, learnScan(rng, at, pt, -8, 0), Estimate{Point: pt, AccuracyM: 1, OK: true}, -95)
	}
	if still.n > 40 {
		t.Errorf("standing still: %.0f readings counted, want one place's (at most %d)", still.n, len(at))
	}
	if still.off < -6 {
		t.Errorf("standing still in a shadowed place: learned %.2f dB, want the prior's pull to keep it above -6", still.off)
	}
	// Unsure: no learning at all.
	var unsure learner
	for k := 0; k < 100; k++ {
		p := orb.Point{float64(k), 5}
		unsure.learn(m, learnScan(rng, at, p, 6, 0), Estimate{Point: p, AccuracyM: learnAccuracy + 1, OK: true}, -95)
	}
	if unsure.n != 0 || unsure.off != 0 {
		t.Errorf("a track unsure of its place learned from %.0f readings (offset %.2f)", unsure.n, unsure.off)
	}
	// Bounds: a phone 30 dB loud is learned as at most learnMaxOffset.
	var loud learner
	for k := 0; k < 400; k++ {
		p := orb.Point{float64(k % 100), 5}
		loud.learn(m, learnScan(rng, at, p, 30, 0), Estimate{Point: p, AccuracyM: 1, OK: true}, -95)
	}
	if loud.off > learnMaxOffset || loud.dn < learnMinDn || loud.dn > learnMaxDn {
		t.Errorf("learned %.2f dB and %.2f, outside the bounds", loud.off, loud.dn)
	}
}
