package beacons

import (
	"math"
	"testing"
	"time"
)

// lostRun makes one fix a second for device d, the i-th errs[i] metres
// from its truth (NaN: no position), hearing heard[i] beacons (nil: the
// truth does not say).
func lostRun(d string, errs []float64, heard []int) []Fix {
	var out []Fix
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i, e := range errs {
		var f Fix
		if math.IsNaN(e) {
			f = evalFix(nil, 0, 0, nil)
		} else {
			f = evalFix(evalPtr(e), 0, 0, nil)
		}
		f.Device, f.T = d, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano)
		if heard != nil {
			h := heard[i]
			f.Truth.Heard = &h
		}
		out = append(out, f)
	}
	return out
}

// lostRamp is n errors from a rising by step a second.
func lostRamp(n int, a, step float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a + step*float64(i)
	}
	return out
}

func lostHeard(n, k int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func TestLostTracks(t *testing.T) {
	flat := func(n int, e float64) []float64 { return lostRamp(n, e, 0) }
	cat := func(parts ...[]float64) []float64 {
		var out []float64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	ramp := cat(flat(10, 2), lostRamp(21, 2, 1.4), flat(10, 30)) // 2 m, up to 30 m over 20 s, stays
	zigzag := make([]float64, 60)                                // 20 +- 3 m, every other second
	for i := range zigzag {
		zigzag[i] = 20 + 3*float64(1-2*(i%2))
	}
	cut := append([]int(nil), lostHeard(len(ramp), 8)...)
	cut[20] = 0 // nothing heard halfway up the ramp
	short := cat(flat(10, 2), lostRamp(8, 2, 3), flat(10, 23))
	cases := []struct {
		name    string
		fixes   []Fix
		lost    int
		longest [2]float64 // within
	}{
		{"a ramp of 20 s", lostRun("d", ramp, lostHeard(len(ramp), 8)), 1, [2]float64{18, 24}},
		{"a ramp, the truth not saying", lostRun("d", ramp, nil), 1, [2]float64{18, 24}},
		{"a ramp while nothing is heard", lostRun("d", ramp, lostHeard(len(ramp), 0)), 0, [2]float64{0, 0}},
		{"a ramp cut halfway by a scan that heard nothing", lostRun("d", ramp, cut), 0, [2]float64{5, 10}},
		{"a ramp cut by a fix with no position", lostRun("d", cat(flat(10, 2), lostRamp(10, 2, 1.4), []float64{math.NaN()},
			lostRamp(10, 17.4, 1.4), flat(10, 30)), nil), 0, [2]float64{5, 10}},
		{"a steep rise of 8 s", lostRun("d", short, nil), 0, [2]float64{6, 10}},
		{"noise about 20 m", lostRun("d", zigzag, nil), 0, [2]float64{0, 2}},
		{"a slow drift to 9 m", lostRun("d", lostRamp(60, 1, 0.13), nil), 0, [2]float64{0, 0}},
		{"two devices, two ramps", append(lostRun("a", ramp, nil), lostRun("b", cat(flat(5, 3), ramp), nil)...), 2, [2]float64{18, 24}},
		{"two ramps of one device", lostRun("d", cat(ramp, flat(10, 2), ramp), nil), 2, [2]float64{18, 24}},
	}
	for _, c := range cases {
		s := Evaluate(c.fixes)
		if s.LostTracks != c.lost || s.LongestGrowthS < c.longest[0] || s.LongestGrowthS > c.longest[1] {
			t.Errorf("%s: %d lost tracks, longest growth %v s; want %d, %v", c.name, s.LostTracks, s.LongestGrowthS, c.lost, c.longest)
		}
	}
}
