package routing

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/geo/geotest"
)

// corridorVenue: building A, one floor: a corridor 30 x 3 m, room A-102 at
// its west end and A-103 at its east end, an entrance at the corridor's west
// end, and Gate G1 20 m west of it, joined by a footpath.
func corridorVenue() *geotest.Venue {
	v := geotest.New()
	v.Building("A", 0, 0, 30, 8)
	l := v.Level("A", 0, 0, 0, 30, 8)
	v.Unit(l, "A-101", "walkway", geotest.Rect(0, 0, 30, 3))
	v.Unit(l, "A-102", "office", geotest.Rect(0, 3, 5, 8))
	v.Unit(l, "A-103", "office", geotest.Rect(25, 3, 30, 8))
	v.Door(l, "d-102", "pedestrian", 2, 3, 3, 3)
	v.Door(l, "d-103", "pedestrian", 27, 3, 28, 3)
	v.Door(l, "e-A", "pedestrian.principal", 0, 1, 0, 2)
	v.Gate("G1", "Gate 1", "1号门", -20, 1.5)
	v.Path("p1", "footway", false, [2]float64{-20, 1.5}, [2]float64{0, 1.5})
	return v
}

// twoFloorVenue: building B, two floors joined by stairs (west) and an
// elevator (east); room B-201 upstairs; the entrance in the middle of the
// south wall.
func twoFloorVenue(withRelationships bool) *geotest.Venue {
	v := geotest.New()
	v.Building("B", 0, 0, 20, 10)
	for f := 0; f < 2; f++ {
		l := v.Level("B", f, 0, 0, 20, 10)
		s := fmt.Sprintf("B-%d", f+1)
		v.Unit(l, s+"01", "walkway", geotest.Rect(0, 0, 20, 4))
		v.Unit(l, s+"02", "stairs", geotest.Rect(0, 4, 4, 10))
		v.Unit(l, s+"03", "elevator", geotest.Rect(16, 4, 20, 10))
		v.Unit(l, s+"04", "office", geotest.Rect(8, 4, 12, 10))
		v.Door(l, s+"02-d", "pedestrian", 1.5, 4, 2.5, 4)
		v.Door(l, s+"03-d", "pedestrian", 17.5, 4, 18.5, 4)
		v.Door(l, s+"04-d", "pedestrian", 9.5, 4, 10.5, 4)
		if f == 0 {
			v.Door(l, "e-B", "pedestrian.principal", 9, 0, 11, 0)
		}
	}
	if withRelationships {
		v.Link("stairs-B", "stairs", "B-102", "B-202")
		v.Link("lift-B", "elevator", "B-103", "B-203")
	}
	return v
}

func route(t *testing.T, v *geo.Venue, r geo.Role, req Request) *Route {
	t.Helper()
	g := Build(v)
	if req.Lang == "" {
		req.Lang = "en"
	}
	rt, err := g.Route(v.View(r), req)
	if err != nil {
		t.Fatalf("%s -> %s: %v", req.From, req.To, err)
	}
	checkInside(t, g, v, rt)
	return rt
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.051 }

// checkInside proves a route never passes through a wall: every stretch on a
// level lies inside the units of that level.
func checkInside(t *testing.T, g *Graph, v *geo.Venue, rt *Route) {
	t.Helper()
	for _, f := range rt.Geometry.Features {
		if f.Properties.Level == nil {
			continue
		}
		lf, ok := v.Feature(*f.Properties.Level)
		if !ok {
			t.Fatalf("route on unknown level %s", *f.Properties.Level)
		}
		l := lf.(*geo.Level)
		c := f.Geometry.Coordinates
		for i := 0; i+1 < len(c); i++ {
			a := v.Projection.ToLocal(c[i][0], c[i][1])
			b := v.Projection.ToLocal(c[i+1][0], c[i+1][1])
			inside := false
			for _, u := range l.Units {
				if segmentInside(u.Local, a, b) {
					inside = true
					break
				}
			}
			if !inside {
				t.Fatalf("a stretch of the route from %v to %v on %s crosses a wall", a, b, l.ID)
			}
		}
	}
}

