package geo

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func ids[T any](list []T, id func(T) string) []string {
	out := []string{}
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

func resultIDs(rs []SearchResult) []string {
	return ids(rs, func(r SearchResult) string { return r.ID })
}

func TestSearch(t *testing.T) {
	a := newTestArchive()
	v := a.load(t)
	staff := v.View(Staff)
	cases := []struct {
		q    string
		role Role
		want []string
	}{
		{"A-102", Staff, []string{"u-A-102"}},
		// Rooms first, then the corridor and the stairs.
		{"a-1", Staff, []string{"u-A-102", "u-A-104", "u-A-101", "u-A-103"}},
		{"a-1", Tourist, []string{"u-A-102", "u-A-101", "u-A-103"}}, // the server room is employees-only
		{"B-1", Staff, []string{"u-B-102", "u-B-104", "u-B-101", "u-B-103"}},
		{"A-101", Staff, []string{"u-A-101"}}, // a corridor asked for by its reference
		{"stair", Staff, []string{}},          // never by name
		{"B-102", Tourist, []string{}},        // building B is hidden from tourists
		{"D-102", Staff, []string{}},          // nobody sees inside the dorm
		{"lecture", Tourist, []string{"u-A-102", "u-A-202"}},
		{"LECT ROO", Tourist, []string{"u-A-102", "u-A-202"}},
		{"讲堂", Staff, []string{"u-A-102", "u-A-202", "u-B-102"}},
		{"堂", Staff, []string{"u-A-102", "u-A-202", "u-B-102"}}, // inside a Chinese word
		{"gate 2", Tourist, []string{"gate-2"}},
		{"2号门", Tourist, []string{"gate-2"}},
		{"G2", Tourist, []string{"gate-2"}},
		{"D", Tourist, []string{"bldg-D", "aed-A-201"}}, // the dorm building itself is public; "d" also prefixes "defibrillator"
		{"printer", Visitor, []string{"printer-A-102", "printer-A-202"}},
		{"打印机", Staff, []string{"printer-A-102", "printer-A-202", "printer-B-102"}},
		{"aed", Tourist, []string{"aed-A-201"}},
		{"lecture hall kitchen", Staff, []string{}}, // every word must match
		{"   ", Staff, []string{}},
	}
	for _, c := range cases {
		got := resultIDs(v.View(c.role).Search(c.q, "en", 0))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s searching %q: got %v, want %v", c.role, c.q, got, c.want)
		}
	}
	// Exact reference first, then references by prefix: building A, then
	// its rooms.
	got := resultIDs(staff.Search("a", "en", 3))
	if !slices.Equal(got, []string{"bldg-A", "u-A-102", "u-A-104"}) {
		t.Errorf("search a, limit 3: %v", got)
	}
	r := staff.Search("A-102", "zh", 1)[0]
	if r.Name != "讲堂" || r.Kind != KindUnit || *r.Ref != "A-102" || *r.Building != "bldg-A" || *r.Level != "lvl-A0" || r.Ordinal != 0 {
		t.Errorf("result in Chinese: %+v", r)
	}
	office := staff.Search("A-101", "en", 1)[0]
	if office.Name != "Corridor" {
		t.Errorf("a unit without a name is shown by its kind, got %q", office.Name)
	}
}

func TestLocate(t *testing.T) {
	a := newTestArchive()
	v := a.load(t)
	at := func(x, y float64, ord int) Position {
		lon, lat := a.pr.ToLonLat(orb.Point{x, y})
		return Position{Lon: lon, Lat: lat, Ordinal: ord}
	}
	cases := []struct {
		name                  string
		pos                   Position
		role                  Role
		building, level, unit string
	}{
		{"in a room", at(3, 6, 0), Tourist, "bldg-A", "lvl-A0", "u-A-102"},
		{"upstairs", at(3, 6, 1), Tourist, "bldg-A", "lvl-A1", "u-A-202"},
		{"in the corridor", at(10, 1, 0), Staff, "bldg-A", "lvl-A0", "u-A-101"},
		{"employees-only room as staff", at(17, 6, 0), Staff, "bldg-A", "lvl-A0", "u-A-104"},
		{"employees-only room as tourist", at(17, 6, 0), Tourist, "bldg-A", "lvl-A0", ""},
		{"outdoors", at(30, 20, 0), Staff, "", "", ""},
		{"above the roof", at(3, 6, 5), Staff, "", "", ""},
		{"hidden building", at(43, 6, 0), Tourist, "bldg-B", "", ""},
		{"hidden building, any floor", at(43, 6, 7), Tourist, "bldg-B", "", ""},
		{"hidden building as staff", at(43, 6, 0), Staff, "bldg-B", "lvl-B0", "u-B-102"},
		{"dormitory as staff", at(83, 6, 0), Staff, "bldg-D", "", ""},
	}
	for _, c := range cases {
		loc := v.View(c.role).Locate(c.pos, "en")
		var b, l, u string
		if loc.Building != nil {
			b = loc.Building.ID
		}
		if loc.Level != nil {
			l = loc.Level.ID
		}
		if loc.Unit != nil {
			u = loc.Unit.ID
		}
		if b != c.building || l != c.level || u != c.unit {
			t.Errorf("%s: got (%q, %q, %q), want (%q, %q, %q)", c.name, b, l, u, c.building, c.level, c.unit)
		}
	}
	loc := v.View(Staff).Locate(at(3, 6, 0), "zh")
	if loc.Building.Name != "A栋" || loc.Level.Name != "A 1楼" || loc.Unit.Ref != "A-102" || loc.Unit.Category != "classroom" {
		t.Errorf("locate in Chinese: %+v %+v %+v", loc.Building, loc.Level, loc.Unit)
	}
}

