package tour

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

var (
	campusOnce  sync.Once
	campusVenue *geo.Venue
	campusGraph *routing.Graph
)

// campus is the campus and its graph, loaded once.
func campus(t testing.TB) (*geo.Venue, *routing.Graph) {
	t.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		campusVenue, campusGraph = v, routing.Build(v)
	})
	return campusVenue, campusGraph
}

// TestCampusTours: the campus's tours load, each from a gate, with a
// route and its stops in both languages.
func TestCampusTours(t *testing.T) {
	v, g := campus(t)
	tours, err := Parse(v, g, campusTours, File)
	if err != nil {
		t.Fatal(err)
	}
	if len(tours) < 2 {
		t.Fatalf("%d tours", len(tours))
	}
	for _, tr := range tours {
		en, zh := tr.StopsIn("en"), tr.StopsIn("zh-Hans")
		if len(en) != len(tr.Stops) || len(zh) != len(tr.Stops) || en[0].Kind != geo.KindGate {
			t.Fatalf("%s: stops %+v", tr.ID, en)
		}
		if en[0].Name == zh[0].Name || !strings.Contains(zh[0].Name, "门") || zh[0].Note == en[0].Note {
			t.Errorf("%s: the first stop in en %+v, zh %+v", tr.ID, en[0], zh[0])
		}
		for _, lang := range Langs {
			rt := tr.Route(lang)
			if rt == nil || rt.DistanceM < 100 || rt.DurationS < rt.DistanceM/routing.WalkSpeed-1 {
				t.Fatalf("%s %s: route %+v", tr.ID, lang, rt)
			}
			vias := 0
			for _, in := range rt.Instructions {
				if in.Type == "via" {
					vias++
				}
			}
			if vias != len(tr.Stops)-2 {
				t.Errorf("%s %s: %d waypoints on the route, want %d", tr.ID, lang, vias, len(tr.Stops)-2)
			}
		}
		if tr.Route("en").Instructions[0].Text == tr.Route("zh").Instructions[0].Text {
			t.Errorf("%s: the instructions are not told in Chinese", tr.ID)
		}
	}
}

// TestTouristRoutes is the proof that a tour's route uses public places
// only: every point along it, every half metre, is outdoors, or inside a
// level and a unit a tourist may see, or at the entrance door of a
// building (a building seen from outside is a stop at its door). Staff's
// view says where a point is, so nothing hidden from tourists hides it.
// The check itself must see a route through C1, which tourists may not
// enter.
func TestTouristRoutes(t *testing.T) {
	v, g := campus(t)
	tours, err := Parse(v, g, campusTours, File)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tours {
		for _, lang := range Langs {
			if bad := hiddenSteps(v, tr.Route(lang)); len(bad) > 0 {
				t.Errorf("tour %s (%s) passes where a tourist may not go: %s", tr.ID, lang, strings.Join(bad, "; "))
			}
		}
	}
	// The check bites: staff's way into C1's lobby is refused to tourists.
	rt, err := g.Route(v.View(geo.Staff), routing.Request{From: "G2", Via: []string{"C1-111"}, To: "G5", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if bad := hiddenSteps(v, rt); len(bad) == 0 {
		t.Error("a route through C1's lobby passed the check")
	}
	if _, err := g.Route(v.View(geo.Tourist), routing.Request{From: "G2", Via: []string{"C1-111"}, To: "G5", Lang: "en"}); err == nil {
		t.Error("a tourist was routed to C1's lobby")
	}
}

// hiddenSteps lists the points of rt a tourist may not be at.
func hiddenSteps(v *geo.Venue, rt *routing.Route) []string {
	staff, tourist := v.View(geo.Staff), v.View(geo.Tourist)
	var bad []string
	for _, f := range rt.Geometry.Features {
		if l := f.Properties.Level; l != nil {
			if _, ok := tourist.Feature(*l); !ok {
				bad = append(bad, "level "+*l)
			}
		}
		cs := f.Geometry.Coordinates
		for i := 1; i < len(cs); i++ {
			a, b := cs[i-1], cs[i]
			pa, pb := v.Projection.ToLocal(a[0], a[1]), v.Projection.ToLocal(b[0], b[1])
			steps := int(math.Ceil(planar.Distance(pa, pb)/0.5)) + 1
			for j := 0; j <= steps; j++ {
				x := float64(j) / float64(steps)
				at := geo.Position{Lon: a[0] + x*(b[0]-a[0]), Lat: a[1] + x*(b[1]-a[1]), Ordinal: f.Properties.Ordinal}
				if why := hiddenAt(v, staff, tourist, at); why != "" {
					bad = append(bad, fmt.Sprintf("%s at %.7f,%.7f", why, at.Lon, at.Lat))
				}
			}
		}
	}
	return bad
}

// hiddenAt says why a tourist may not be at p ("" when they may).
func hiddenAt(v *geo.Venue, staff, tourist geo.View, p geo.Position) string {
	loc := staff.Locate(p, "en")
	switch {
	case loc.Level != nil:
		f, _ := v.Feature(loc.Level.ID)
		if atEntrance(v, f.(*geo.Level), p) {
			return ""
		}
		if _, ok := tourist.Feature(loc.Level.ID); !ok {
			return "inside " + loc.Building.Name
		}
		if loc.Unit != nil {
			if _, ok := tourist.Feature(loc.Unit.ID); !ok {
				return "in " + loc.Unit.Ref
			}
		}
	case loc.Building != nil && p.Ordinal != 0:
		return "under or over " + loc.Building.Name
	}
	return ""
}

// atEntrance reports whether p is at an entrance door of level l: within
// a metre of it, on the outer wall.
func atEntrance(v *geo.Venue, l *geo.Level, p geo.Position) bool {
	pt := v.Projection.ToLocal(p.Lon, p.Lat)
	for _, o := range v.Openings {
		if o.Level == l && o.Entrance && planar.DistanceFrom(o.Local, orb.Point(pt)) <= 1 {
			return true
		}
	}
	return false
}