func TestRouteAlongCorridor(t *testing.T) {
	v := corridorVenue().Load(t)
	rt := route(t, v, geo.Tourist, Request{From: "A-102", To: "A-103"})
	// 2.5 m out of A-102, 25 m along the wall of the corridor, 2.5 m into A-103.
	if !near(rt.DistanceM, 30) || !near(rt.DurationS, 30/WalkSpeed) {
		t.Errorf("A-102 -> A-103: %.2f m, %.2f s; want 30 m, %.2f s", rt.DistanceM, rt.DurationS, 30/WalkSpeed)
	}
	if len(rt.LevelChanges) != 0 || len(rt.Geometry.Features) != 1 || *rt.Geometry.Features[0].Properties.Level != "A-0" {
		t.Errorf("one stretch on A-0 expected: %+v", rt.Geometry)
	}
	// From the gate: 20 m of path, then straight from the entrance (0, 1.5)
	// to the door of A-103 (27.5, 3), then 2.5 m in.
	rt = route(t, v, geo.Tourist, Request{From: "G1", To: "A-103"})
	want := 20 + math.Hypot(27.5, 1.5) + 2.5
	if !near(rt.DistanceM, want) {
		t.Errorf("G1 -> A-103: %.2f m, want %.2f", rt.DistanceM, want)
	}
	if f := rt.Geometry.Features; len(f) != 2 || f[0].Properties.Level != nil || f[0].Properties.Ordinal != 0 || *f[1].Properties.Level != "A-0" {
		t.Errorf("want an outdoor stretch then one on A-0: %+v", f)
	}
	types := instructionTypes(rt)
	if types != "depart enter arrive" && types != "depart enter turn arrive" {
		t.Errorf("instructions %q", types)
	}
}

func instructionTypes(rt *Route) string {
	var ts []string
	for _, in := range rt.Instructions {
		ts = append(ts, in.Type)
	}
	return strings.Join(ts, " ")
}

// A corridor shaped like an L: the route bends just inside its inner corner
// instead of cutting through the wall.
func TestRouteAroundCorner(t *testing.T) {
	v := geotest.New()
	v.Building("L", 0, 0, 25, 20)
	l := v.Level("L", 0, 0, 0, 25, 20)
	v.Unit(l, "L-101", "walkway", geotest.Polygon([2]float64{0, 0}, [2]float64{20, 0}, [2]float64{20, 20}, [2]float64{17, 20}, [2]float64{17, 3}, [2]float64{0, 3}))
	v.Unit(l, "L-102", "office", geotest.Rect(0, 3, 4, 8))
	v.Unit(l, "L-103", "office", geotest.Rect(20, 15, 25, 19))
	v.Door(l, "dx", "pedestrian", 1.5, 3, 2.5, 3)
	v.Door(l, "dy", "pedestrian", 20, 16.5, 20, 17.5)
	v.Door(l, "e", "pedestrian", 19, 0, 20, 0)
	gv := v.Load(t)
	rt := route(t, gv, geo.Staff, Request{From: "L-102", To: "L-103"})
	corner := orb.Point{17 + cornerInset/math.Sqrt2, 3 - cornerInset/math.Sqrt2}
	want := 2.5 + dist(orb.Point{2, 3}, corner) + dist(corner, orb.Point{20, 17}) + 2.5
	if !near(rt.DistanceM, want) {
		t.Errorf("around the corner: %.3f m, want %.3f", rt.DistanceM, want)
	}
}

// Two rooms side by side with no door between them: the route goes out
// into the corridor and back in, never through their shared wall.
func TestRouteNeverThroughAWall(t *testing.T) {
	v := geotest.New()
	v.Building("W", 0, 0, 10, 10)
	l := v.Level("W", 0, 0, 0, 10, 10)
	v.Unit(l, "W-101", "walkway", geotest.Rect(0, 0, 10, 3))
	v.Unit(l, "W-102", "office", geotest.Rect(0, 3, 5, 10))
	v.Unit(l, "W-103", "office", geotest.Rect(5, 3, 10, 10))
	v.Door(l, "d2", "pedestrian", 1, 3, 2, 3)
	v.Door(l, "d3", "pedestrian", 8, 3, 9, 3)
	v.Door(l, "e", "pedestrian", 4, 0, 6, 0)
	gv := v.Load(t)
	rt := route(t, gv, geo.Staff, Request{From: "W-102", To: "W-103"})
	// Points (2.5, 6.5) and (7.5, 6.5); doors (1.5, 3) and (8.5, 3).
	want := math.Hypot(1, 3.5) + 7 + math.Hypot(1, 3.5)
	if !near(rt.DistanceM, want) {
		t.Errorf("W-102 -> W-103: %.3f m, want %.3f (through the corridor)", rt.DistanceM, want)
	}
}

