package campusgen

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"testing"
)

func TestSize(t *testing.T) {
	a := archive(t)
	if n := len(a.byType["unit"]); n < 5000 {
		t.Errorf("%d units, want at least 5000", n)
	}
	if n := len(a.byType["level"]); n < 40 {
		t.Errorf("%d levels, want at least 40", n)
	}
	for _, typ := range []string{"address", "venue", "building", "footprint", "level", "unit", "opening", "amenity", "relationship", "beacon", "path", "gate", "reader"} {
		t.Logf("%-12s %5d", typ, len(a.byType[typ]))
	}
}

var roomRef = regexp.MustCompile(`^[A-Z0-9]+-(B1|[1-9])\d{2}$`)

func TestRoomRefs(t *testing.T) {
	a := archive(t)
	seen := map[string]string{}
	for _, u := range a.byType["unit"] {
		r := u.ref()
		if !roomRef.MatchString(r) {
			t.Errorf("unit %s: reference %q is not {building}-{floor}{NN}", u.ID, r)
		}
		if other, dup := seen[r]; dup {
			t.Errorf("reference %s is used by units %s and %s", r, other, u.ID)
		}
		seen[r] = u.ID
	}
}

func TestUnitGeometry(t *testing.T) {
	a := archive(t)
	for _, u := range a.byType["unit"] {
		ll := a.lonlat[u]
		if len(ll) < 4 || ll[0] != ll[len(ll)-1] {
			t.Errorf("unit %s: ring is not closed", u.ref())
		}
		if signedArea(u.ring) <= 0 {
			t.Errorf("unit %s: exterior ring is not counter-clockwise", u.ref())
		}
		switch u.Properties.Category {
		case "classroom", "conferenceroom", "huddleroom", "fieldofplay":
			if u.Properties.Capacity <= 0 || u.Properties.AreaM2 <= 0 {
				t.Errorf("bookable unit %s has no capacity or area_m2", u.ref())
			}
		}
		if u.Properties.Capacity > 0 && math.Abs(u.Properties.AreaM2-signedArea(u.ring)) > 0.06 {
			t.Errorf("unit %s: area_m2 %.1f, geometry %.2f", u.ref(), u.Properties.AreaM2, signedArea(u.ring))
		}
	}
}

// TestNoOverlap checks that no two units of a level share more than a wall:
// bounding boxes first, then the area the two polygons have in common.
func TestNoOverlap(t *testing.T) {
	a := archive(t)
	on := map[string][]*feature{}
	for _, u := range a.byType["unit"] {
		on[u.level()] = append(on[u.level()], u)
	}
	for _, l := range a.byType["level"] {
		us := on[l.ID]
		for i, u := range us {
			bu := bounds(u.ring)
			for _, v := range us[i+1:] {
				bv := bounds(v.ring)
				if bu.x1 <= bv.x0 || bv.x1 <= bu.x0 || bu.y1 <= bv.y0 || bv.y1 <= bu.y0 {
					continue
				}
				if common := overlap(u.ring, v.ring); common > 1e-4 {
					t.Errorf("units %s and %s overlap by %.3f m²", u.ref(), v.ref(), common)
				}
			}
		}
	}
}

// overlap returns the area two convex counter-clockwise rings have in
// common (Sutherland-Hodgman clipping).
func overlap(subject, clip []point) float64 {
	out := slices.Clone(subject[:len(subject)-1])
	for i := 1; i < len(clip) && len(out) > 0; i++ {
		a, b := clip[i-1], clip[i]
		left := func(p point) float64 { return (b.x-a.x)*(p.y-a.y) - (b.y-a.y)*(p.x-a.x) }
		in := out
		out = nil
		for j := range in {
			p, q := in[j], in[(j+1)%len(in)]
			lp, lq := left(p), left(q)
			if lp >= 0 {
				out = append(out, p)
			}
			if (lp >= 0) != (lq >= 0) {
				s := lp / (lp - lq)
				out = append(out, point{p.x + s*(q.x-p.x), p.y + s*(q.y-p.y)})
			}
		}
	}
	if len(out) < 3 {
		return 0
	}
	return signedArea(append(out, out[0]))
}

