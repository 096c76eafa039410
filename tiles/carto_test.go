package tiles

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/campusnav/engine/geo"
)

// decodeOver decodes the tiles at zoom z covering the venue, as role sees
// them, and gathers the features of each layer.
func decodeOver(t *testing.T, role geo.Role, z maptile.Zoom) map[string][]*mvtFeature {
	t.Helper()
	v, r := campus(t)
	bb := v.Geometry.Bound()
	a, c := maptile.At(bb.Min, z), maptile.At(bb.Max, z)
	out := map[string][]*mvtFeature{}
	for x := min(a.X, c.X); x <= max(a.X, c.X); x++ {
		for y := min(a.Y, c.Y); y <= max(a.Y, c.Y); y++ {
			data, err := r.Tile(role, uint32(z), x, y, "en")
			if err != nil {
				t.Fatal(err)
			}
			layers, err := mvt.Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range layers {
				for _, f := range l.Features {
					out[l.Name] = append(out[l.Name], &mvtFeature{props: f.Properties, geom: f.Geometry})
				}
			}
		}
	}
	return out
}

type mvtFeature struct {
	props map[string]any
	geom  orb.Geometry
}

func (f *mvtFeature) s(k string) string { s, _ := f.props[k].(string); return s }

// At campus zoom the tiles carry the cartography: the path network with its
// covered walkways, the gates by name and reference, the car park's
// entrances, every building's label with its reference and both names.
func TestCampusCartography(t *testing.T) {
	v, _ := campus(t)
	got := decodeOver(t, geo.Tourist, 16)

	covered, named := 0, 0
	for _, f := range got[LayerPaths] {
		if f.props["covered"] == true {
			covered++
		}
		if f.s("name_zh") != "" {
			named++
		}
		if f.s("category") == "" {
			t.Fatalf("a path without a category: %v", f.props)
		}
	}
	if covered == 0 || named == 0 {
		t.Errorf("paths: %d covered, %d named; want some of each", covered, named)
	}

	gates := map[string]string{}
	buildings := map[string]*mvtFeature{}
	carparks := map[string]bool{}
	for _, f := range got[LayerPOIs] {
		switch f.s("kind") {
		case "gate":
			gates[f.s("ref")] = f.s("name_zh")
		case "building":
			buildings[f.s("ref")] = f
		case "carpark":
			carparks[f.s("name_en")] = true
		}
	}
	for _, g := range v.Gates {
		if gates[g.Ref] != g.Name.In("zh") {
			t.Errorf("gate %s: %q, want %q", g.Ref, gates[g.Ref], g.Name.In("zh"))
		}
	}
	for _, b := range v.Buildings {
		if len(b.Footprints) == 0 || b.Footprints[0].Category == "subterranean" {
			continue
		}
		f := buildings[b.Ref]
		if f == nil || f.s("name_en") != b.Name.In("en") || f.s("name_zh") != b.Name.In("zh") {
			t.Errorf("building %s: label %v", b.Ref, f)
		}
	}
	if f := buildings["C1"]; f == nil || f.props["plan"] != false || f.props["indoor"] != false {
		t.Errorf("C1 for a tourist: %v, want no plan and no way in", f)
	}
	if f := buildings["C3"]; f == nil || f.props["plan"] != true {
		t.Errorf("C3 for a tourist: %v, want a plan", f)
	}
	if !carparks["Car Park Entrance Ramp"] || !carparks["C3 Car Park Steps"] {
		t.Errorf("car park entrances: %v", carparks)
	}
}

// Plazas and building entrances are drawn where the viewer sees the
// entrance: staff see C1's, tourists (who may not see inside C1) do not.
func TestPlazasFollowTheViewer(t *testing.T) {
	v, _ := campus(t)
	var c1 *geo.Building
	for _, b := range v.Buildings {
		if b.Ref == "C1" {
			c1 = b
		}
	}
	if c1.Access(geo.Tourist) != geo.AccessNone || c1.Access(geo.Staff) == geo.AccessNone {
		t.Fatalf("the test expects C1 closed to tourists and open to staff")
	}
	inC1 := func(role geo.Role) (plazas, entrances int) {
		got := decodeOver(t, role, 18)
		w := v.View(geo.Staff)
		for _, f := range got[LayerLanduse] {
			o, _ := w.Feature(f.s("id"))
			if op, ok := o.(*geo.Opening); ok && op.Level.Building() == c1 {
				plazas++
			}
		}
		for _, f := range got[LayerPOIs] {
			if f.s("kind") == "entrance" && f.s("ref") == "C1" {
				entrances++
			}
		}
		return
	}
	if p, e := inC1(geo.Staff); p == 0 || e == 0 {
		t.Errorf("staff: %d plazas and %d entrances of C1, want some", p, e)
	}
	if p, e := inC1(geo.Tourist); p != 0 || e != 0 {
		t.Errorf("tourist: %d plazas and %d entrances of C1, want none", p, e)
	}
}

// Room labels carry the short reference ("607" in C3) beside the full one.
func TestShortReferences(t *testing.T) {
	got := decodeOver(t, geo.Tourist, 18)
	seen := 0
	for _, f := range got[LayerLabels] {
		if f.s("kind") != "unit" || f.s("ref") == "" {
			continue
		}
		seen++
		if f.s("ref") == "C3-607" && (f.s("short") != "607" || f.props["rot"] != -90.0) {
			t.Errorf("C3-607 (3.6 m wide, 11.4 m deep): short %q, rot %v", f.s("short"), f.props["rot"])
		}
		if f.s("ref") == "C3-605" && f.props["rot"] != nil { // a classroom, 10 m by 11.4 m
			t.Errorf("C3-605: rot %v", f.props["rot"])
		}
		if f.s("short") == "" || len(f.s("short")) > len(f.s("ref")) {
			t.Fatalf("%s: short %q", f.s("ref"), f.s("short"))
		}
	}
	if seen == 0 {
		t.Fatal("no room labels")
	}
	if shortRef("C3-607", &geo.Building{Ref: "C3"}) != "607" || shortRef("G2", &geo.Building{Ref: "C3"}) != "G2" || shortRef("C3-", &geo.Building{Ref: "C3"}) != "C3-" {
		t.Error("shortRef")
	}
}
