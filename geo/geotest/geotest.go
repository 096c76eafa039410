// Package geotest builds small IMDF venues in code, laid out in metres, for
// the tests of the packages built on geo: a few rooms, doors, floors and
// paths with answers that can be worked out by hand.
package geotest

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// Anchor is where the metric layout is placed on the earth.
var Anchor = geo.NewProjection(113, 22)

// Venue is a venue under construction. Coordinates are metres east and
// north of Anchor; ids are the names given.
type Venue struct {
	features map[string][]map[string]any
	Policy   string // policy.json; empty for none
}

// New returns an empty venue with a campus-sized boundary.
func New() *Venue {
	v := &Venue{features: map[string][]map[string]any{}}
	v.add("venue", "venue", Rect(-500, -500, 500, 500), map[string]any{"category": "university", "name": Labels("Test", "测试")})
	return v
}

// LonLat returns the longitude and latitude of a local point, rounded as
// archives store them.
func LonLat(x, y float64) []float64 {
	lon, lat := Anchor.ToLonLat(orb.Point{x, y})
	return []float64{round7(lon), round7(lat)}
}

// Position returns the geo.Position of a local point on a floor.
func Position(x, y float64, ordinal int) geo.Position {
	ll := LonLat(x, y)
	return geo.Position{Lon: ll[0], Lat: ll[1], Ordinal: ordinal}
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

// Rect is a GeoJSON Polygon of the box x0..x1, y0..y1.
func Rect(x0, y0, x1, y1 float64) map[string]any {
	return Polygon([2]float64{x0, y0}, [2]float64{x1, y0}, [2]float64{x1, y1}, [2]float64{x0, y1})
}

// Polygon is a GeoJSON Polygon through the given corners (closed for you).
func Polygon(corners ...[2]float64) map[string]any {
	var ring [][]float64
	for _, c := range corners {
		ring = append(ring, LonLat(c[0], c[1]))
	}
	ring = append(ring, ring[0])
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}
}

// Line is a GeoJSON LineString through the given points.
func Line(pts ...[2]float64) map[string]any {
	var c [][]float64
	for _, p := range pts {
		c = append(c, LonLat(p[0], p[1]))
	}
	return map[string]any{"type": "LineString", "coordinates": c}
}

// Point is a GeoJSON Point.
func Point(x, y float64) map[string]any {
	return map[string]any{"type": "Point", "coordinates": LonLat(x, y)}
}

// Labels is an IMDF LABELS object.
func Labels(en, zh string) map[string]any { return map[string]any{"en": en, "zh-Hans": zh} }

func (v *Venue) add(typ, id string, geom any, props map[string]any) {
	v.features[typ] = append(v.features[typ], map[string]any{"type": "Feature", "id": id, "feature_type": typ, "geometry": geom, "properties": props})
}

// Building adds a building with the given reference and a footprint box.
func (v *Venue) Building(ref string, x0, y0, x1, y1 float64) {
	v.add("building", ref, nil, map[string]any{"category": "unspecified", "name": Labels("Building "+ref, ref+"楼"), "alt_name": map[string]any{"en": ref}})
	v.add("footprint", "fp-"+ref, Rect(x0, y0, x1, y1), map[string]any{"category": "ground", "building_ids": []string{ref}})
}

// Level adds floor ordinal of building ref, outlined by a box; its id is
// "REF-ORDINAL".
func (v *Venue) Level(ref string, ordinal int, x0, y0, x1, y1 float64) string {
	id := fmt.Sprintf("%s-%d", ref, ordinal)
	v.add("level", id, Rect(x0, y0, x1, y1), map[string]any{
		"category": "unspecified", "outdoor": false, "ordinal": ordinal,
		"name":       Labels(fmt.Sprintf("%s %d/F", ref, ordinal+1), fmt.Sprintf("%s %d楼", ref, ordinal+1)),
		"short_name": map[string]any{"en": fmt.Sprintf("%dF", ordinal+1)}, "building_ids": []string{ref}})
	return id
}

