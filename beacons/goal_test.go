package beacons

import (
	"testing"

	"github.com/campusnav/engine/geo"
)

// TestGoalCentreReporting checks issue 16's goals for tracking without a
// survey at the centre of the simulated ranges (regime centre: exponent
// 2.2, shadowing 6 dB correlated over 3 m, phone offsets within +-3 dB,
// 10% missed, walkers who do not stop), on reporting seeds that no tuning
// used (the first eight, two walks each: about 5,000 scans).
//
// Met and held here: median at most 1.5 m, the right floor at least 99%,
// 60-80% of errors inside the reported radius. Not met, and held at what
// is measured so that it does not slip back: p90 (goal 3 m; measured 6.3
// m on all 30 reporting seeds, `bash scripts/positioning-regimes.sh`) and
// lost tracks (goal none; measured 30 in 32,009 scans there).
func TestGoalCentreReporting(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 16 walks")
	}
	p, _ := campus(t)
	g := p.graph
	w := g.Venue.View(geo.Staff)
	var fixes []Fix
	for _, seed := range ReportingSeeds.Seeds()[:8] {
		trackers := map[string]*Tracker{}
		err := Simulate(g, p.reg, SimConfig{Regime: "centre", Seed: seed, Walks: 2}, func(s Scan) error {
			sc, err := ParseScan(mustJSON(s))
			if err != nil {
				return err
			}
			tr := trackers[sc.Device]
			if tr == nil {
				tr = p.NewTracker(sc.Device)
				trackers[sc.Device] = tr
			}
			fixes = append(fixes, tr.Update(w, &sc))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s := Evaluate(fixes)
	t.Logf("centre, reporting seeds %d-%d, 2 walks each: %d scans, median %.2f m, p90 %.2f m, p95 %.2f m, floor %.4f, inside the radius %.3f, lost tracks %d",
		ReportingSeeds.First, ReportingSeeds.First+7, s.Fixes, s.MedianM, s.P90M, s.P95M, s.FloorAccuracy, s.InsideRadius, s.LostTracks)
	if s.Fixes < 3000 {
		t.Fatalf("%d scans: the simulation is not what this test was sized on", s.Fixes)
	}
	if s.MedianM > 1.5 || s.FloorAccuracy < 0.99 || s.InsideRadius < 0.6 || s.InsideRadius > 0.8 {
		t.Errorf("goals: median %.2f m (want at most 1.5), floor %.4f (want at least 0.99), inside the radius %.3f (want 0.6-0.8)",
			s.MedianM, s.FloorAccuracy, s.InsideRadius)
	}
	if s.P90M > 8 || float64(s.LostTracks) > 3*float64(s.Fixes)/1000 {
		t.Errorf("slipped back: p90 %.2f m (measured 6.3, goal 3), %d lost tracks in %d scans (measured about 1 a thousand, goal none)",
			s.P90M, s.LostTracks, s.Fixes)
	}
}
