package beacons

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// KNN is the textbook fingerprint method positioning is measured against:
// weighted k-nearest neighbours in signal space over a site survey's
// fingerprints. A scan and a fingerprint are vectors over every beacon the
// survey or the scan heard, KNNMissingDBM for a beacon not heard; their
// distance is Euclidean, in dB. The KNNNeighbours nearest fingerprints
// vote for the floor (most of them; a tie goes to the nearest one's); the
// position is the average of those on that floor, each weighed by
// 1/distance. No path-loss model, tracking or floor plan.
type KNN struct {
	reg *Registry
	fps []fingerprint
}

// Weighted k-nearest neighbours, as textbooks fix them.
const (
	KNNNeighbours = 4    // fingerprints averaged
	KNNMissingDBM = -100 // dBm taken for a beacon not heard
)

// NewKNN reads the fingerprints of a calibration (its survey) against a
// registry; beacons of the survey the registry lacks are left out. A
// calibration without fingerprints is an error.
func NewKNN(reg *Registry, cal *Calibration) (*KNN, error) {
	if cal == nil || len(cal.Fingerprints) == 0 {
		return nil, fmt.Errorf("%w: no fingerprints to match (calibrate from a survey)", ErrCalibration)
	}
	k := &KNN{reg: reg, fps: make([]fingerprint, 0, len(cal.Fingerprints))}
	for i, f := range cal.Fingerprints {
		if len(f.Heard) != len(f.DBM) {
			return nil, fmt.Errorf("%w: fingerprints[%d]: heard has %d beacons, dbm %d readings", ErrCalibration, i, len(f.Heard), len(f.DBM))
		}
		fp := fingerprint{at: reg.Projection.ToLocal(f.Lon, f.Lat), ord: f.Ordinal}
		for j, bi := range f.Heard {
			if bi < 0 || bi >= len(cal.FingerprintBeacons) {
				return nil, fmt.Errorf("%w: fingerprints[%d].heard[%d]: %d is not an index of fingerprint_beacons", ErrCalibration, i, j, bi)
			}
			if b, ok := reg.ByID(cal.FingerprintBeacons[bi]); ok {
				fp.idx = append(fp.idx, b.idx)
				fp.rssi = append(fp.rssi, f.DBM[j])
			}
		}
		sort.Sort(byIdx{&fp})
		k.fps = append(k.fps, fp)
	}
	return k, nil
}

// Locate returns the weighted k-nearest-neighbour estimate of a reading.
func (k *KNN) Locate(rd Reading) Estimate {
	if len(rd.Beacons) == 0 {
		if rd.Unknown > 0 {
			return Estimate{Reason: ReasonUnknown}
		}
		return Estimate{Reason: ReasonNothingHeard}
	}
	obs := make([]heard, len(rd.Beacons))
	for i, b := range rd.Beacons {
		obs[i] = heard{idx: b.idx, rssi: rd.RSSI[i]}
	}
	sort.Slice(obs, func(i, j int) bool { return obs[i].idx < obs[j].idx })
	type cand struct {
		fp *fingerprint
		d  float64
	}
	best := make([]cand, 0, KNNNeighbours+1)
	for i := range k.fps {
		d := euclidDBM(obs, &k.fps[i])
		if len(best) == KNNNeighbours && d >= best[len(best)-1].d {
			continue
		}
		at := sort.Search(len(best), func(j int) bool { return best[j].d > d })
		best = append(best, cand{})
		copy(best[at+1:], best[at:])
		best[at] = cand{&k.fps[i], d}
		if len(best) > KNNNeighbours {
			best = best[:KNNNeighbours]
		}
	}
	votes, most := map[int]int{}, 0
	for _, c := range best {
		votes[c.fp.ord]++
		most = max(most, votes[c.fp.ord])
	}
	ord := best[0].fp.ord
	for _, c := range best { // the nearest of the floors with most votes
		if votes[c.fp.ord] == most {
			ord = c.fp.ord
			break
		}
	}
	var x, y, ws float64
	for _, c := range best {
		if c.fp.ord != ord {
			continue
		}
		w := 1 / math.Max(c.d, 1e-6)
		x, y, ws = x+w*c.fp.at[0], y+w*c.fp.at[1], ws+w
	}
	pt := orb.Point{x / ws, y / ws}
	// The radius: the weighted spread of the neighbours about the estimate.
	v := 0.0
	for _, c := range best {
		if c.fp.ord == ord {
			v += (1 / math.Max(c.d, 1e-6)) / ws * (dist(pt, c.fp.at) * dist(pt, c.fp.at))
		}
	}
	return Estimate{Point: pt, Ordinal: ord, AccuracyM: math.Max(minAccuracy, math.Sqrt(v)), OK: true}
}

// euclidDBM is the Euclidean distance, dB, between a scan and a fingerprint
// over every beacon either heard (KNNMissingDBM for the other); a beacon
// neither heard adds nothing, so this is the distance over all beacons.
func euclidDBM(obs []heard, fp *fingerprint) float64 {
	sq, _ := squaredDiffs(obs, fp, KNNMissingDBM)
	return math.Sqrt(sq)
}

// Fix answers a scan by weighted k-nearest neighbours, for comparison; it
// is not snapped to the floor plan, and names a level only for a
// standalone registry (the level of the nearest beacon on its ordinal).
func (k *KNN) Fix(s *Scan) Fix {
	est := k.Locate(k.reg.Resolve(s))
	f := Fix{Device: s.Device, T: s.T, Truth: s.Truth}
	if !est.OK {
		f.Reason = est.Reason
		return f
	}
	lon, lat := k.reg.Projection.ToLonLat(est.Point)
	f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(round7(lon)), ptr(round7(lat)), ptr(est.Ordinal), ptr(round1(est.AccuracyM))
	if k.reg.Venue == nil {
		if lv := k.reg.levelNear(est.Point, est.Ordinal); lv != "" {
			f.Level = &lv
		}
	}
	return f
}
