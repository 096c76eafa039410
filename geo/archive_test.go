package geo

import (
	"encoding/json"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"
)

// testArchive is a small hand-made archive: building A (two floors, public),
// building B (one floor, hidden from visitors and tourists) and a dormitory D
// (hidden from everyone), laid out in metres around (113, 22).
type testArchive struct {
	files map[string][]map[string]any // feature type -> features
	other map[string][]byte           // manifest, policy, unknown files
	pr    Projection
}

func (a *testArchive) ll(x, y float64) []float64 {
	lon, lat := a.pr.ToLonLat(orb.Point{x, y})
	return []float64{round7(lon), round7(lat)}
}

func (a *testArchive) rect(x0, y0, x1, y1 float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{{
		a.ll(x0, y0), a.ll(x1, y0), a.ll(x1, y1), a.ll(x0, y1), a.ll(x0, y0)}}}
}

func (a *testArchive) line(x0, y0, x1, y1 float64) map[string]any {
	return map[string]any{"type": "LineString", "coordinates": [][]float64{a.ll(x0, y0), a.ll(x1, y1)}}
}

func (a *testArchive) point(x, y float64) map[string]any {
	return map[string]any{"type": "Point", "coordinates": a.ll(x, y)}
}

func (a *testArchive) add(typ, id string, geom any, props map[string]any) map[string]any {
	f := map[string]any{"type": "Feature", "id": id, "feature_type": typ, "geometry": geom, "properties": props}
	a.files[typ] = append(a.files[typ], f)
	return f
}

// feature returns the feature with id, to mutate.
func (a *testArchive) feature(id string) map[string]any {
	for _, fs := range a.files {
		for _, f := range fs {
			if f["id"] == id {
				return f
			}
		}
	}
	panic("no feature " + id)
}

func (a *testArchive) remove(id string) {
	for typ, fs := range a.files {
		for i, f := range fs {
			if f["id"] == id {
				a.files[typ] = append(fs[:i:i], fs[i+1:]...)
				return
			}
		}
	}
}

func labels(en, zh string) map[string]any { return map[string]any{"en": en, "zh-Hans": zh} }

const testPolicy = `{
  "version": 1,
  "roles": ["staff", "student", "family", "visitor", "tourist"],
  "public_roles": ["visitor", "tourist"],
  "default": "full",
  "areas": [
    {"name": "B", "buildings": ["B"], "access": {"staff": "full", "student": "full", "family": "full", "visitor": "none", "tourist": "none"}},
    {"name": "dorms", "buildings": ["D"], "access": "none"}
  ]
}`

