package beacons

import (
	"math"
	"sort"
	"time"
)

// A lost track is an error that grows for more than lostWindowS seconds
// in a row while the device's scans hear beacons. Errors are noisy, so
// "grows" is read off a trend, not single fixes: the error's level at a
// fix is the median of the errors within lostSmoothS seconds of it; the
// error is growing at a fix when the least-squares slope of the level
// over the lostSlopeS seconds up to it is above lostSlope m/s. A growth
// is a run of growing fixes: from the lowest level in the slope window of
// its first fix (the last fix there at that level) to the highest level
// in the run (the first fix at it), if the level rose by more than
// lostRiseM to above lostMinErrM. Every fix of it has a position and heard
// at least one beacon (Truth.Heard; a truth that does not say counts as
// heard unless the fix says nothing was heard).
const (
	lostWindowS = 10.0
	lostSmoothS = 1.5
	lostSlopeS  = 5.0
	lostSlope   = 0.3
	lostMinErrM = 10.0
	lostRiseM   = 5.0
)

// lostFix is a fix of one device, for lost tracks: when, and its error
// (NaN when the fix breaks a stretch: no position, or nothing heard).
type lostFix struct {
	t   float64 // seconds
	err float64
}

// lostTracks counts lost tracks over the fixes (grouped by device, in
// time order; fixes without a truth or a readable time are left out) and
// returns the longest growth, seconds, whether or not it was long enough
// to count.
func lostTracks(fixes []Fix) (episodes int, longest float64) {
	byDevice := map[string][]lostFix{}
	var devices []string
	for i := range fixes {
		f := &fixes[i]
		if f.Truth == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, f.T)
		if err != nil {
			continue
		}
		e := math.NaN()
		heard := f.Reason != ReasonNothingHeard
		if f.Truth.Heard != nil {
			heard = *f.Truth.Heard > 0
		}
		if heard && f.Lon != nil && f.Lat != nil {
			e = HorizontalError(*f.Lon, *f.Lat, f.Truth.Lon, f.Truth.Lat)
		}
		if _, ok := byDevice[f.Device]; !ok {
			devices = append(devices, f.Device)
		}
		byDevice[f.Device] = append(byDevice[f.Device], lostFix{float64(at.UnixNano()) / 1e9, e})
	}
	for _, d := range devices {
		fs := byDevice[d]
		sort.SliceStable(fs, func(a, b int) bool { return fs[a].t < fs[b].t })
		for lo := 0; lo < len(fs); {
			if math.IsNaN(fs[lo].err) {
				lo++
				continue
			}
			hi := lo
			for hi < len(fs) && !math.IsNaN(fs[hi].err) {
				hi++
			}
			n, l := lostStretch(fs[lo:hi])
			episodes += n
			longest = math.Max(longest, l)
			lo = hi
		}
	}
	return episodes, longest
}

// lostStretch finds the growths in a stretch of fixes that all heard
// beacons and have a position: how many last over lostWindowS, and the
// longest, seconds.
func lostStretch(fs []lostFix) (episodes int, longest float64) {
	n := len(fs)
	level := make([]float64, n)
	var near []float64
	for k := range fs {
		near = near[:0]
		for i := k; i >= 0 && fs[k].t-fs[i].t <= lostSmoothS; i-- {
			near = append(near, fs[i].err)
		}
		for i := k + 1; i < n && fs[i].t-fs[k].t <= lostSmoothS; i++ {
			near = append(near, fs[i].err)
		}
		level[k] = lostMedian(near)
	}
	// first[k] is the first fix of k's slope window.
	first := make([]int, n)
	growing := make([]bool, n)
	for k := range fs {
		i := k
		for i > 0 && fs[k].t-fs[i-1].t < lostSlopeS {
			i--
		}
		first[k] = i
		growing[k] = lostSlopeOf(fs[i:k+1], level[i:k+1]) > lostSlope
	}
	for a := 0; a < n; {
		if !growing[a] {
			a++
			continue
		}
		b := a
		for b+1 < n && growing[b+1] {
			b++
		}
		lo, hi := a, a
		for k := first[a]; k <= a; k++ {
			if level[k] <= level[lo] {
				lo = k
			}
		}
		for k := a; k <= b; k++ {
			if level[k] > level[hi] {
				hi = k
			}
		}
		if level[hi] > lostMinErrM && level[hi]-level[lo] > lostRiseM {
			d := fs[hi].t - fs[lo].t
			longest = math.Max(longest, d)
			if d > lostWindowS {
				episodes++
			}
		}
		a = b + 1
	}
	return episodes, longest
}

// lostMedian is the median of xs (the mean of the middle two of an even
// count); it reorders xs.
func lostMedian(xs []float64) float64 {
	sort.Float64s(xs)
	m := len(xs) / 2
	if len(xs)%2 == 0 {
		return (xs[m-1] + xs[m]) / 2
	}
	return xs[m]
}

// lostSlopeOf is the least-squares slope of ys over the fixes' times, m/s;
// 0 for fewer than 2 fixes or no spread in time.
func lostSlopeOf(fs []lostFix, ys []float64) float64 {
	if len(fs) < 2 {
		return 0
	}
	var mt, my float64
	for k := range fs {
		mt += fs[k].t
		my += ys[k]
	}
	mt /= float64(len(fs))
	my /= float64(len(fs))
	var num, den float64
	for k := range fs {
		num += (fs[k].t - mt) * (ys[k] - my)
		den += (fs[k].t - mt) * (fs[k].t - mt)
	}
	if den == 0 {
		return 0
	}
	return num / den
}