// Unit adds a unit: its id is also its reference.
func (v *Venue) Unit(level, ref, category string, geom map[string]any) {
	v.add("unit", ref, geom, map[string]any{"category": category, "level_id": level, "alt_name": map[string]any{"en": ref}})
}

// RestrictedUnit adds a unit marked employees-only.
func (v *Venue) RestrictedUnit(level, ref, category string, geom map[string]any) {
	v.add("unit", ref, geom, map[string]any{"category": category, "level_id": level, "alt_name": map[string]any{"en": ref}, "restriction": "employeesonly"})
}

// Door adds an opening of a category from (x0, y0) to (x1, y1).
func (v *Venue) Door(level, id, category string, x0, y0, x1, y1 float64) {
	v.add("opening", id, Line([2]float64{x0, y0}, [2]float64{x1, y1}), map[string]any{"category": category, "level_id": level})
}

// LockedDoor adds an opening with access control (a badge reader).
func (v *Venue) LockedDoor(level, id, category string, x0, y0, x1, y1 float64) {
	v.add("opening", id, Line([2]float64{x0, y0}, [2]float64{x1, y1}), map[string]any{"category": category, "level_id": level, "access_control": []string{"badgereader"}})
}

// Amenity adds an amenity point in a unit.
func (v *Venue) Amenity(id, category, unit string, x, y float64) {
	v.add("amenity", id, Point(x, y), map[string]any{"category": category, "unit_ids": []string{unit}, "name": Labels(category, category)})
}

// Link adds a vertical relationship through units, in order.
func (v *Venue) Link(id, category string, units ...string) {
	ref := func(u string) map[string]any { return map[string]any{"id": u, "feature_type": "unit"} }
	props := map[string]any{"category": category, "direction": "undirected", "origin": ref(units[0]), "destination": ref(units[len(units)-1])}
	if len(units) > 2 {
		var mid []map[string]any
		for _, u := range units[1 : len(units)-1] {
			mid = append(mid, ref(u))
		}
		props["intermediary"] = mid
	}
	v.add("relationship", id, nil, props)
}

// Path adds an outdoor path through the given points.
func (v *Venue) Path(id, category string, covered bool, pts ...[2]float64) {
	v.add("path", id, Line(pts...), map[string]any{"category": category, "covered": covered})
}

// Gate adds a gate.
func (v *Venue) Gate(id, en, zh string, x, y float64) {
	v.add("gate", id, Point(x, y), map[string]any{"category": "pedestrian", "name": Labels(en, zh), "alt_name": map[string]any{"en": id}})
}

// FS renders the archive.
func (v *Venue) FS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	m["manifest.json"] = &fstest.MapFile{Data: []byte(`{"version":"1.0.0","created":"2026-11-01T00:00:00Z","language":"en","extensions":["` +
		geo.ExtBeacon + `","` + geo.ExtPath + `","` + geo.ExtGate + `","` + geo.ExtUnitBooking + `","` + geo.ExtPolicy + `"]}`)}
	if v.Policy != "" {
		m[geo.PolicyFile] = &fstest.MapFile{Data: []byte(v.Policy)}
	}
	for _, typ := range []string{"building", "footprint", "level", "unit"} {
		if _, ok := v.features[typ]; !ok {
			v.features[typ] = nil
		}
	}
	for typ, fs := range v.features {
		if fs == nil {
			fs = []map[string]any{}
		}
		data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
		if err != nil {
			t.Fatal(err)
		}
		m[typ+".geojson"] = &fstest.MapFile{Data: data}
	}
	return m
}

// Load loads the venue and fails the test on any ERROR.
func (v *Venue) Load(t testing.TB) *geo.Venue {
	t.Helper()
	gv, err := geo.LoadFS(v.FS(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range gv.Problems {
		if p.Severity == geo.Error {
			t.Fatalf("test venue: %v", p)
		}
	}
	return gv
}