func TestNearest(t *testing.T) {
	a := newTestArchive()
	v := a.load(t)
	lon, lat := a.pr.ToLonLat(orb.Point{30, 1})
	got := v.View(Staff).Nearest("copymachine", Position{Lon: lon, Lat: lat, Ordinal: 0}, 3, "en")
	// Printers at A-102 (x=2, 28 m away, floor 0), B-102 (x=42, 12.2 m away,
	// floor 0) and A-202 (28 m away, one floor up: +20 s).
	want := []string{"printer-B-102", "printer-A-102", "printer-A-202"}
	if g := ids(got, func(n Nearby) string { return n.ID }); !slices.Equal(g, want) {
		t.Fatalf("nearest printers: %v, want %v", g, want)
	}
	if d := got[1].DurationS - got[1].DistanceM/WalkingSpeed; d > 0.2 || d < -0.2 {
		t.Errorf("same-floor duration %.1f s for %.1f m", got[1].DurationS, got[1].DistanceM)
	}
	if d := got[2].DurationS - got[1].DurationS; d < FloorPenalty-0.2 || d > FloorPenalty+0.2 {
		t.Errorf("one floor up should cost %v s more, got %.1f", FloorPenalty, d)
	}
	tourist := v.View(Tourist).Nearest("copymachine", Position{Lon: lon, Lat: lat, Ordinal: 0}, 5, "en")
	if g := ids(tourist, func(n Nearby) string { return n.ID }); !slices.Equal(g, []string{"printer-A-102", "printer-A-202"}) {
		t.Errorf("a tourist is shown printers of hidden buildings: %v", g)
	}
	if n := v.View(Staff).Nearest("atm", Position{Lon: lon, Lat: lat}, 3, "en"); len(n) != 0 {
		t.Errorf("no ATM exists, got %v", n)
	}
}

func TestWithin(t *testing.T) {
	a := newTestArchive()
	v := a.load(t)
	lo, hi := a.ll(-5, -5), a.ll(105, 15)
	bound := orb.Bound{Min: orb.Point{lo[0], lo[1]}, Max: orb.Point{hi[0], hi[1]}}
	count := func(r Role, ord int) int {
		n := 0
		v.View(r).Within(bound, ord, func(f Feature) bool { n++; return true })
		return n
	}
	// Ground floor as staff: A and B, 4 units + 4 openings each, printers in
	// A and B, the AED is upstairs. The dorm shows nothing.
	if n := count(Staff, 0); n != 18 {
		t.Errorf("staff, ground floor: %d features, want 18", n)
	}
	// Tourist: A only, without the server room and its door: 3 units, 3 openings, 1 printer.
	if n := count(Tourist, 0); n != 7 {
		t.Errorf("tourist, ground floor: %d features, want 7", n)
	}
	lo2, hi2 := a.ll(0, 4), a.ll(1, 5)
	small := orb.Bound{Min: orb.Point{lo2[0], lo2[1]}, Max: orb.Point{hi2[0], hi2[1]}}
	var got []string
	v.View(Staff).Within(small, 0, func(f Feature) bool { got = append(got, f.Common().ID); return true })
	if !slices.Equal(got, []string{"u-A-102"}) {
		t.Errorf("small box: %v", got)
	}
}

func TestBuildingsPerRole(t *testing.T) {
	v := newTestArchive().load(t)
	levels := func(r Role) map[string]int {
		m := map[string]int{}
		for _, b := range v.View(r).Buildings("en") {
			m[b.Ref] = len(b.Levels)
		}
		return m
	}
	if m := levels(Staff); m["A"] != 2 || m["B"] != 1 || m["D"] != 0 {
		t.Errorf("staff levels: %v", m)
	}
	if m := levels(Tourist); m["A"] != 2 || m["B"] != 0 || m["D"] != 0 || len(m) != 3 {
		t.Errorf("tourist levels: %v", m)
	}
}

// The policy is data: editing it changes the answers with no change of code.
func TestPolicyIsData(t *testing.T) {
	a := newTestArchive()
	if got := a.load(t).View(Tourist).Search("B-102", "en", 0); len(got) != 0 {
		t.Fatalf("B-102 visible to tourists before the edit: %v", got)
	}
	a.other[PolicyFile] = []byte(`{"version": 1, "roles": ["staff","student","family","visitor","tourist"],
		"public_roles": ["visitor","tourist"], "default": "full",
		"areas": [{"name": "dorms", "buildings": ["D"], "access": "none"}]}`)
	if got := resultIDs(a.load(t).View(Tourist).Search("B-102", "en", 0)); !slices.Equal(got, []string{"u-B-102"}) {
		t.Errorf("after opening B to everyone, tourists find %v", got)
	}
	delete(a.other, PolicyFile)
	v := a.load(t)
	if got := resultIDs(v.View(Tourist).Search("D-102", "en", 0)); !slices.Equal(got, []string{"u-D-102"}) {
		t.Errorf("without a policy, the default lets tourists see D-102: got %v", got)
	}
	if got := v.View(Visitor).Search("A-104", "en", 0); len(got) != 0 {
		t.Errorf("without a policy, employees-only rooms are still hidden from visitors: %v", got)
	}
}