func TestRouteBetweenFloors(t *testing.T) {
	for _, rel := range []bool{true, false} {
		t.Run(fmt.Sprintf("relationships=%v", rel), func(t *testing.T) {
			v := twoFloorVenue(rel).Load(t)
			// Entrance (10,0) -> stairs door (2,4) -> stairs (2,7) | up | (2,7)
			// -> (2,4) -> room door (10,4) -> room (10,7).
			walkM := math.Hypot(8, 4) + 3 + 3 + 8 + 3
			rt := route(t, v, geo.Visitor, Request{From: "B", To: "B-204"})
			if !near(rt.DistanceM, walkM) || !near(rt.DurationS, walkM/WalkSpeed+StairsUp) {
				t.Errorf("walk: %.2f m %.2f s, want %.2f m %.2f s", rt.DistanceM, rt.DurationS, walkM, walkM/WalkSpeed+StairsUp)
			}
			if len(rt.LevelChanges) != 1 || rt.LevelChanges[0].Via != "stairs" || rt.LevelChanges[0].FromOrdinal != 0 || rt.LevelChanges[0].ToOrdinal != 1 {
				t.Errorf("walk level changes %+v", rt.LevelChanges)
			}
			wc := route(t, v, geo.Visitor, Request{From: "B", To: "B-204", Profile: Wheelchair})
			if !near(wc.DurationS, walkM/WheelchairSpeed+ElevatorWait+ElevatorFloor) {
				t.Errorf("wheelchair: %.2f s, want %.2f", wc.DurationS, walkM/WheelchairSpeed+ElevatorWait+ElevatorFloor)
			}
			if len(wc.LevelChanges) != 1 || wc.LevelChanges[0].Via != "elevator" {
				t.Errorf("wheelchair level changes %+v", wc.LevelChanges)
			}
			down := route(t, v, geo.Visitor, Request{From: "B-204", To: "B"})
			if !near(down.DurationS, walkM/WalkSpeed+StairsDown) {
				t.Errorf("down the stairs: %.2f s, want %.2f", down.DurationS, walkM/WalkSpeed+StairsDown)
			}
		})
	}
}

func TestInstructionsBothLanguages(t *testing.T) {
	v := twoFloorVenue(true).Load(t)
	en := route(t, v, geo.Staff, Request{From: "B", To: "B-204"})
	zh := route(t, v, geo.Staff, Request{From: "B", To: "B-204", Lang: "zh"})
	wantEN := []string{"Depart from Building B", "Turn right", "Take the stairs to B 2/F", "Turn left", "Turn left", "Arrive at B-204"}
	wantZH := []string{"从B楼出发", "右转", "走楼梯到B 2楼", "左转", "左转", "到达B-204"}
	for i, rt := range []*Route{en, zh} {
		want := [][]string{wantEN, wantZH}[i]
		var got []string
		for _, in := range rt.Instructions {
			got = append(got, in.Text)
		}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("instructions:\n got %q\nwant %q", got, want)
		}
	}
	// Distances: each instruction carries the walk to the next; they add up.
	sum := 0.0
	for _, in := range en.Instructions {
		sum += in.DistanceM
	}
	if math.Abs(sum-en.DistanceM) > 0.05*float64(len(en.Instructions)) { // each rounded to 0.1 m
		t.Errorf("instruction distances add to %.2f, the route is %.2f", sum, en.DistanceM)
	}
	stairs := en.Instructions[2]
	if stairs.Level == nil || *stairs.Level != "B-1" || stairs.Ordinal != 1 {
		t.Errorf("the stairs instruction should be on the floor it reaches: %+v", stairs)
	}
}

func TestWheelchairWithoutElevator(t *testing.T) {
	v := twoFloorVenue(false)
	v.Link("stairs-B", "stairs", "B-102", "B-202")
	v.Link("lift-B", "stairs", "B-103", "B-203") // the lift shaft holds stairs too
	gv := v.Load(t)
	g := Build(gv)
	_, err := g.Route(gv.View(geo.Staff), Request{From: "B", To: "B-204", Profile: Wheelchair})
	var nr *NoRouteError
	if !errors.As(err, &nr) || !strings.Contains(nr.Reason, "step-free") || !errors.Is(err, ErrNoRoute) {
		t.Fatalf("want a no step-free way error, got %v", err)
	}
}

