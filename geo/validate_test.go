package geo

import (
	"archive/zip"
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestLoadCleanArchive(t *testing.T) {
	v := newTestArchive().load(t)
	if errs, _ := Counts(v.Problems); errs != 0 {
		t.Fatalf("clean archive has errors: %v", v.Problems)
	}
	if len(v.Buildings) != 3 || len(v.Levels) != 4 || len(v.Units) != 16 || len(v.Amenities) != 5 {
		t.Fatalf("got %d buildings, %d levels, %d units, %d amenities; want 3, 4, 16, 5",
			len(v.Buildings), len(v.Levels), len(v.Units), len(v.Amenities))
	}
	u, ok := v.Feature("u-A-102")
	if !ok {
		t.Fatal("u-A-102 missing")
	}
	unit := u.(*Unit)
	if unit.Ref != "A-102" || unit.Capacity != 40 || unit.AreaM2 != 56 || unit.Level.Ordinal != 0 {
		t.Errorf("unit A-102 read as %+v", unit)
	}
	if len(unit.Openings) != 1 || len(unit.Openings[0].Units) != 2 {
		t.Errorf("A-102 should have one door joining it to the corridor, got %d openings", len(unit.Openings))
	}
	e, _ := v.Feature("entrance-A")
	if o := e.(*Opening); !o.Entrance || len(o.Units) != 1 {
		t.Errorf("entrance-A: entrance=%v units=%d, want an entrance onto the corridor", o.Entrance, len(o.Units))
	}
	d, _ := v.Feature("door-A-102-0")
	if d.(*Opening).Entrance {
		t.Error("an inner door is taken for an entrance")
	}
}

// TestValidationErrors mutates the clean archive once per rule and checks
// that the problem names the file, the feature and the rule, and that the
// feature in error is left out while the rest loads.
func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *testArchive)
		file   string
		id     string
		rule   string
		gone   string // a feature that must be left out
	}{
		{"duplicate id", func(a *testArchive) {
			a.add("unit", "u-A-102", a.rect(0, 3, 8, 10), map[string]any{"category": "office", "level_id": "lvl-A1"})
		}, "unit.geojson", "u-A-102", RuleDuplicateID, ""},
		{"missing id", func(a *testArchive) { delete(a.feature("u-A-202"), "id") }, "unit.geojson", "#", RuleMissingID, "u-A-202"},
		{"wrong feature_type", func(a *testArchive) { a.feature("u-A-202")["feature_type"] = "opening" }, "unit.geojson", "u-A-202", RuleFeatureType, "u-A-202"},
		{"wrong geometry type", func(a *testArchive) { a.feature("u-A-202")["geometry"] = a.point(1, 5) }, "unit.geojson", "u-A-202", RuleGeometryType, "u-A-202"},
		{"null geometry for a unit", func(a *testArchive) { a.feature("u-A-202")["geometry"] = nil }, "unit.geojson", "u-A-202", RuleGeometryType, "u-A-202"},
		{"unclosed ring", func(a *testArchive) {
			g := a.feature("u-A-202")["geometry"].(map[string]any)
			ring := g["coordinates"].([][][]float64)[0]
			g["coordinates"] = [][][]float64{ring[:4]}
		}, "unit.geojson", "u-A-202", RuleGeometry, "u-A-202"},
		{"self-intersecting ring", func(a *testArchive) {
			a.feature("u-A-202")["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{{a.ll(0, 3), a.ll(8, 10), a.ll(8, 3), a.ll(0, 10), a.ll(0, 3)}}}
		}, "unit.geojson", "u-A-202", RuleGeometry, "u-A-202"},
		{"coordinates out of range", func(a *testArchive) {
			a.feature("printer-A-102")["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{200, 95}}
		}, "amenity.geojson", "printer-A-102", RuleGeometry, "printer-A-102"},
		{"unresolved level_id", func(a *testArchive) { a.feature("u-A-202")["properties"].(map[string]any)["level_id"] = "nowhere" }, "unit.geojson", "u-A-202", RuleReference, "u-A-202"},
		{"unresolved unit_ids", func(a *testArchive) {
			a.feature("printer-A-102")["properties"].(map[string]any)["unit_ids"] = []string{"nowhere"}
		}, "amenity.geojson", "printer-A-102", RuleReference, "printer-A-102"},
		{"unresolved relationship end", func(a *testArchive) {
			a.feature("rel-stairs-A")["properties"].(map[string]any)["destination"] = map[string]any{"id": "nowhere", "feature_type": "unit"}
		}, "relationship.geojson", "rel-stairs-A", RuleReference, "rel-stairs-A"},
		{"unit_ids naming a level", func(a *testArchive) {
			a.feature("printer-A-102")["properties"].(map[string]any)["unit_ids"] = []string{"lvl-A0"}
		}, "amenity.geojson", "printer-A-102", RuleReference, "printer-A-102"},
		{"ordinal not an integer", func(a *testArchive) { a.feature("lvl-A1")["properties"].(map[string]any)["ordinal"] = 1.5 }, "level.geojson", "lvl-A1", RuleProperty, "lvl-A1"},
		{"a file that does not parse", func(a *testArchive) {
			a.other["opening.geojson"] = []byte(`{"type": "FeatureCollection", "features": [`)
		}, "opening.geojson", "-", RuleParse, ""},
		{"missing required file", func(a *testArchive) { delete(a.files, "footprint") }, "footprint.geojson", "-", RuleMissingFile, ""},
		{"missing manifest", func(a *testArchive) { delete(a.other, "manifest.json") }, "manifest.json", "-", RuleMissingFile, ""},
		{"broken policy", func(a *testArchive) { a.other[PolicyFile] = []byte(`{"version": 1, "default": "everything"}`) }, PolicyFile, "-", RulePolicy, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestArchive()
			c.mutate(a)
			fs := a.fs(t)
			if data, ok := a.other["opening.geojson"]; ok {
				fs["opening.geojson"].Data = data
			}
			v, err := LoadFS(fs)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range v.Problems {
				if p.Severity == Error && p.File == c.file && strings.HasPrefix(p.Feature, c.id) && p.Rule == c.rule {
					found = true
				}
			}
			if !found {
				t.Fatalf("no ERROR %s %s [%s]; problems:\n%v", c.file, c.id, c.rule, v.Problems)
			}
			if c.gone != "" {
				if _, ok := v.Feature(c.gone); ok {
					t.Errorf("%s is in error but was kept", c.gone)
				}
			}
			// What is sound still loads.
			if _, ok := v.Feature("bldg-A"); !ok {
				t.Error("building A was lost")
			}
		})
	}
}

