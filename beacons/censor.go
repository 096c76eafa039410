package beacons

import "math"

// A phone hears a beacon only above its sensitivity, so a weak reading is
// one whose shadowing happened to be kind: taken at face value it says the
// beacon is nearer than it is, and pulls every estimate towards the far
// beacons. The likelihood of a reading given that it was heard is the
// Gaussian truncated at the sensitivity T:
//
//	log p(r | heard, x) = -(r-mu(x))²/(2 sigma²) - log Q((T-mu(x))/sigma) + const
//
// where Q is the normal tail. The second term is what corrects the bias:
// where the beacon is expected near or below T, being heard at all says
// little. It makes all the readings usable, not only the loudest few
// (picking the loudest is itself a choice by noise, and biased).

// tailTable holds -log Q(z) for z from tailMin by tailStep.
const (
	tailMin  = -6.0
	tailMax  = 12.0
	tailStep = 0.01
)

var tailTable = func() []float64 {
	n := int((tailMax-tailMin)/tailStep) + 2
	t := make([]float64, n)
	for i := range t {
		t[i] = negLogTail(tailMin + float64(i)*tailStep)
	}
	return t
}()

// negLogTail is -log Q(z), Q(z) = P(N(0,1) > z), exactly.
func negLogTail(z float64) float64 {
	if z > 30 {
		// Q(z) ~ phi(z)/z: -log Q = z²/2 + log(z sqrt(2 pi)).
		return z*z/2 + math.Log(z*math.Sqrt(2*math.Pi))
	}
	return -math.Log(0.5 * math.Erfc(z/math.Sqrt2))
}

// logTail is -log Q(z) from the table, by linear interpolation (to about
// 1e-5 nats, well under what the shadowing blurs).
func logTail(z float64) float64 {
	if z <= tailMin {
		return 0 // Q is 1 to 1e-9
	}
	if z >= tailMax {
		return negLogTail(z)
	}
	f := (z - tailMin) / tailStep
	i := int(f)
	f -= float64(i)
	return tailTable[i] + f*(tailTable[i+1]-tailTable[i])
}

// mills is the inverse Mills ratio phi(z)/Q(z), the slope of -log Q: how
// far above mu, in sigmas, a reading heard above T = mu + z sigma lies on
// average. From the table, by its differences.
func mills(z float64) float64 {
	if z <= tailMin {
		return 0
	}
	if z >= tailMax-tailStep {
		return z + 1/z // the tail's asymptote
	}
	i := int((z - tailMin) / tailStep)
	return (tailTable[i+1] - tailTable[i]) / tailStep
}

// unknownSensitivity is the sensitivity taken before any reading says
// better: no truncation.
const unknownSensitivity = -200.0

// sensitivityFor is the sensitivity one scan is read with: the survey's,
// else what the scan says when it has enough readings for its weakest to
// be near the limit (a scan of a few weak readings says nothing of it).
func (m *model) sensitivityFor(hs []heard) float64 {
	if m.sensitivity != unknownSensitivity || len(hs) < minReadingsForSensitivity {
		return m.sensitivity
	}
	return sensitivityOf(hs, unknownSensitivity)
}

// minReadingsForSensitivity is how many readings a scan needs before its
// weakest is taken for the phone's sensitivity.
const minReadingsForSensitivity = 10

// sensitivityOf is what a set of readings says of the phone's sensitivity:
// just under the weakest heard (RSSI comes in whole dBm).
func sensitivityOf(hs []heard, was float64) float64 {
	s := was
	if s == unknownSensitivity {
		s = 0
	}
	for _, h := range hs {
		s = math.Min(s, h.rssi-0.5)
	}
	return s
}
