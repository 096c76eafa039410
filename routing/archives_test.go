package routing

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/campusnav/engine/geo"
)

// The real IMDF archives of other venues kept under geo/testdata (see the
// SOURCE.md beside each). Neither has relationships: their floors are
// joined by stairs and elevators stacked from floor to floor.

func loadArchive(t *testing.T, name, archive string) *geo.Venue {
	t.Helper()
	v, err := geo.Load(filepath.Join("..", "geo", "testdata", name, archive))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// unitNamed returns the unit the role finds by name on the given ordinal.
func unitNamed(t *testing.T, v *geo.Venue, r geo.Role, name string, ordinal int) geo.SearchResult {
	t.Helper()
	for _, res := range v.View(r).Search(name, "en", 10) {
		if res.Kind == geo.KindUnit && res.Name == name && res.Ordinal == ordinal {
			return res
		}
	}
	t.Fatalf("no unit %q on ordinal %d", name, ordinal)
	return geo.SearchResult{}
}

// wallTolerance is how far, in metres, a real archive's route may stray
// outside its units: their walls are straight only to a few millimetres,
// and a route along one cuts its kinks.
const wallTolerance = 0.05

// realRoute routes as the role and proves the route stays inside the units
// of each level it crosses, within wallTolerance.
func realRoute(t *testing.T, v *geo.Venue, r geo.Role, req Request) *Route {
	t.Helper()
	req.Lang = "en"
	rt, err := Build(v).Route(v.View(r), req)
	if err != nil {
		t.Fatalf("%s -> %s: %v", req.From, req.To, err)
	}
	for _, f := range rt.Geometry.Features {
		if f.Properties.Level == nil {
			continue
		}
		lf, _ := v.Feature(*f.Properties.Level)
		c := f.Geometry.Coordinates
		for i := 0; i+1 < len(c); i++ {
			a := v.Projection.ToLocal(c[i][0], c[i][1])
			b := v.Projection.ToLocal(c[i+1][0], c[i+1][1])
			inside := false
			for _, u := range lf.(*geo.Level).Units {
				inside = inside || insideWithin(u.Local, a, b, wallTolerance)
			}
			if !inside {
				t.Fatalf("the stretch from %v to %v on level %s leaves its units by more than %g m", a, b, lf.Common().ID, wallTolerance)
			}
		}
	}
	return rt
}

// insideWithin reports whether the segment a-b lies inside g, or within tol
// of its boundary.
func insideWithin(g orb.Geometry, a, b orb.Point, tol float64) bool {
	ts := []float64{0, 1}
	var rings []orb.Ring
	switch g := g.(type) {
	case orb.Polygon:
		rings = g
	case orb.MultiPolygon:
		for _, p := range g {
			rings = append(rings, p...)
		}
	}
	for _, r := range rings {
		for i := 0; i+1 < len(r); i++ {
			ts = append(ts, geo.Crossings(a, b, r[i], r[i+1])...)
		}
	}
	slices.Sort(ts)
	for i := 0; i+1 < len(ts); i++ {
		for _, f := range []float64{0.25, 0.5, 0.75} {
			t := ts[i] + f*(ts[i+1]-ts[i])
			m := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
			if !geo.Contains(g, m) && geo.BoundaryDistance(g, m) > tol {
				return false
			}
		}
	}
	return true
}

func crossesFloors(t *testing.T, rt *Route, from, to int) {
	t.Helper()
	if len(rt.LevelChanges) == 0 {
		t.Fatalf("the route from ordinal %d to %d changes no level: %+v", from, to, rt.Instructions)
	}
	if first, last := rt.LevelChanges[0], rt.LevelChanges[len(rt.LevelChanges)-1]; first.FromOrdinal != from || last.ToOrdinal != to {
		t.Errorf("level changes %+v, want from %d to %d", rt.LevelChanges, from, to)
	}
}

// SPbSTU: from Classroom 104 on the first floor of academic building 3 to
// Classroom 301 two floors up, by the stacked stairs, never through a wall.
func TestRealArchiveSPbSTURouteCrossesFloors(t *testing.T) {
	v := loadArchive(t, "spbstu-polymap", "IMDFData")
	from := unitNamed(t, v, geo.Staff, "Classroom 104", 1)
	to := unitNamed(t, v, geo.Staff, "Classroom 301", 3)
	if from.Building == nil || to.Building == nil || *from.Building != *to.Building {
		t.Fatalf("the rooms are not in one building: %v, %v", from.Building, to.Building)
	}
	rt := realRoute(t, v, geo.Staff, Request{From: from.ID, To: to.ID})
	crossesFloors(t, rt, 1, 3)
	// Every level of the archive is restricted to employees: a tourist has
	// no way there, as there is none for a place they cannot see.
	if _, err := Build(v).Route(v.View(geo.Tourist), Request{From: from.ID, To: to.ID, Lang: "en"}); err == nil {
		t.Error("a tourist was routed inside levels restricted to employees")
	}
}

// Ulm: its openings name levels the archive does not have, so its rooms
// have no doors; its stairs are stacked units, which the graph joins floor
// to floor: from the stairs on the first floor to those stacked above them
// two floors up.
func TestRealArchiveUlmRouteCrossesFloors(t *testing.T) {
	v := loadArchive(t, "ulm-osmtoimdf", "IMDFData.zip")
	if len(v.Openings) != 0 {
		t.Fatalf("%d openings loaded: the archive is not the one described", len(v.Openings))
	}
	var low, high *geo.Unit
	best := math.Inf(1)
	for _, a := range v.Units {
		if a.Category != "stairs" || a.Level.Ordinal != 1 {
			continue
		}
		ca, _ := planar.CentroidArea(a.Local)
		for _, b := range v.Units {
			if b.Category != "stairs" || b.Level.Ordinal != 3 || b.Level.Building() != a.Level.Building() {
				continue
			}
			cb, _ := planar.CentroidArea(b.Local)
			if d := planar.Distance(ca, cb); d < best && geo.Contains(a.Local, cb) {
				best, low, high = d, a, b
			}
		}
	}
	if low == nil {
		t.Fatal("no stairs on the first floor with stairs stacked two floors above")
	}
	rt := realRoute(t, v, geo.Tourist, Request{From: low.ID, To: high.ID})
	crossesFloors(t, rt, 1, 3)
	if rt.LevelChanges[0].Via != "stairs" {
		t.Errorf("changes level by %q, want stairs", rt.LevelChanges[0].Via)
	}
}
