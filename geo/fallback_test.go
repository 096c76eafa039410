package geo

import (
	"archive/zip"
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// The rule these tests pin: an ERROR drops only what cannot be used at all;
// a fault the engine can do without is a WARNING, with a fallback, and the
// feature stays.

func problemLines(v *Venue, sev Severity) []Problem {
	var out []Problem
	for _, p := range v.Problems {
		if p.Severity == sev {
			out = append(out, p)
		}
	}
	return out
}

// A building with a polygon where IMDF wants null keeps its levels, and with
// them every unit, opening and amenity beneath.
func TestBuildingPolygonKeepsItsLevels(t *testing.T) {
	clean := newTestArchive().load(t)
	a := newTestArchive()
	a.feature("bldg-A")["geometry"] = a.rect(0, 0, 20, 10)
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(v.Buildings) != len(clean.Buildings) || len(v.Levels) != len(clean.Levels) || len(v.Units) != len(clean.Units) ||
		len(v.Openings) != len(clean.Openings) || len(v.Amenities) != len(clean.Amenities) {
		t.Errorf("got %d buildings, %d levels, %d units, %d openings, %d amenities; want %d, %d, %d, %d, %d",
			len(v.Buildings), len(v.Levels), len(v.Units), len(v.Openings), len(v.Amenities),
			len(clean.Buildings), len(clean.Levels), len(clean.Units), len(clean.Openings), len(clean.Amenities))
	}
	b, _ := v.Feature("bldg-A")
	if g := b.Common().Geometry; g != nil {
		t.Errorf("the building kept its geometry %v", g.GeoJSONType())
	}
	if fps := b.(*Building).Footprints; len(fps) != 1 || fps[0].ID != "fp-A" {
		t.Errorf("footprints %v, want its own fp-A only", fps)
	}
	w := problemsOf(v, RuleGeometryType)
	if len(w) != 1 || w[0].Severity != Warning || w[0].Feature != "bldg-A" || !strings.Contains(w[0].Message, "ignored") {
		t.Errorf("want one warning that bldg-A's geometry is ignored, got %v", w)
	}
}

// A building with an outline and no footprint: the outline is its ground
// footprint, so locate still finds it from outside.
func TestBuildingOutlineStandsForItsMissingFootprint(t *testing.T) {
	a := newTestArchive()
	a.feature("bldg-A")["geometry"] = a.rect(0, 0, 20, 10)
	a.remove("fp-A")
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	b, _ := v.Feature("bldg-A")
	fps := b.(*Building).Footprints
	if len(fps) != 1 || fps[0].Category != "ground" || fps[0].Geometry.GeoJSONType() != "Polygon" {
		t.Fatalf("footprints %+v, want one ground footprint from the outline", fps)
	}
	if _, ok := v.Feature(fps[0].ID); !ok {
		t.Errorf("the footprint %s is not a feature of the venue", fps[0].ID)
	}
	if got := string(fps[0].Properties); !strings.Contains(got, `"building_ids":["bldg-A"]`) {
		t.Errorf("the footprint's properties %s do not name its building", got)
	}
	lon, lat := v.Projection.ToLonLat(v.Projection.ToLocal(a.ll(15, 5)[0], a.ll(15, 5)[1]))
	if loc := v.View(Tourist).Locate(Position{Lon: lon, Lat: lat, Ordinal: 0}, "en"); loc.Building == nil || loc.Building.ID != "bldg-A" {
		t.Errorf("locate inside the outline: %+v, want building A", loc)
	}
	if w := problemsOf(v, RuleGeometryType); len(w) != 1 || !strings.Contains(w[0].Message, "used as its footprint") {
		t.Errorf("want one warning that the outline is used as the footprint, got %v", w)
	}
}

// A geometry on a feature IMDF wants without one, other than a building's
// outline, is ignored with a warning: a building's point, an address's.
func TestUnexpectedGeometryIsIgnored(t *testing.T) {
	a := newTestArchive()
	a.feature("bldg-B")["geometry"] = a.point(50, 5)
	a.feature("addr")["geometry"] = a.point(50, 5)
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if _, ok := v.Feature("bldg-B"); !ok {
		t.Fatal("building B was dropped")
	}
	if w := problemsOf(v, RuleGeometryType); len(w) != 2 {
		t.Errorf("want a warning for each, got %v", w)
	}
}

// A category IMDF does not define, or none where it requires one, reads as
// unspecified; the feature stays.
func TestWrongCategoryReadsAsUnspecified(t *testing.T) {
	a := newTestArchive()
	a.feature("u-A-202")["properties"].(map[string]any)["category"] = "ballroom"
	a.feature("door-A-102-0")["properties"].(map[string]any)["category"] = "revolving"
	delete(a.feature("printer-A-102")["properties"].(map[string]any), "category")
	a.feature("lvl-A1")["properties"].(map[string]any)["category"] = "arrivals"
	a.feature("bldg-A")["properties"].(map[string]any)["category"] = 7
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	for id, want := range map[string]string{"u-A-202": unspecified, "door-A-102-0": unspecified, "printer-A-102": unspecified, "lvl-A1": unspecified, "bldg-A": unspecified, "u-A-102": "classroom"} {
		f, ok := v.Feature(id)
		if !ok {
			t.Errorf("%s was dropped", id)
			continue
		}
		var got string
		switch f := f.(type) {
		case *Unit:
			got = f.Category
		case *Opening:
			got = f.Category
		case *Amenity:
			got = f.Category
		case *Level:
			got = f.Category
		case *Building:
			got = f.Category
		}
		if got != want {
			t.Errorf("%s: category %q, want %q", id, got, want)
		}
	}
	if n := len(problemLines(v, Warning)); n < 5 {
		t.Errorf("%d warnings for 5 wrong categories", n)
	}
}

// A feature of a type this engine does not know, in a file it reads, is
// skipped with a warning; the rest of the file loads.
func TestUnknownFeatureTypeInAFileIsSkipped(t *testing.T) {
	a := newTestArchive()
	a.add("amenity", "attraction-1", a.point(2, 5), map[string]any{"category": "exhibit", "unit_ids": []string{"u-A-102"}})["feature_type"] = "attraction"
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if _, ok := v.Feature("attraction-1"); ok {
		t.Error("the attraction was read as an amenity")
	}
	if len(v.Amenities) != len(newTestArchive().load(t).Amenities) {
		t.Error("amenities were lost")
	}
	if w := problemsOf(v, RuleFeatureType); len(w) != 1 || w[0].Feature != "attraction-1" || w[0].Severity != Warning {
		t.Errorf("want one warning for attraction-1, got %v", w)
	}
}

// A venue's display point far from its polygon (copied from another
// archive) does not anchor the local plane: distances stay true.
func TestFarDisplayPointDoesNotAnchorThePlane(t *testing.T) {
	a := newTestArchive()
	a.feature("venue")["properties"].(map[string]any)["display_point"] = map[string]any{"type": "Point", "coordinates": []float64{-121.89, 37.33}}
	v := a.load(t)
	if d := math.Hypot(v.Projection.Lon0-113, v.Projection.Lat0-22); d > 0.01 {
		t.Errorf("anchored at %.4f, %.4f, %.0f degrees from the venue", v.Projection.Lon0, v.Projection.Lat0, d)
	}
	u, _ := v.Feature("u-A-102")
	if area := math.Abs(SignedArea(u.Common().Local.(orb.Polygon)[0])); math.Abs(area-56) > 0.5 {
		t.Errorf("A-102 measures %.1f m², want 56", area)
	}
	if len(problemsOf(v, RuleDisplayPoint)) == 0 {
		t.Error("no warning for the display point")
	}
}

// An archive zipped with its folder's whole path, and files named
// unit.json, loads; unit.geojson is read rather than unit.json when both
// are there.
func TestArchiveInNestedFoldersWithJSONNames(t *testing.T) {
	a := newTestArchive()
	files := a.fs(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, f := range files {
		if typ, ok := strings.CutSuffix(name, ".geojson"); ok && typ != "opening" {
			name = typ + ".json"
		}
		w, err := zw.Create("Volumes/Macintosh HD/Users/someone/IMDFData/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.Data)
	}
	w, _ := zw.Create("Volumes/Macintosh HD/Users/someone/IMDFData/opening.json")
	w.Write([]byte(`{"type": "FeatureCollection", "features": []}`))
	zw.Create("__MACOSX/")
	zw.Close()
	v, err := LoadZip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	clean := newTestArchive().load(t)
	if len(v.Units) != len(clean.Units) || len(v.Openings) != len(clean.Openings) {
		t.Errorf("%d units, %d openings; want %d, %d", len(v.Units), len(v.Openings), len(clean.Units), len(clean.Openings))
	}
	names := problemsOf(v, RuleFileName)
	geojson := 0
	for name := range files {
		if strings.HasSuffix(name, ".geojson") {
			geojson++
		}
	}
	if len(names) != geojson { // every .geojson renamed but opening's, and opening.json set aside
		t.Errorf("%d file-name warnings: %v", len(names), names)
	}
	ignored := false
	for _, p := range names {
		ignored = ignored || (p.File == "opening.json" && strings.Contains(p.Message, "ignored"))
	}
	if !ignored {
		t.Errorf("opening.json is not reported as ignored: %v", names)
	}
}