// A building whose only door is marked for vehicles is still reached on foot.
func TestVehicleDoorStillWalkable(t *testing.T) {
	gv := func() *geo.Venue {
		x := geotest.New()
		x.Building("V", 0, 0, 10, 10)
		l := x.Level("V", 0, 0, 0, 10, 10)
		x.Unit(l, "V-101", "room", geotest.Rect(0, 0, 10, 10))
		x.Door(l, "dv", "automobile", 4, 0, 6, 0)
		x.Gate("G1", "Gate 1", "1号门", 5, -20)
		x.Path("p", "footway", false, [2]float64{5, -20}, [2]float64{5, 0})
		return x.Load(t)
	}()
	rt := route(t, gv, geo.Tourist, Request{From: "G1", To: "V-101"})
	if !near(rt.DistanceM, 20+5) {
		t.Errorf("through the vehicle door: %.2f m, want 25", rt.DistanceM)
	}
	if rt.Cost < rt.DurationS+DoorPenaltyVehicle-0.1 { // duration is rounded to 0.1 s
		t.Errorf("the vehicle door should cost its penalty: cost %.2f, time %.2f", rt.Cost, rt.DurationS)
	}
}

// Sheltered takes the covered way when the open one is less than three
// times shorter.
func TestShelteredTakesTheCoveredWay(t *testing.T) {
	v := corridorVenue()
	v.Gate("G9", "Gate 9", "9号门", -100, 1.5)
	v.Path("open", "footway", false, [2]float64{-100, 1.5}, [2]float64{-20, 1.5})
	v.Path("roof", "footway", true, [2]float64{-100, 1.5}, [2]float64{-100, 40}, [2]float64{-20, 40}, [2]float64{-20, 1.5})
	gv := v.Load(t)
	walk := route(t, gv, geo.Staff, Request{From: "G9", To: "G1"})
	dry := route(t, gv, geo.Staff, Request{From: "G9", To: "G1", Profile: Sheltered})
	if !near(walk.DistanceM, 80) || !near(dry.DistanceM, 38.5+80+38.5) {
		t.Errorf("walk %.1f m (want 80), sheltered %.1f m (want 157)", walk.DistanceM, dry.DistanceM)
	}
	if !near(dry.DurationS, dry.DistanceM/WalkSpeed) {
		t.Errorf("sheltered time is walking time: %.2f s for %.2f m", dry.DurationS, dry.DistanceM)
	}
}

func TestUnknownAndHiddenPlacesAlike(t *testing.T) {
	v := corridorVenue()
	v.Policy = `{"version":1,"public_roles":["visitor","tourist"],"areas":[{"buildings":["A"],"access":{"visitor":"none","tourist":"none"}}]}`
	gv := v.Load(t)
	g := Build(gv)
	w := gv.View(geo.Tourist)
	_, errHidden := g.Route(w, Request{From: "G1", To: "A-103"})
	_, errNone := g.Route(w, Request{From: "G1", To: "A-199"})
	var pe1, pe2 *PlaceError
	if !errors.As(errHidden, &pe1) || !errors.As(errNone, &pe2) {
		t.Fatalf("want unknown places, got %v and %v", errHidden, errNone)
	}
	if strings.ReplaceAll(errHidden.Error(), "A-103", "X") != strings.ReplaceAll(errNone.Error(), "A-199", "X") {
		t.Errorf("a hidden place is told apart from a missing one:\n%v\n%v", errHidden, errNone)
	}
	// The building itself is public: a route to it ends at its entrance.
	rt, err := g.Route(w, Request{From: "G1", To: "A"})
	if err != nil || !near(rt.DistanceM, 20) {
		t.Fatalf("to building A: %v %+v", err, rt)
	}
	for _, f := range rt.Geometry.Features {
		if f.Properties.Level != nil {
			t.Errorf("a tourist's route enters hidden building A: %+v", f)
		}
	}
	// Staff may go in.
	if _, err := g.Route(gv.View(geo.Staff), Request{From: "G1", To: "A-103"}); err != nil {
		t.Errorf("staff: %v", err)
	}
}

