package routing

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/geo/geotest"
)

// twoDoorVenue is corridorVenue with a second entrance at the corridor's
// east end and Gate G2 20 m east of it; no path joins the gates outside.
func twoDoorVenue() *geotest.Venue {
	v := corridorVenue()
	v.Door("A-0", "e-A2", "pedestrian.principal", 30, 1, 30, 2)
	v.Gate("G2", "Gate 2", "2号门", 50, 1.5)
	v.Path("p2", "footway", false, [2]float64{30, 1.5}, [2]float64{50, 1.5})
	return v
}

// A building is where the entrance reached is: a route to it ends there,
// one from it starts there, and none crosses it to another entrance.
func TestBuildingIsTheEntranceReached(t *testing.T) {
	gv := twoDoorVenue().Load(t)
	for _, c := range []Request{{From: "G1", To: "A"}, {From: "G2", To: "A"}, {From: "A", To: "G1"}, {From: "A", To: "G2"}} {
		rt := route(t, gv, geo.Staff, c)
		if !near(rt.DistanceM, 20) {
			t.Errorf("%s -> %s: %.1f m, want 20 (gate to the nearer entrance)", c.From, c.To, rt.DistanceM)
		}
		if got := instructionTypes(rt); strings.Contains(got, "enter") || strings.Contains(got, "exit") {
			t.Errorf("%s -> %s: %s", c.From, c.To, got)
		}
	}
}

