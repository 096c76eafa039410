package beacons

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Estimate is a position on a floor, in local metres, with an accuracy
// radius; Reason says why there is none.
type Estimate struct {
	Point     orb.Point
	Ordinal   int
	AccuracyM float64
	OK        bool
	Reason    string
}

// Reasons for no fix.
const (
	ReasonNothingHeard = "no beacon heard"
	ReasonUnknown      = "no beacon heard is in the registry"
)

// radius68 turns the standard deviation of each coordinate of a 2-D
// Gaussian into the radius holding 68% of it: sqrt(-2 ln 0.32).
const radius68 = 1.5095

// minAccuracy is the smallest accuracy radius reported, metres: below it,
// the model's own assumptions dominate.
const minAccuracy = 1.0

// heard is a reading of one beacon, ready for the solver.
type heard struct {
	idx  int // registry index
	at   orb.Point
	ord  int
	rssi float64
}

// detectFloor picks the ordinal whose beacons are heard loudest: the sum of
// the linear power of its three strongest readings. Floors attenuate by
// about 15 dB, so the own floor's beacons dominate.
func detectFloor(hs []heard) int {
	byOrd := map[int][]float64{}
	for _, h := range hs {
		byOrd[h.ord] = append(byOrd[h.ord], h.rssi)
	}
	best, bestScore := 0, -1.0
	ords := make([]int, 0, len(byOrd))
	for o := range byOrd {
		ords = append(ords, o)
	}
	sort.Ints(ords)
	for _, o := range ords {
		rs := byOrd[o]
		sort.Sort(sort.Reverse(sort.Float64Slice(rs)))
		score := 0.0
		for i := 0; i < len(rs) && i < 3; i++ {
			score += math.Pow(10, rs[i]/10)
		}
		if score > bestScore {
			best, bestScore = o, score
		}
	}
	return best
}

// solve finds the position that best explains the readings of one floor:
// weighted non-linear least squares on the RSSI residuals (the shadowing is
// Gaussian in dB), by Levenberg-Marquardt, with readings far off the model
// weighted down (Huber). A reading is compared with what the model expects
// of it given that it was heard at all, above the sensitivity sens (the
// truncated Gaussian's mean; censor.go), so weak readings do not pull the
// fix towards far beacons. It returns the position and its covariance.
func (m *model) solve(hs []heard, sens float64) (orb.Point, [3]float64) {
	// Start at the centroid weighted by linear power: near the loudest.
	var x, y, ws float64
	for _, h := range hs {
		w := math.Pow(10, h.rssi/10)
		x, y, ws = x+w*h.at[0], y+w*h.at[1], ws+w
	}
	p := orb.Point{x / ws, y / ws}
	lambda := 1e-3
	huber := 2 * m.sigma
	// residual is a reading less what is expected of it when heard, and
	// how much that expectation moves with the model's.
	residual := func(h heard, d2 float64) (float64, float64) {
		mu := m.expected(h.idx, d2, 0)
		z := (sens - mu) / m.sigma
		l := mills(z)
		return h.rssi - mu - m.sigma*l, math.Max(0.05, 1-l*(l-z))
	}
	cost := func(p orb.Point) float64 {
		c := 0.0
		for _, h := range hs {
			dx, dy := p[0]-h.at[0], p[1]-h.at[1]
			r, _ := residual(h, dx*dx+dy*dy)
			if a := math.Abs(r); a > huber {
				c += huber * (2*a - huber)
			} else {
				c += r * r
			}
		}
		return c
	}
	cur := cost(p)
	var jtj [3]float64 // xx, xy, yy
	for it := 0; it < 30; it++ {
		var a, b, c, gx, gy float64
		for _, h := range hs {
			dx, dy := p[0]-h.at[0], p[1]-h.at[1]
			d2 := math.Max(dx*dx+dy*dy, minDistance*minDistance)
			r, slope := residual(h, d2)
			k := -10 * m.beacon[h.idx].Exponent / math.Ln10 / d2 * slope // d(expected)/d(p) = k*(p-b)
			jx, jy := k*dx, k*dy
			w := 1.0
			if ar := math.Abs(r); ar > huber {
				w = huber / ar
			}
			a, b, c = a+w*jx*jx, b+w*jx*jy, c+w*jy*jy
			gx, gy = gx+w*jx*r, gy+w*jy*r
		}
		jtj = [3]float64{a, b, c}
		for try := 0; try < 8; try++ {
			aa, cc := a+lambda*(a+1e-9), c+lambda*(c+1e-9)
			det := aa*cc - b*b
			if det <= 0 {
				lambda *= 10
				continue
			}
			sx := (cc*gx - b*gy) / det
			sy := (aa*gy - b*gx) / det
			if n := math.Hypot(sx, sy); n > maxStep {
				// Far off, heard-at-all flattens the cost: small steps.
				sx, sy = sx*maxStep/n, sy*maxStep/n
			}
			np := orb.Point{p[0] + sx, p[1] + sy}
			if nc := cost(np); nc < cur {
				p, cur = np, nc
				lambda = math.Max(lambda/10, 1e-7)
				if sx*sx+sy*sy < 1e-2 { // under 10 cm
					it = 1 << 30
				}
				break
			}
			lambda *= 10
		}
		if lambda > 1e6 {
			break
		}
	}
	// Covariance sigma^2 (J'J)^-1.
	det := jtj[0]*jtj[2] - jtj[1]*jtj[1]
	s2 := m.sigma * m.sigma
	if det <= 1e-12 {
		return p, [3]float64{1e4, 0, 1e4}
	}
	return p, [3]float64{s2 * jtj[2] / det, -s2 * jtj[1] / det, s2 * jtj[0] / det}
}