func TestRouteFromPointAndVia(t *testing.T) {
	gv := corridorVenue().Load(t)
	a := geotest.Position(10, 1.5, 0)
	from := fmt.Sprintf("%v,%v,0", a.Lon, a.Lat)
	rt := route(t, gv, geo.Staff, Request{From: from, To: "A-103"})
	// From (10, 1.5) straight to the door (27.5, 3), then 2.5 m in.
	if want := math.Hypot(17.5, 1.5) + 2.5; !near(rt.DistanceM, want) {
		t.Errorf("from a point: %.2f m, want %.2f", rt.DistanceM, want)
	}
	// Via A-102 first: to its door and point, back out, then on.
	via := route(t, gv, geo.Staff, Request{From: from, To: "A-103", Via: []string{"A-102"}})
	if want := math.Hypot(7.5, 1.5) + 2.5 + 30; !near(via.DistanceM, want) {
		t.Errorf("via A-102: %.2f m, want %.2f", via.DistanceM, want)
	}
	// A point on a floor that does not exist there: no place on that level.
	g := Build(gv)
	if _, err := g.Route(gv.View(geo.Staff), Request{From: fmt.Sprintf("%v,%v,3", a.Lon, a.Lat), To: "A-103"}); !errors.Is(err, ErrNoRoute) {
		t.Errorf("a point on floor 3 of a one-floor venue: %v", err)
	}
}

// A door with a badge reader is closed to visitors and tourists: they go
// round; staff go through.
func TestLockedDoor(t *testing.T) {
	v := geotest.New()
	v.Building("K", 0, 0, 40, 10)
	l := v.Level("K", 0, 0, 0, 40, 10)
	v.Unit(l, "K-101", "walkway", geotest.Rect(0, 0, 20, 3))
	v.Unit(l, "K-102", "walkway", geotest.Rect(20, 0, 40, 3))
	v.Unit(l, "K-103", "lobby", geotest.Rect(0, 3, 40, 10))
	v.LockedDoor(l, "locked", "pedestrian", 20, 1, 20, 2)
	v.Door(l, "d1", "pedestrian", 2, 3, 3, 3)
	v.Door(l, "d2", "pedestrian", 37, 3, 38, 3)
	v.Door(l, "e1", "pedestrian", 0, 1, 0, 2)
	v.Door(l, "e2", "pedestrian", 40, 1, 40, 2)
	gv := v.Load(t)
	a := geotest.Position(1, 1.5, 0)
	b := geotest.Position(39, 1.5, 0)
	req := Request{From: fmt.Sprintf("%v,%v,0", a.Lon, a.Lat), To: fmt.Sprintf("%v,%v,0", b.Lon, b.Lat)}
	staff := route(t, gv, geo.Staff, req)
	visitor := route(t, gv, geo.Visitor, req)
	if !near(staff.DistanceM, 38) {
		t.Errorf("staff through the locked door: %.2f m, want 38", staff.DistanceM)
	}
	// Visitors go up through the lobby: (1,1.5) -> (2.5,3) -> (37.5,3) -> (39,1.5).
	if want := 2*math.Hypot(1.5, 1.5) + 35; !near(visitor.DistanceM, want) {
		t.Errorf("visitor around the locked door: %.2f m, want %.2f", visitor.DistanceM, want)
	}
}

// An archive without outdoor paths: people walk across open ground from one
// building's entrance to another's.
func TestNoPathNetwork(t *testing.T) {
	v := geotest.New()
	for i, ref := range []string{"P", "Q"} {
		x := float64(i) * 50
		v.Building(ref, x, 0, x+10, 10)
		l := v.Level(ref, 0, x, 0, x+10, 10)
		v.Unit(l, ref+"-101", "room", geotest.Rect(x, 0, x+10, 10))
		v.Door(l, "e"+ref, "pedestrian", x+4, 0, x+6, 0)
	}
	gv := v.Load(t)
	rt := route(t, gv, geo.Tourist, Request{From: "P-101", To: "Q-101"})
	// Room point (5,5) -> entrance (5,0) -> entrance (55,0) -> room point (55,5).
	if !near(rt.DistanceM, 5+50+5) {
		t.Errorf("P-101 -> Q-101 over open ground: %.2f m, want 60", rt.DistanceM)
	}
	if got := instructionTypes(rt); got != "depart exit enter arrive" {
		t.Errorf("instructions %q", got)
	}
}