// Every via is reached by its own step, and a route with vias is as long
// as its legs routed one by one: the walk to a point off the graph and
// back counts, and a building passed is not crossed.
func TestViaIsItsOwnStepAndLegsAddUp(t *testing.T) {
	gv := twoDoorVenue().Load(t)
	g := Build(gv)
	w := gv.View(geo.Staff)
	inRoom := geotest.Position(29, 7, 0) // in A-103, off the graph
	p := fmt.Sprintf("%v,%v,0", inRoom.Lon, inRoom.Lat)
	// Via building A, the way on starts at the entrance reached, the west
	// one: through the building to G2, 20 + 30 + 20 m.
	rt := route(t, gv, geo.Staff, Request{From: "G1", To: "G2", Via: []string{"A"}})
	if got := instructionTypes(rt); got != "depart via enter exit arrive" || !near(rt.DistanceM, 70) {
		t.Errorf("G1 -> A -> G2: %s, %.1f m", got, rt.DistanceM)
	}
	cases := []struct {
		from, to string
		via      []string
	}{
		{"G1", "A-102", []string{p}},
		{"A-102", "G2", []string{"A-103", p}},
		{"G1", "G1", []string{"G2"}},
		{"G1", "A", []string{"A-103"}},
	}
	for _, c := range cases {
		rt, err := g.Route(w, Request{From: c.from, To: c.to, Via: c.via, Lang: "en"})
		if err != nil {
			t.Fatalf("%s -> %v -> %s: %v", c.from, c.via, c.to, err)
		}
		checkInside(t, g, gv, rt)
		stops := append(append([]string{c.from}, c.via...), c.to)
		sum := 0.0
		for i := 1; i < len(stops); i++ {
			leg, err := g.Route(w, Request{From: stops[i-1], To: stops[i], Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			sum += leg.DistanceM
		}
		if math.Abs(rt.DistanceM-sum) > 0.1*float64(len(stops)) {
			t.Errorf("%s -> %v -> %s: %.1f m, its legs %.1f m", c.from, c.via, c.to, rt.DistanceM, sum)
		}
		var vias []string
		for _, in := range rt.Instructions {
			if in.Type == InstrVia {
				vias = append(vias, in.Text)
			}
		}
		if len(vias) != len(c.via) {
			t.Errorf("%s -> %v -> %s: via steps %q", c.from, c.via, c.to, vias)
		}
	}
	rt = route(t, gv, geo.Staff, Request{From: "G1", To: "G2", Via: []string{"A"}, Lang: "zh"})
	if in := rt.Instructions[1]; in.Type != InstrVia || in.Text != "到达途经点A楼" {
		t.Errorf("via in Chinese: %+v", in)
	}
}

// On the campus, every route through buildings enters each before it
// leaves it, and every via has its step.
func TestCampusViaEntersBeforeItExits(t *testing.T) {
	g := campus(t)
	w := g.Venue.View(geo.Tourist)
	ends := []string{"G2", "G5", "C3", "C4", "C5-201", "C6", "C3-607", "C4-616"}
	for i, from := range ends {
		for j, to := range ends {
			if i == j {
				continue
			}
			via := ends[(i+j+1)%len(ends)]
			if via == from || via == to {
				continue
			}
			rt, err := g.Route(w, Request{From: from, To: to, Via: []string{via}, Lang: "en"})
			if err != nil {
				t.Fatalf("%s -> %s -> %s: %v", from, via, to, err)
			}
			// Departing from a building or a room in it, the route may
			// start inside it.
			inside := ""
			if f, ok := findUnit(g.Venue, from); ok {
				inside = f.Level.Building().Name.In("en")
			}
			for _, b := range g.Venue.Buildings {
				if b.Ref == from && rt.Instructions[1].Level != nil {
					inside = b.Name.In("en") // departing from its entrance, inwards
				}
			}
			vias := 0
			for _, in := range rt.Instructions {
				switch in.Type {
				case InstrEnter:
					if inside != "" {
						t.Fatalf("%s -> %s -> %s: %q while inside %s: %s", from, via, to, in.Text, inside, texts(rt))
					}
					inside = strings.TrimPrefix(in.Text, "Enter ")
				case InstrExit:
					if b := strings.TrimPrefix(in.Text, "Exit "); b != inside {
						t.Fatalf("%s -> %s -> %s: %q after entering %q: %s", from, via, to, in.Text, inside, texts(rt))
					}
					inside = ""
				case InstrVia:
					vias++
				}
			}
			if vias != 1 {
				t.Fatalf("%s -> %s -> %s: %d via steps: %s", from, via, to, vias, texts(rt))
			}
		}
	}
}

func findUnit(v *geo.Venue, ref string) (*geo.Unit, bool) {
	for _, u := range v.Units {
		if u.Ref == ref {
			return u, true
		}
	}
	return nil, false
}

func texts(rt *Route) string {
	var out []string
	for _, in := range rt.Instructions {
		out = append(out, in.Text)
	}
	return strings.Join(out, " / ")
}

func TestResolveRefusesBadAndFarPositions(t *testing.T) {
	g := campus(t)
	w := g.Venue.View(geo.Tourist)
	bad := []string{"a,b,c", ",,", "NaN,22.8,0", "Inf,22.8,0", "1e309,22.8,0", "200,22.8,0", "113.47,22.89,2e0",
		"١١٣,٢٢,٠", "113.47,22.89,1.5", "NaN,1", "1e309,22.8"}
	for _, s := range bad {
		if _, err := g.Resolve(w, s, Walk); !errors.Is(err, geo.ErrBadPosition) {
			t.Errorf("%q: %v, want a bad position", s, err)
		}
	}
	for _, s := range []string{"2.35,48.85,0", "2.35,48.85", "113.4786,22.91,0", "0,0,0"} {
		_, err := g.Resolve(w, s, Walk)
		var fe *geo.FarError
		if !errors.As(err, &fe) || fe.OutsideM <= geo.MaxOutsideM {
			t.Errorf("%q: %v, want a far-away position", s, err)
		}
	}
	// Near the campus, a position is a place, on the ground floor when
	// only LON,LAT is given.
	c3 := g.Venue.Buildings[2].Display
	for _, s := range []string{fmt.Sprintf("%v,%v,0", c3[0], c3[1]), fmt.Sprintf("%v,%v", c3[0], c3[1])} {
		pl, err := g.Resolve(w, s, Walk)
		if err != nil || pl.Kind != PlacePoint || pl.Ordinal != 0 {
			t.Errorf("%q: %+v %v", s, pl, err)
		}
	}
	// A route says which end is at fault.
	for _, c := range []struct {
		req Request
		end string
	}{
		{Request{From: "a,b,c", To: "G2"}, "from"},
		{Request{From: "G2", To: "2.35,48.85,0"}, "to"},
		{Request{From: "G2", To: "C3", Via: []string{"C4", "NaN,1,0"}}, "via"},
		{Request{From: "G2", To: "Nowhere"}, "to"},
		{Request{From: "Meeting Room 9", To: "G2"}, "from"},
	} {
		_, err := g.Route(w, c.req)
		var ee *EndError
		if !errors.As(err, &ee) || ee.End != c.end {
			t.Errorf("%+v: %v, want the %s named", c.req, err, c.end)
		}
	}
}

func TestAmbiguousNameIsNotGuessed(t *testing.T) {
	g := campus(t)
	tourist := g.Venue.View(geo.Tourist)
	_, err := g.Resolve(tourist, "Meeting Room 9", Walk)
	var ae *AmbiguousError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAmbiguous) || ae.Total != 4 || len(ae.Candidates) != 4 {
		t.Fatalf("Meeting Room 9 as a tourist: %v", err)
	}
	for _, c := range ae.Candidates {
		// Each candidate is told by its reference, and its id or reference
		// is never ambiguous.
		if c.Ref == nil || c.Name != "Meeting Room 9" || c.BuildingRef == nil || c.Floor == nil {
			t.Errorf("candidate %+v", c)
		}
		for _, s := range []string{*c.Ref, c.ID, strings.ToLower(*c.Ref)} {
			if pl, err := g.Resolve(tourist, s, Walk); err != nil || pl.ID != c.ID {
				t.Errorf("%q: %v", s, err)
			}
		}
	}
	if d := ae.DetailIn("en"); !strings.Contains(d, `"Meeting Room 9" names 4 places`) || !strings.Contains(d, "C3-619") {
		t.Errorf("detail: %s", d)
	}
	if d := ae.DetailIn("zh"); !strings.Contains(d, "4 个地点") || !strings.Contains(d, "9号会议室") {
		t.Errorf("detail in Chinese: %s", d)
	}
	// Staff see more of them: the candidates are the viewer's.
	_, err = g.Resolve(g.Venue.View(geo.Staff), "9号会议室", Walk)
	if !errors.As(err, &ae) || ae.Total <= 4 || len(ae.Candidates) > MaxCandidates {
		t.Errorf("9号会议室 as staff: %v", err)
	}
	// Many printers: the first MaxCandidates listed, each by room.
	_, err = g.Resolve(tourist, "printer", Walk)
	if !errors.As(err, &ae) || len(ae.Candidates) != MaxCandidates || ae.Total < 50 {
		t.Fatalf("printer: %v", err)
	}
	if d := ae.DetailIn("en"); !strings.Contains(d, "Printer (C3-101, near C3-") || !strings.Contains(d, fmt.Sprintf("and %d more", ae.Total-MaxCandidates)) {
		t.Errorf("printer: %s", d)
	}
	// A name one place has is that place.
	if pl, err := g.Resolve(tourist, "gate 2", Walk); err != nil || pl.Ref != "G2" {
		t.Errorf("gate 2: %v", err)
	}
}

func TestUnknownPlaceSuggestsOnlyCloseMatches(t *testing.T) {
	g := campus(t)
	w := g.Venue.View(geo.Tourist)
	suggestions := func(q string) ([]string, *PlaceError) {
		_, err := g.Resolve(w, q, Walk)
		var pe *PlaceError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: %v", q, err)
		}
		var refs []string
		for _, s := range pe.Suggestions {
			refs = append(refs, *s.Ref)
		}
		return refs, pe
	}
	if refs, pe := suggestions("C3-6O7"); !slices.Equal(refs, []string{"C3-607"}) {
		t.Errorf("C3-6O7: %v", refs)
	} else if d := pe.DetailIn("zh"); !strings.Contains(d, "未知地点") || !strings.Contains(d, "C3-607 办公室") {
		t.Errorf("C3-6O7 in Chinese: %s", d)
	}
	if refs, _ := suggestions("C9-101"); len(refs) != 0 {
		t.Errorf("C9-101: %v", refs)
	}
	refs, pe := suggestions("Metting Room")
	if len(refs) == 0 {
		t.Error("Metting Room: nothing")
	}
	for _, s := range pe.Suggestions {
		if !strings.HasPrefix(s.Name, "Meeting Room") {
			t.Errorf("Metting Room suggests %s %s", *s.Ref, s.Name)
		}
	}
}