// maxStep, metres, is the longest step the solver takes.
const maxStep = 5.0

// single makes a fix from one scan's readings: floor, then position, then
// the radius.
func (p *Positioner) single(rd Reading) Estimate {
	if len(rd.Beacons) == 0 {
		if rd.Unknown > 0 {
			return Estimate{Reason: ReasonUnknown}
		}
		return Estimate{Reason: ReasonNothingHeard}
	}
	hs := p.heardOf(rd)
	ord := detectFloor(hs)
	var own []heard
	for _, h := range hs {
		if h.ord == ord {
			own = append(own, h)
		}
	}
	sort.SliceStable(own, func(i, j int) bool { return own[i].rssi > own[j].rssi })
	var pt orb.Point
	var cov [3]float64
	if len(own) == 1 {
		// One beacon: it is somewhere around it.
		d := p.model.distance(own[0].idx, own[0].rssi)
		pt, cov = own[0].at, [3]float64{d*d/2 + 1, 0, d*d/2 + 1}
	} else {
		pt, cov = p.model.solve(own, p.model.sensitivityFor(hs))
	}
	if fp, fcov, ok := p.radio.locate(hs, ord, pt); ok {
		pt, cov = fuse(pt, cov, fp, fcov)
	}
	acc := radius68 * math.Sqrt((cov[0]+cov[2])/2)
	return Estimate{Point: pt, Ordinal: ord, AccuracyM: math.Max(minAccuracy, acc), OK: true}
}

// heardOf turns a reading into solver inputs.
func (p *Positioner) heardOf(rd Reading) []heard {
	hs := make([]heard, len(rd.Beacons))
	for i, b := range rd.Beacons {
		hs[i] = heard{idx: b.idx, at: b.Point, ord: b.Ordinal, rssi: rd.RSSI[i]}
	}
	return hs
}

// fuse combines two estimates by their inverse covariances (isotropic
// approximation of each).
func fuse(a orb.Point, ca [3]float64, b orb.Point, cb [3]float64) (orb.Point, [3]float64) {
	va, vb := (ca[0]+ca[2])/2, (cb[0]+cb[2])/2
	if va <= 0 || vb <= 0 {
		return a, ca
	}
	wa, wb := 1/va, 1/vb
	pt := orb.Point{(a[0]*wa + b[0]*wb) / (wa + wb), (a[1]*wa + b[1]*wb) / (wa + wb)}
	v := 1 / (wa + wb)
	return pt, [3]float64{v, 0, v}
}