func TestOpeningsOnWalls(t *testing.T) {
	a := archive(t)
	on := map[string][]*feature{}
	for _, u := range a.byType["unit"] {
		on[u.level()] = append(on[u.level()], u)
	}
	for _, o := range a.byType["opening"] {
		if len(o.line) != 2 {
			t.Errorf("opening %s has %d points", o.ID, len(o.line))
			continue
		}
		ok := false
		for _, u := range on[o.level()] {
			if boundaryDist(u.ring, o.line[0]) <= onWall && boundaryDist(u.ring, o.line[1]) <= onWall {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("opening %s (%s) lies on no unit's boundary", o.ID, o.Properties.Category)
		}
	}
}

func TestAmenitiesInTheirUnits(t *testing.T) {
	a := archive(t)
	for _, am := range a.byType["amenity"] {
		if len(am.Properties.UnitIDs) != 1 {
			t.Errorf("amenity %s has %d units", am.ID, len(am.Properties.UnitIDs))
			continue
		}
		u := a.byID[am.Properties.UnitIDs[0]]
		if u == nil || u.FeatureType != "unit" {
			t.Errorf("amenity %s: unit %s is not in unit.geojson", am.ID, am.Properties.UnitIDs[0])
			continue
		}
		if !inside(u.ring, am.at) {
			t.Errorf("amenity %s (%s) is not inside unit %s", am.ID, am.Properties.Category, u.ref())
		}
	}
}

// TestBeaconSpacing checks that every corridor and aisle has beacons along
// it no more than 10 m apart, and that beacons are told apart.
func TestBeaconSpacing(t *testing.T) {
	a := archive(t)
	beaconsOn := map[string][]*feature{}
	seen := map[string]bool{}
	for _, b := range a.byType["beacon"] {
		p := b.Properties
		key := fmt.Sprint(p.UUID, "/", p.Major, "/", p.Minor)
		if seen[key] {
			t.Errorf("beacon %s repeats uuid, major, minor %s", b.ID, key)
		}
		seen[key] = true
		if p.Power < -62 || p.Power > -56 {
			t.Errorf("beacon %s: measured_power %d", b.ID, p.Power)
		}
		beaconsOn[b.level()] = append(beaconsOn[b.level()], b)
	}
	for _, l := range a.byType["level"] {
		if len(beaconsOn[l.ID]) == 0 {
			t.Errorf("level %s has no beacon", l.Properties.Name["en"])
		}
	}
	for _, u := range a.byType["unit"] {
		if c := u.Properties.Category; c != "walkway" && c != "road" {
			continue
		}
		bb := bounds(u.ring)
		alongX := bb.x1-bb.x0 >= bb.y1-bb.y0
		var at []float64
		for _, b := range beaconsOn[u.level()] {
			if inside(u.ring, b.at) {
				if alongX {
					at = append(at, b.at.x)
				} else {
					at = append(at, b.at.y)
				}
			}
		}
		if len(at) == 0 {
			t.Errorf("corridor %s has no beacon", u.ref())
			continue
		}
		sort.Float64s(at)
		lo, hi := bb.x0, bb.x1
		if !alongX {
			lo, hi = bb.y0, bb.y1
		}
		gaps := []float64{2 * (at[0] - lo), 2 * (hi - at[len(at)-1])}
		for i := 1; i < len(at); i++ {
			gaps = append(gaps, at[i]-at[i-1])
		}
		if g := slices.Max(gaps); g > 10 {
			t.Errorf("corridor %s: beacons %.1f m apart", u.ref(), g)
		}
	}
}

// TestOutdoorNetwork checks that the paths make one network that reaches
// every entrance and every gate, each path ending exactly on it.
func TestOutdoorNetwork(t *testing.T) {
	a := archive(t)
	type key [2]float64
	parent := map[key]key{}
	var find func(k key) key
	find = func(k key) key {
		if p, ok := parent[k]; ok && p != k {
			r := find(p)
			parent[k] = r
			return r
		}
		parent[k] = k
		return k
	}
	ends := map[key]bool{}
	for _, p := range a.byType["path"] {
		cs := a.lonlat[p]
		for i := 1; i < len(cs); i++ {
			parent[find(key(cs[i]))] = find(key(cs[i-1]))
		}
		ends[key(cs[0])], ends[key(cs[len(cs)-1])] = true, true
	}
	roots := map[key]bool{}
	for k := range parent {
		roots[find(k)] = true
	}
	if len(roots) != 1 {
		t.Errorf("the paths make %d networks, want 1", len(roots))
	}
	venue := a.byType["venue"][0]
	for _, g := range a.byType["gate"] {
		if !ends[key(a.lonlat[g][0])] {
			t.Errorf("gate %s: no path ends on it", g.Properties.Name["en"])
		}
		if boundaryDist(venue.ring, g.at) > 0.01 {
			t.Errorf("gate %s is not on the campus boundary", g.Properties.Name["en"])
		}
	}
	levels := map[string]*feature{}
	for _, l := range a.byType["level"] {
		levels[l.ID] = l
	}
	for _, o := range a.byType["opening"] {
		l := levels[o.level()]
		if boundaryDist(l.ring, midpoint(o.line)) > onWall {
			continue
		}
		cs := a.lonlat[o]
		mid := key{(cs[0][0] + cs[1][0]) / 2, (cs[0][1] + cs[1][1]) / 2}
		if !ends[mid] {
			t.Errorf("entrance %s (%s, level %s): no path ends exactly at its middle %v", o.ID, o.Properties.Category, l.Properties.Name["en"], mid)
		}
	}
	for _, p := range a.byType["path"] {
		if p.Properties.Category == "driveway" {
			continue
		}
		if p.Properties.Covered && p.Properties.Category != "footway" {
			t.Errorf("path %s: only footways are covered", p.ID)
		}
	}
}

// TestVerticalLinks checks that every stair and lift unit is linked to
// another floor, and every link joins units of different levels.
func TestVerticalLinks(t *testing.T) {
	a := archive(t)
	linked := map[string]bool{}
	for _, r := range a.byType["relationship"] {
		p := r.Properties
		ids := []string{p.Origin.ID}
		for _, m := range p.Intermediary {
			ids = append(ids, m.ID)
		}
		ids = append(ids, p.Destination.ID)
		levels := map[string]bool{}
		for _, id := range ids {
			u := a.byID[id]
			if u == nil || u.FeatureType != "unit" || u.Properties.Category != p.Category {
				t.Errorf("relationship %s (%s): %s is not a %s unit", r.ID, p.Category, id, p.Category)
				continue
			}
			linked[id] = true
			levels[u.level()] = true
		}
		if len(levels) != len(ids) {
			t.Errorf("relationship %s joins units of the same level", r.ID)
		}
	}
	for _, u := range a.byType["unit"] {
		if c := u.Properties.Category; (c == "stairs" || c == "elevator") && !linked[u.ID] {
			t.Errorf("%s %s is in no relationship", c, u.ref())
		}
	}
}

// TestPolicyNamesEveryBuilding checks that policy.json gives every building
// its row of the visibility table, once.
func TestPolicyNamesEveryBuilding(t *testing.T) {
	a := archive(t)
	var pol struct {
		Areas []struct {
			Buildings []string          `json:"buildings"`
			Access    map[string]string `json:"access"`
		} `json:"areas"`
	}
	if err := json.Unmarshal(files(t)["policy.json"], &pol); err != nil {
		t.Fatal(err)
	}
	named := map[string]int{}
	for _, ar := range pol.Areas {
		for _, b := range ar.Buildings {
			named[b]++
		}
		if len(ar.Access) != 5 {
			t.Errorf("area %v gives access to %d roles, want 5", ar.Buildings, len(ar.Access))
		}
	}
	for _, b := range a.byType["building"] {
		if r := b.ref(); named[r] != 1 {
			t.Errorf("building %s is named by %d areas of the policy", r, named[r])
		}
	}
}