// A feature that depends on one in error goes too, with its own error.
func TestErrorsCascade(t *testing.T) {
	a := newTestArchive()
	a.feature("lvl-A1")["properties"].(map[string]any)["building_ids"] = []string{"nowhere"}
	v := a.load(t)
	for _, id := range []string{"lvl-A1", "u-A-202", "printer-A-202", "rel-stairs-A"} {
		if _, ok := v.Feature(id); ok {
			t.Errorf("%s should be left out with its level", id)
		}
	}
	if _, ok := v.Feature("u-A-102"); !ok {
		t.Error("the ground floor was lost")
	}
}

func TestValidationWarnings(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *testArchive)
		file   string
		rule   string
	}{
		{"unknown file", func(a *testArchive) { a.other["notes.txt"] = []byte("hello") }, "notes.txt", RuleUnknownFile},
		{"unknown feature type", func(a *testArchive) { a.files["tree"] = nil }, "tree.geojson", RuleUnknownFile},
		{"unknown property", func(a *testArchive) { a.feature("u-A-202")["properties"].(map[string]any)["colour"] = "red" }, "unit.geojson", RuleUnknownProp},
		{"unknown category", func(a *testArchive) { a.feature("u-A-202")["properties"].(map[string]any)["category"] = "ballroom" }, "unit.geojson", RuleCategory},
		{"missing category", func(a *testArchive) { delete(a.feature("u-A-202")["properties"].(map[string]any), "category") }, "unit.geojson", RuleProperty},
		{"missing feature_type", func(a *testArchive) { delete(a.feature("u-A-202"), "feature_type") }, "unit.geojson", RuleFeatureType},
		{"stairs in no relationship", func(a *testArchive) { a.remove("rel-stairs-A") }, "unit.geojson", RuleRelationship},
		{"no relationships at all", func(a *testArchive) { delete(a.files, "relationship") }, "relationship.geojson", RuleRelationship},
		{"levels repeating an ordinal", func(a *testArchive) { a.feature("lvl-A1")["properties"].(map[string]any)["ordinal"] = 0 }, "level.geojson", RuleOrdinals},
		{"ground floors at other ordinals", func(a *testArchive) { a.feature("lvl-B0")["properties"].(map[string]any)["ordinal"] = 1 }, "level.geojson", RuleOrdinals},
		{"display point outside", func(a *testArchive) {
			a.feature("u-A-102")["properties"].(map[string]any)["display_point"] = a.point(19, 9)
		}, "unit.geojson", RuleDisplayPoint},
		{"overlapping units", func(a *testArchive) { a.feature("u-A-102")["geometry"] = a.rect(0, 3, 11, 10) }, "unit.geojson", RuleOverlap},
		{"opening off every boundary", func(a *testArchive) { a.feature("door-A-102-0")["geometry"] = a.line(2, 6, 3, 6) }, "opening.geojson", RuleOpening},
		{"policy naming no building", func(a *testArchive) {
			a.other[PolicyFile] = []byte(strings.Replace(testPolicy, `["B"]`, `["B", "Z9"]`, 1))
		}, PolicyFile, RulePolicy},
		{"undeclared extension", func(a *testArchive) {
			a.other["manifest.json"] = []byte(`{"version":"1.0.0","created":"2026-11-01T00:00:00Z","language":"en","extensions":null}`)
		}, "beacon.geojson", RuleManifest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestArchive()
			c.mutate(a)
			v := a.load(t)
			found := false
			for _, p := range v.Problems {
				if p.Severity == Warning && p.File == c.file && p.Rule == c.rule {
					found = true
				}
			}
			if !found {
				t.Fatalf("no WARNING %s [%s]; problems:\n%v", c.file, c.rule, v.Problems)
			}
			if errs, _ := Counts(v.Problems); errs != 0 {
				t.Errorf("a warning case produced errors: %v", v.Problems)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Severity: Error, File: "unit.geojson", Feature: "u1", Rule: RuleReference, Message: `level_id "x" does not resolve`}
	want := `ERROR unit.geojson u1: level_id "x" does not resolve [unresolved-reference]`
	if p.String() != want {
		t.Errorf("got %q, want %q", p.String(), want)
	}
}

func TestLoadZip(t *testing.T) {
	a := newTestArchive()
	for _, prefix := range []string{"", "campus/"} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, f := range a.fs(t) {
			w, err := zw.Create(prefix + name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f.Data)
		}
		zw.Close()
		v, err := LoadZip(buf.Bytes())
		if err != nil {
			t.Fatalf("prefix %q: %v", prefix, err)
		}
		if len(v.Units) != 16 {
			t.Errorf("prefix %q: %d units from the zip, want 16", prefix, len(v.Units))
		}
	}
	if _, err := LoadZip([]byte("not a zip")); err == nil {
		t.Error("garbage loaded as a zip")
	}
}

