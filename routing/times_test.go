package routing

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/campusnav/engine/geo"
)

// TestTimesAgreeWithRoutes: the fastest time from a point to many others
// in one search is never more than the time of the least-cost route
// between them, never less than the straight line at walking speed, and
// most often the route's own time.
func TestTimesAgreeWithRoutes(t *testing.T) {
	g := campus(t)
	rng := rand.New(rand.NewSource(3))
	for _, r := range []geo.Role{geo.Student, geo.Visitor} {
		w := g.Venue.View(r)
		var pts []geo.Position
		for _, u := range g.Venue.Units {
			if w.Sees(u) && u.Category == "office" && rng.Intn(20) == 0 {
				pts = append(pts, geo.Position{Lon: u.Display[0], Lat: u.Display[1], Ordinal: u.Level.Ordinal})
			}
		}
		pts = pts[:min(len(pts), 40)]
		spots := make([]Spot, len(pts))
		for i, p := range pts {
			spots[i], _ = g.SpotOf(w, p, Walk)
		}
		same, n := 0, 0
		for i := range 5 {
			times := g.Times(spots[i], spots, Walk, r)
			for j, tm := range times {
				rt, err := g.Route(w, Request{From: posString(pts[i]), To: posString(pts[j]), Profile: Walk})
				if err != nil {
					if !math.IsInf(tm, 1) {
						t.Errorf("%s: no route %d -> %d (%v), but a time %.1f s", r, i, j, err, tm)
					}
					continue
				}
				a := g.Venue.Projection.ToLocal(pts[i].Lon, pts[i].Lat)
				b := g.Venue.Projection.ToLocal(pts[j].Lon, pts[j].Lat)
				line := math.Hypot(a[0]-b[0], a[1]-b[1]) / WalkSpeed
				switch {
				case tm > rt.DurationS+0.5:
					t.Errorf("%s %d -> %d: %.1f s, slower than the route's %.1f s", r, i, j, tm, rt.DurationS)
				case pts[i].Ordinal == pts[j].Ordinal && tm < line-0.5:
					t.Errorf("%s %d -> %d: %.1f s, faster than the straight line's %.1f s", r, i, j, tm, line)
				}
				if math.Abs(tm-rt.DurationS) < 0.5 {
					same++
				}
				n++
			}
		}
		if n == 0 || same*10 < n*7 {
			t.Errorf("%s: %d of %d times equal the route's", r, same, n)
		}
	}
}

func posString(p geo.Position) string {
	return fmt.Sprintf("%.7f,%.7f,%d", p.Lon, p.Lat, p.Ordinal)
}
