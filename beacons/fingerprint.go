package beacons

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// fingerprint is a surveyed place with what was heard there.
type fingerprint struct {
	at   orb.Point
	ord  int
	idx  []int     // registry indexes, ascending
	rssi []float64 // mean dBm, by idx
}

// radioMap finds the surveyed places whose fingerprints look most like a
// scan (weighted k nearest neighbours in signal space).
type radioMap struct {
	byOrd map[int]*rtree.RTreeG[*fingerprint]
}

// Radio map search.
const (
	fpK       = 3     // neighbours averaged
	fpRadius  = 25.0  // metres around the path-loss fix searched
	fpMissing = -100. // dBm taken for a beacon not heard
	fpFloor   = 2.0   // metres of spread added to a fingerprint estimate's
)

func newRadioMap(r *Registry, c *Calibration) *radioMap {
	rm := &radioMap{byOrd: map[int]*rtree.RTreeG[*fingerprint]{}}
	if c == nil {
		return rm
	}
	for _, f := range c.Fingerprints {
		fp := &fingerprint{at: r.Projection.ToLocal(f.Lon, f.Lat), ord: f.Ordinal}
		for k, i := range f.Heard {
			if b, ok := r.ByID(c.FingerprintBeacons[i]); ok {
				fp.idx = append(fp.idx, b.idx)
				fp.rssi = append(fp.rssi, f.DBM[k])
			}
		}
		sort.Sort(byIdx{fp})
		t := rm.byOrd[fp.ord]
		if t == nil {
			t = &rtree.RTreeG[*fingerprint]{}
			rm.byOrd[fp.ord] = t
		}
		t.Insert(fp.at, fp.at, fp)
	}
	return rm
}

type byIdx struct{ f *fingerprint }

func (b byIdx) Len() int           { return len(b.f.idx) }
func (b byIdx) Less(i, j int) bool { return b.f.idx[i] < b.f.idx[j] }
func (b byIdx) Swap(i, j int) {
	b.f.idx[i], b.f.idx[j] = b.f.idx[j], b.f.idx[i]
	b.f.rssi[i], b.f.rssi[j] = b.f.rssi[j], b.f.rssi[i]
}

// locate returns the radio map's estimate near pt on floor ord, and its
// covariance; ok is false where the survey did not go.
func (rm *radioMap) locate(hs []heard, ord int, near orb.Point) (orb.Point, [3]float64, bool) {
	t := rm.byOrd[ord]
	if t == nil {
		return orb.Point{}, [3]float64{}, false
	}
	obs := make([]heard, len(hs))
	copy(obs, hs)
	sort.Slice(obs, func(i, j int) bool { return obs[i].idx < obs[j].idx })
	type cand struct {
		fp *fingerprint
		d  float64
	}
	var best []cand
	min := [2]float64{near[0] - fpRadius, near[1] - fpRadius}
	max := [2]float64{near[0] + fpRadius, near[1] + fpRadius}
	t.Search(min, max, func(_, _ [2]float64, fp *fingerprint) bool {
		d := signalDistance(obs, fp)
		if len(best) < fpK || d < best[len(best)-1].d {
			best = append(best, cand{fp, d})
			sort.Slice(best, func(i, j int) bool { return best[i].d < best[j].d })
			if len(best) > fpK {
				best = best[:fpK]
			}
		}
		return true
	})
	if len(best) == 0 {
		return orb.Point{}, [3]float64{}, false
	}
	var x, y, ws float64
	for _, c := range best {
		w := 1 / (c.d + 1e-6)
		x, y, ws = x+w*c.fp.at[0], y+w*c.fp.at[1], ws+w
	}
	pt := orb.Point{x / ws, y / ws}
	v := fpFloor * fpFloor
	for _, c := range best {
		w := 1 / (c.d + 1e-6) / ws
		dx, dy := c.fp.at[0]-pt[0], c.fp.at[1]-pt[1]
		v += w * (dx*dx + dy*dy) / 2
	}
	return pt, [3]float64{v, 0, v}, true
}

// signalDistance is the root mean square difference, dB, between a scan and
// a fingerprint over the beacons either has.
func signalDistance(obs []heard, fp *fingerprint) float64 {
	sq, n := squaredDiffs(obs, fp, fpMissing)
	if n == 0 {
		return math.Inf(1)
	}
	return math.Sqrt(sq / float64(n))
}

// squaredDiffs sums the squared differences, dB², between a scan (sorted by
// registry index) and a fingerprint over the beacons either heard, a
// beacon one of them did not hear counting as missing dBm there, and
// counts those beacons.
func squaredDiffs(obs []heard, fp *fingerprint, missing float64) (float64, int) {
	i, j, n := 0, 0, 0
	s := 0.0
	for i < len(obs) || j < len(fp.idx) {
		var a, b float64
		switch {
		case j >= len(fp.idx) || (i < len(obs) && obs[i].idx < fp.idx[j]):
			a, b = obs[i].rssi, missing
			i++
		case i >= len(obs) || fp.idx[j] < obs[i].idx:
			a, b = missing, fp.rssi[j]
			j++
		default:
			a, b = obs[i].rssi, fp.rssi[j]
			i++
			j++
		}
		s += (a - b) * (a - b)
		n++
	}
	return s, n
}
