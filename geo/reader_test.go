package geo

import (
	"slices"
	"strings"
	"testing"
)

func TestReadersLoad(t *testing.T) {
	v := newTestArchive().load(t)
	for _, p := range v.Problems {
		if p.Severity == Error || p.File == "reader.geojson" || p.File == AccessFile {
			t.Errorf("%v", p)
		}
	}
	var ids []string
	for _, r := range v.Readers {
		ids = append(ids, r.ID)
	}
	want := []string{"rd-gate-2", "rd-door-A", "rd-lock-A-104", "rd-door-B", "rd-lock-B-104", "rd-door-D", "rd-lock-D-104", "rd-printer-A-102"}
	if !slices.Equal(ids, want) {
		t.Fatalf("readers %v, want %v (file order)", ids, want)
	}
	byID := func(id string) *Reader {
		f, ok := v.Feature(id)
		if !ok {
			t.Fatalf("no feature %s", id)
		}
		return f.(*Reader)
	}
	gate := byID("rd-gate-2")
	if gate.Kind != ReaderGate || gate.Guards.(*Gate).Ref != "G2" || gate.Level != nil || gate.Building != nil || gate.Ordinal != 0 {
		t.Errorf("gate reader: %+v", gate)
	}
	if gate.Name.In("zh") != "2号门闸机 1" || gate.AtEntrance() {
		t.Errorf("gate reader: name %q, at entrance %v", gate.Name.In("zh"), gate.AtEntrance())
	}
	door := byID("rd-door-B")
	if o, ok := door.Guards.(*Opening); !ok || o.ID != "entrance-B" || door.Level.ID != "lvl-B0" || door.Building.Ref != "B" || !door.AtEntrance() {
		t.Errorf("door reader: %+v", door)
	}
	lock := byID("rd-lock-A-104")
	if u, ok := lock.Guards.(*Unit); !ok || u.Ref != "A-104" || lock.Kind != ReaderLock || lock.AtEntrance() {
		t.Errorf("lock: %+v", lock)
	}
	if p, ok := byID("rd-printer-A-102").Guards.(*Amenity); !ok || p.Category != "copymachine" {
		t.Errorf("printer reader guards %v", p)
	}
	if string(v.Access) != testAccess {
		t.Errorf("Access = %q, want access.json as read", v.Access)
	}
}

func TestNoAccessFile(t *testing.T) {
	a := newTestArchive()
	delete(a.other, AccessFile)
	if v := a.load(t); v.Access != nil {
		t.Errorf("Access = %q without access.json, want nil", v.Access)
	}
}

func TestReaderExtensionsDeclared(t *testing.T) {
	a := newTestArchive()
	a.other["manifest.json"] = []byte(`{"version":"1.0.0","language":"en","extensions":["` + ExtBeacon + `","` + ExtPath + `","` + ExtGate + `","` + ExtUnitBooking + `","` + ExtPolicy + `"]}`)
	v := a.load(t)
	var files []string
	for _, p := range problemsOf(v, RuleManifest) {
		files = append(files, p.File)
	}
	slices.Sort(files)
	if !slices.Equal(files, []string{AccessFile, "reader.geojson"}) {
		t.Errorf("undeclared extensions reported for %v, want access.json and reader.geojson", files)
	}
	if len(v.Readers) == 0 || v.Access == nil {
		t.Error("undeclared extensions are not read anyway")
	}
}

// TestReaderVisibility: a reader is seen exactly where its place is.
func TestReaderVisibility(t *testing.T) {
	v := newTestArchive().load(t)
	all := []Role{Staff, Student, Family, Visitor, Tourist}
	members := []Role{Staff, Student, Family}
	want := map[string][]Role{
		"rd-gate-2":        all,     // outdoors
		"rd-door-A":        all,     // A's entrance: A is open to all
		"rd-lock-A-104":    members, // a server room: employees only
		"rd-door-B":        members, // B is hidden from the public
		"rd-lock-B-104":    members,
		"rd-door-D":        nil, // the dormitory: nobody
		"rd-lock-D-104":    nil,
		"rd-printer-A-102": all,
	}
	for _, r := range Roles {
		w := v.View(r)
		var seen []string
		for _, rd := range w.Readers() {
			seen = append(seen, rd.ID)
		}
		for id, roles := range want {
			should := slices.Contains(roles, r)
			if _, ok := w.Feature(id); ok != should {
				t.Errorf("%s: Feature(%s) found=%v, want %v", r, id, ok, should)
			}
			if slices.Contains(seen, id) != should {
				t.Errorf("%s: Readers() lists %s=%v, want %v", r, id, !should, should)
			}
			if f, _ := v.Feature(id); VisibleTo(f, r) != should {
				t.Errorf("%s: VisibleTo(%s)=%v, want %v", r, id, !should, should)
			}
		}
	}
}