func TestOverlapArea(t *testing.T) {
	cases := []struct {
		name string
		a, b [4]float64
		want float64
	}{
		{"disjoint", [4]float64{0, 0, 1, 1}, [4]float64{2, 2, 3, 3}, 0},
		{"sharing a wall", [4]float64{0, 0, 4, 4}, [4]float64{4, 0, 8, 4}, 0},
		{"crossing", [4]float64{0, 0, 4, 4}, [4]float64{2, 2, 6, 6}, 4},
		{"inside sharing an edge", [4]float64{0, 0, 10, 10}, [4]float64{0, 0, 5, 10}, 50},
		{"equal", [4]float64{0, 0, 3, 3}, [4]float64{0, 0, 3, 3}, 9},
		{"cross shape", [4]float64{0, 4, 10, 6}, [4]float64{4, 0, 6, 10}, 4},
	}
	for _, c := range cases {
		got := overlapArea(rectPoly(c.a), rectPoly(c.b))
		if d := got - c.want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: overlap %.6f, want %.6f", c.name, got, c.want)
		}
		if back := overlapArea(rectPoly(c.b), rectPoly(c.a)); back-got > 1e-9 || got-back > 1e-9 {
			t.Errorf("%s: not symmetric: %.6f vs %.6f", c.name, got, back)
		}
	}
}

func rectPoly(r [4]float64) orb.Polygon {
	return orb.Polygon{{{r[0], r[1]}, {r[2], r[1]}, {r[2], r[3]}, {r[0], r[3]}, {r[0], r[1]}}}
}

// A policy that cannot be read fails closed: every role sees outdoors only.
func TestBrokenPolicyFailsClosed(t *testing.T) {
	a := newTestArchive()
	a.other[PolicyFile] = []byte(`{"version": 1, "areas": [{"buildings": ["A"], "access": "al"}]}`)
	v := a.load(t)
	for _, r := range Roles {
		w := v.View(r)
		if got := w.Search("A-102", "en", 0); len(got) != 0 {
			t.Errorf("%s sees %v under a broken policy", r, resultIDs(got))
		}
		if got := resultIDs(w.Search("A", "en", 1)); !slices.Equal(got, []string{"bldg-A"}) {
			t.Errorf("%s should still see building A from outside, got %v", r, got)
		}
	}
}

// IMDF relationships may link features this engine keeps no model of; such
// a relationship is set aside with a warning, not an error.
func TestRelationshipToUnmodelledFeature(t *testing.T) {
	a := newTestArchive()
	a.add("anchor", "anchor-1", a.point(3, 6), map[string]any{"unit_id": "u-A-102"})
	a.add("relationship", "rel-anchor", nil, map[string]any{"category": "traversal", "direction": "directed",
		"origin": map[string]any{"id": "anchor-1", "feature_type": "anchor"}, "destination": map[string]any{"id": "u-A-101", "feature_type": "unit"}})
	v := a.load(t)
	if errs, _ := Counts(v.Problems); errs != 0 {
		t.Fatalf("errors: %v", v.Problems)
	}
	if len(problemsOf(v, RuleRelationship)) == 0 {
		t.Error("no warning for the set-aside relationship")
	}
	if _, ok := v.Feature("rel-stairs-A"); !ok {
		t.Error("the sound relationship was lost")
	}
}