func TestNoRouteSaysWhyInChinese(t *testing.T) {
	v := twoFloorVenue(false)
	v.Link("stairs-B", "stairs", "B-102", "B-202")
	v.Link("lift-B", "stairs", "B-103", "B-203")
	gv := v.Load(t)
	g := Build(gv)
	_, err := g.Route(gv.View(geo.Staff), Request{From: "B-104", To: "B-204", Profile: Wheelchair})
	var nr *NoRouteError
	if !errors.As(err, &nr) {
		t.Fatalf("no route expected: %v", err)
	}
	if en, zh := nr.DetailIn("en"), nr.DetailIn("zh"); !strings.HasPrefix(en, "no route: ") || !strings.HasPrefix(zh, "无可用路线：") || !strings.Contains(zh, "无台阶") {
		t.Errorf("%q / %q", en, zh)
	}
}

func TestNearestCoversEveryKindOfACategory(t *testing.T) {
	g := campus(t)
	w := g.Venue.View(geo.Staff)
	room, _ := findUnit(g.Venue, "C3-607")
	at := geo.Position{Lon: room.Display[0], Lat: room.Display[1], Ordinal: room.Level.Ordinal}
	all, err := g.Nearest(w, "restroom", at, 6, Walk, "en")
	if err != nil || len(all) != 6 {
		t.Fatalf("restroom: %v %v", all, err)
	}
	kinds := map[string]bool{}
	for _, n := range all {
		kinds[n.Category] = true
		if n.BuildingRef == nil || n.Floor == nil || n.In == nil {
			t.Errorf("restroom %s is not named for people: %+v", n.ID, n)
		}
	}
	if !kinds["restroom.male"] || !kinds["restroom.female"] {
		t.Errorf("restroom finds %v", kinds)
	}
	men, _ := g.Nearest(w, "restroom.male", at, 1, Walk, "en")
	women, _ := g.Nearest(w, "restroom.female", at, 1, Walk, "en")
	if first := math.Min(men[0].DurationS, women[0].DurationS); all[0].DurationS != first {
		t.Errorf("nearest restroom %.1f s; men's %.1f s, women's %.1f s", all[0].DurationS, men[0].DurationS, women[0].DurationS)
	}
	if got, _ := g.Nearest(w, "restroo", at, 3, Walk, "en"); len(got) != 0 {
		t.Errorf("restroo finds %d", len(got))
	}
	if _, err := g.Nearest(w, "restroom", geo.Position{Lon: 2.35, Lat: 48.85}, 3, Walk, "en"); !errors.Is(err, geo.ErrFarAway) {
		t.Errorf("from Paris: %v", err)
	}
}