// TestReaderErrors: what makes a reader unusable is an error naming the
// file, the reader and the field; the reader is left out, the rest kept.
func TestReaderErrors(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(props map[string]any, f map[string]any)
		field string // in the message
	}{
		{"bad kind", func(p, _ map[string]any) { p["kind"] = "teleport" }, "kind"},
		{"no kind", func(p, _ map[string]any) { delete(p, "kind") }, "kind"},
		{"no guards", func(p, _ map[string]any) { delete(p, "guards") }, "guards"},
		{"guards nowhere", func(p, _ map[string]any) { p["guards"] = "nowhere" }, "guards"},
		{"guards a level", func(p, _ map[string]any) { p["guards"] = "lvl-A0" }, "guards"},
		{"guards the address", func(p, _ map[string]any) { p["guards"] = "addr" }, "guards"},
		{"lock on a gate", func(p, _ map[string]any) { p["kind"] = "lock"; p["guards"] = "gate-2" }, "guards"},
		{"lift reader in a classroom", func(p, _ map[string]any) { p["kind"] = "elevator"; p["guards"] = "u-A-102" }, "guards"},
		{"level nowhere", func(p, _ map[string]any) { p["level_id"] = "lvl-Z9" }, "level_id"},
		{"a line", func(_, f map[string]any) {
			f["geometry"] = map[string]any{"type": "LineString", "coordinates": [][]float64{{113, 22}, {113.0001, 22}}}
		}, "geometry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestArchive()
			f := a.feature("rd-door-A")
			c.edit(f["properties"].(map[string]any), f)
			v := a.load(t)
			errs := problemLines(v, Error)
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			p := errs[0]
			if p.File != "reader.geojson" || p.Feature != "rd-door-A" || !strings.Contains(p.Message, c.field) {
				t.Errorf("got %v, want an error of reader.geojson rd-door-A naming %s", p, c.field)
			}
			if _, ok := v.Feature("rd-door-A"); ok {
				t.Error("the reader in error is kept")
			}
			if len(v.Readers) != 7 {
				t.Errorf("%d readers kept, want the 7 others", len(v.Readers))
			}
		})
	}
}

// A reader whose guarded feature is left out is left out for the same
// cause, reported on the cause's line.
func TestReaderCascades(t *testing.T) {
	a := newTestArchive()
	a.feature("entrance-A")["properties"].(map[string]any)["level_id"] = "gone"
	v := a.load(t)
	errs := problemLines(v, Error)
	if len(errs) != 1 || errs[0].Feature != "entrance-A" || !strings.Contains(errs[0].Message, "1 reader") {
		t.Fatalf("errors %v, want one on entrance-A counting the reader", errs)
	}
	if _, ok := v.Feature("rd-door-A"); ok {
		t.Error("the reader of a door left out is kept")
	}
}

func TestReaderWarnings(t *testing.T) {
	a := newTestArchive()
	p := a.feature("rd-door-A")["properties"].(map[string]any)
	p["level_id"] = "lvl-A1" // the entrance is on A 1/F
	a.feature("rd-printer-A-102")["geometry"] = a.point(30, 30)
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	var got []string
	for _, p := range v.Problems {
		if p.File == "reader.geojson" {
			got = append(got, p.Feature+": "+p.Message)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], "not the level of what it guards") || !strings.Contains(got[1], "outside its level") {
		t.Errorf("warnings %q, want a level mismatch and a reader off its level", got)
	}
	if len(v.Readers) != 8 {
		t.Errorf("%d readers, want all 8 kept", len(v.Readers))
	}
}
