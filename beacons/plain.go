package beacons

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Plain is the textbook method positioning is measured against: the floor
// of the strongest beacon, distances from RSSI by the registered power and
// a path-loss exponent of 2, and linear least-squares trilateration over
// the strongest beacons of that floor; no calibration, no tracking, no
// floor plan.
func (p *Positioner) Plain(rd Reading) Estimate {
	if len(rd.Beacons) == 0 {
		return Estimate{Reason: ReasonNothingHeard}
	}
	hs := p.heardOf(rd)
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].rssi > hs[j].rssi })
	ord := hs[0].ord
	var own []heard
	for _, h := range hs {
		if h.ord == ord && len(own) < plainBeacons {
			own = append(own, h)
		}
	}
	d := make([]float64, len(own))
	for i, h := range own {
		d[i] = math.Pow(10, (p.reg.Beacons[h.idx].MeasuredPower-h.rssi)/(10*DefaultExponent))
	}
	if len(own) < 3 {
		return Estimate{Point: own[0].at, Ordinal: ord, AccuracyM: d[0], OK: true}
	}
	// Subtract the last circle's equation from the others: linear in x, y.
	n := len(own) - 1
	last := own[n].at
	var a, b, c, gx, gy float64
	for i := 0; i < n; i++ {
		bi := own[i].at
		ax, ay := 2*(last[0]-bi[0]), 2*(last[1]-bi[1])
		rhs := d[i]*d[i] - d[n]*d[n] - bi[0]*bi[0] + last[0]*last[0] - bi[1]*bi[1] + last[1]*last[1]
		a, b, c = a+ax*ax, b+ax*ay, c+ay*ay
		gx, gy = gx+ax*rhs, gy+ay*rhs
	}
	det := a*c - b*b
	if math.Abs(det) < 1e-9 {
		return Estimate{Point: own[0].at, Ordinal: ord, AccuracyM: d[0], OK: true}
	}
	pt := orb.Point{(c*gx - b*gy) / det, (a*gy - b*gx) / det}
	res := 0.0
	for i, h := range own {
		r := dist(pt, h.at) - d[i]
		res += r * r
	}
	return Estimate{Point: pt, Ordinal: ord, AccuracyM: math.Max(minAccuracy, math.Sqrt(res/float64(len(own)))), OK: true}
}

// FixPlain answers a scan by the plain method, for comparison; it is not
// snapped to the floor plan.
func (p *Positioner) FixPlain(s *Scan) Fix {
	est := p.Plain(p.reg.Resolve(s))
	f := Fix{Device: s.Device, T: s.T, Truth: s.Truth}
	if !est.OK {
		f.Reason = est.Reason
		return f
	}
	lon, lat := p.reg.Projection.ToLonLat(est.Point)
	f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(round7(lon)), ptr(round7(lat)), ptr(est.Ordinal), ptr(round1(est.AccuracyM))
	return f
}

// plainBeacons is how many of the strongest beacons plain trilateration
// uses, as is usual: more add far, noisy circles.
const plainBeacons = 4
