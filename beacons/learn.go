package beacons

import (
	"math"

	"github.com/paulmach/orb"
)

// Each phone hears every beacon a few dB louder or softer than another
// (its antenna, its case, the hand holding it), and the site's radio
// falls off faster or slower with distance than the model's exponent
// says. A tracker learns both from its own stream, as one linear model of
// the residuals: reading - expected = offset + dn * (-10 log10 d).
//
// What is learned must not be fooled by what it learns from:
//   - A place's shadowing is, to one phone standing there, the same as an
//     offset: every reading there is off by the same few dB, scan after
//     scan. So the learner takes at most one scan per learnStep metres of
//     the track's way: places, not seconds, are its evidence, and a phone
//     standing still teaches it nothing.
//   - It learns only where the track knows where it is (its radius under
//     learnAccuracy metres): residuals at a wrong place would teach a
//     wrong offset, which would hold the track at the wrong place.
//   - A reading just above the phone's sensitivity is heard only because
//     its shadowing was kind: it is compared with what is expected of a
//     reading that was heard at all (the truncated mean, censor.go).
//   - What it learns is shrunk towards none (offset 0 with a spread of
//     learnOffsetSD dB, exponent error 0 with learnExponentSD), bounded,
//     and older evidence fades (learnForget per place), so it follows a
//     phone put in a pocket.
//   - The scan a place's readings come from has already been weighed:
//     an estimate is never confirmed by the offset it taught itself.
const (
	learnStep       = 3.0 // metres of the track between two scans learned from
	learnAccuracy   = 4.0 // metres: the largest radius learned at
	learnOffsetSD   = 4.0 // dB
	learnExponentSD = 0.4
	learnForget     = 0.98
	learnMaxOffset  = 10.0 // dB
	learnMinDn      = -0.5
	learnMaxDn      = 1.0
)

// learner holds the sufficient statistics of the residual regression:
// sums over readings of [1, x, x², r, x r], x = -10 log10 d.
type learner struct {
	n, sx, sxx, sr, sxr float64
	at                  orb.Point
	ord                 int
	started             bool
	off, dn             float64 // the current estimate
}

// learn takes a scan's readings (loudest first, as weigh leaves them) at
// the track's estimate, if it is a new place the track is sure of.
func (l *learner) learn(m *model, hs []heard, est Estimate, sens float64) {
	if !est.OK || est.AccuracyM > learnAccuracy {
		return
	}
	if l.started && l.ord == est.Ordinal && dist(l.at, est.Point) < learnStep {
		return
	}
	used := 0
	var n, sx, sxx, sr, sxr float64
	for _, h := range hs {
		if h.ord != est.Ordinal {
			continue
		}
		dx, dy := est.Point[0]-h.at[0], est.Point[1]-h.at[1]
		d2 := math.Max(dx*dx+dy*dy, minDistance*minDistance)
		x := -5 * fastLog10(d2)
		mu := m.expected(h.idx, d2, 0)
		// What the phone is expected to hear, as learned so far, given that
		// it heard it: the residual is taken against that, plus what is
		// learned, so the sums are of the raw residual.
		adj := mu + l.off + l.dn*x
		z := (sens - adj) / m.sigma
		r := h.rssi - mu - m.sigma*mills(z)
		n, sx, sxx, sr, sxr = n+1, sx+x, sxx+x*x, sr+r, sxr+x*r
		used++
	}
	if used < 3 {
		return
	}
	l.started, l.at, l.ord = true, est.Point, est.Ordinal
	l.n = learnForget*l.n + n
	l.sx = learnForget*l.sx + sx
	l.sxx = learnForget*l.sxx + sxx
	l.sr = learnForget*l.sr + sr
	l.sxr = learnForget*l.sxr + sxr
	// Posterior mean with the prior: (S/s² + P) θ = b/s², P diagonal.
	s2 := m.sigma * m.sigma
	a := l.n/s2 + 1/(learnOffsetSD*learnOffsetSD)
	b := l.sx / s2
	c := l.sxx/s2 + 1/(learnExponentSD*learnExponentSD)
	g1, g2 := l.sr/s2, l.sxr/s2
	det := a*c - b*b
	if det <= 0 {
		return
	}
	l.off = math.Max(-learnMaxOffset, math.Min(learnMaxOffset, (c*g1-b*g2)/det))
	l.dn = math.Max(learnMinDn, math.Min(learnMaxDn, (a*g2-b*g1)/det))
}