func newTestArchive() *testArchive {
	a := &testArchive{files: map[string][]map[string]any{}, other: map[string][]byte{}, pr: NewProjection(113, 22)}
	a.other["manifest.json"] = []byte(`{"version":"1.0.0","created":"2026-11-01T00:00:00Z","language":"en","extensions":["` +
		ExtBeacon + `","` + ExtPath + `","` + ExtGate + `","` + ExtUnitBooking + `","` + ExtPolicy + `","` + ExtReader + `","` + ExtAccess + `"]}`)
	a.other[PolicyFile] = []byte(testPolicy)
	a.other[AccessFile] = []byte(testAccess)
	a.add("address", "addr", nil, map[string]any{"address": "1 Test Road", "locality": "Testville", "country": "CN"})
	a.add("venue", "venue", a.rect(-10, -10, 110, 50), map[string]any{"category": "university", "name": labels("Test U", "测试大学"), "address_id": "addr", "display_point": a.point(50, 20)})
	for _, b := range []struct {
		ref string
		x0  float64
	}{{"A", 0}, {"B", 40}, {"D", 80}} {
		bid := "bldg-" + b.ref
		a.add("building", bid, nil, map[string]any{"category": "unspecified", "name": labels("Block "+b.ref, b.ref+"栋"), "alt_name": map[string]any{"en": b.ref}})
		a.add("footprint", "fp-"+b.ref, a.rect(b.x0, 0, b.x0+20, 10), map[string]any{"category": "ground", "building_ids": []string{bid}})
		floors := 1
		if b.ref == "A" {
			floors = 2
		}
		for f := 0; f < floors; f++ {
			lid := fmt.Sprintf("lvl-%s%d", b.ref, f)
			a.add("level", lid, a.rect(b.x0, 0, b.x0+20, 10), map[string]any{
				"category": "unspecified", "outdoor": false, "ordinal": f,
				"name":       labels(fmt.Sprintf("%s %d/F", b.ref, f+1), fmt.Sprintf("%s %d楼", b.ref, f+1)),
				"short_name": map[string]any{"en": fmt.Sprintf("%dF", f+1)}, "building_ids": []string{bid}})
			ref := func(n int) string { return fmt.Sprintf("%s-%d%02d", b.ref, f+1, n) }
			// corridor along the south, rooms on the north
			a.add("unit", "u-"+ref(1), a.rect(b.x0, 0, b.x0+20, 3), map[string]any{"category": "walkway", "level_id": lid, "alt_name": map[string]any{"en": ref(1)}})
			a.add("unit", "u-"+ref(2), a.rect(b.x0, 3, b.x0+8, 10), map[string]any{"category": "classroom", "level_id": lid, "alt_name": map[string]any{"en": ref(2)}, "name": labels("Lecture Room", "讲堂"), "capacity": 40, "area_m2": 56.0})
			a.add("unit", "u-"+ref(3), a.rect(b.x0+8, 3, b.x0+14, 10), map[string]any{"category": "stairs", "level_id": lid, "alt_name": map[string]any{"en": ref(3)}, "name": labels("Stair A", "A楼梯")})
			a.add("unit", "u-"+ref(4), a.rect(b.x0+14, 3, b.x0+20, 10), map[string]any{"category": "serverroom", "restriction": "employeesonly", "level_id": lid, "alt_name": map[string]any{"en": ref(4)}})
			for n, x := range []float64{4, 11, 17} {
				a.add("opening", fmt.Sprintf("door-%s-%d", ref(n+2), n), a.line(b.x0+x-0.5, 3, b.x0+x+0.5, 3), map[string]any{"category": "pedestrian", "level_id": lid})
			}
			if f == 0 {
				a.add("opening", "entrance-"+b.ref, a.line(b.x0+9, 0, b.x0+11, 0), map[string]any{"category": "pedestrian.principal", "level_id": lid})
			}
			a.add("amenity", "printer-"+ref(2), a.point(b.x0+2, 5), map[string]any{"category": "copymachine", "unit_ids": []string{"u-" + ref(2)}, "name": labels("Printer", "打印机")})
		}
	}
	a.add("relationship", "rel-stairs-A", nil, map[string]any{"category": "stairs", "direction": "undirected",
		"origin": map[string]any{"id": "u-A-103", "feature_type": "unit"}, "destination": map[string]any{"id": "u-A-203", "feature_type": "unit"}})
	a.add("amenity", "aed-A-201", a.point(5, 1.5), map[string]any{"category": "defibrillator", "unit_ids": []string{"u-A-201"}, "name": labels("AED", "AED")})
	a.add("gate", "gate-2", a.point(50, -10), map[string]any{"category": "pedestrian", "name": labels("Gate 2", "2号门"), "alt_name": map[string]any{"en": "G2"}})
	a.add("path", "path-1", map[string]any{"type": "LineString", "coordinates": [][]float64{a.ll(50, -10), a.ll(50, -2), a.ll(10, -2), a.ll(10, 0)}}, map[string]any{"category": "footway", "covered": false})
	a.add("beacon", "beacon-1", a.point(5, 1.5), map[string]any{"uuid": "f7826da6-4fa2-4e98-8024-bc5b71e0893e", "major": 1, "minor": 1, "measured_power": -59, "level_id": "lvl-A0"})
	// Card readers: a turnstile at the gate, a door reader at each
	// entrance, a lock on each server room (A's is hidden from the public,
	// B's too, D's from everyone), a printer's reader.
	a.add("reader", "rd-gate-2", a.point(49, -9), map[string]any{"kind": "gate", "guards": "gate-2", "level_id": nil, "name": labels("Gate 2 turnstile 1", "2号门闸机 1")})
	for _, b := range []struct {
		ref string
		x0  float64
	}{{"A", 0}, {"B", 40}, {"D", 80}} {
		lid := "lvl-" + b.ref + "0"
		a.add("reader", "rd-door-"+b.ref, a.point(b.x0+11.5, 0.3), map[string]any{"kind": "door", "guards": "entrance-" + b.ref, "level_id": lid, "name": labels(b.ref+" entrance reader 1", b.ref+" 入口读卡器 1")})
		a.add("reader", "rd-lock-"+b.ref+"-104", a.point(b.x0+17, 2.7), map[string]any{"kind": "lock", "guards": "u-" + b.ref + "-104", "level_id": lid, "name": labels("Lock "+b.ref+"-104", b.ref+"-104 门锁")})
	}
	a.add("reader", "rd-printer-A-102", a.point(2, 5), map[string]any{"kind": "printer", "guards": "printer-A-102", "level_id": "lvl-A0", "name": labels("A 1/F printer reader 1", "A 1楼打印机读卡器 1")})
	return a
}

// testAccess is an access.json: geo keeps it as read.
const testAccess = `{"version": 1, "time_zone": "Asia/Shanghai", "rules": [{"name": "Campus gates", "kinds": ["gate"], "roles": ["staff"]}]}`

// fs renders the archive as a file system.
func (a *testArchive) fs(t testing.TB) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range a.other {
		m[name] = &fstest.MapFile{Data: data}
	}
	for typ, fs := range a.files {
		data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
		if err != nil {
			t.Fatal(err)
		}
		m[typ+".geojson"] = &fstest.MapFile{Data: data}
	}
	return m
}

func (a *testArchive) load(t testing.TB) *Venue {
	t.Helper()
	v, err := LoadFS(a.fs(t))
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	return v
}

// problemsOf returns the problems of a given rule.
func problemsOf(v *Venue, rule string) []Problem {
	var out []Problem
	for _, p := range v.Problems {
		if p.Rule == rule {
			out = append(out, p)
		}
	}
	return out
}
