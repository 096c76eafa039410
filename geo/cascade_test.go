package geo

import (
	"strings"
	"testing"
)

// What is left out for another's fault is reported once, on the line of
// its cause.

// A level left out takes its units, openings, amenities and relationships
// with it: one error line says so, not one per dependent.
func TestCascadeReportedOncePerCause(t *testing.T) {
	a := newTestArchive()
	a.feature("lvl-A1")["properties"].(map[string]any)["building_ids"] = []string{"nowhere"}
	v := a.load(t)
	errs := problemLines(v, Error)
	if len(errs) != 1 {
		t.Fatalf("%d error lines, want 1:\n%v", len(errs), errs)
	}
	want := `building_ids "nowhere" does not resolve (and, for the same cause, 4 units, 3 openings, 2 amenities, 1 relationship)`
	if p := errs[0]; p.File != "level.geojson" || p.Feature != "lvl-A1" || p.Message != want {
		t.Errorf("got %v\nwant ERROR level.geojson lvl-A1: %s", p, want)
	}
	for _, id := range []string{"lvl-A1", "u-A-201", "u-A-204", "door-A-202-0", "printer-A-202", "aed-A-201", "rel-stairs-A"} {
		if _, ok := v.Feature(id); ok {
			t.Errorf("%s is kept without its level", id)
		}
	}
}

// Many features naming the same id that does not resolve: one line.
func TestMissingReferenceReportedOncePerID(t *testing.T) {
	a := newTestArchive()
	for _, id := range []string{"u-A-101", "u-A-102", "u-A-103"} {
		a.feature(id)["properties"].(map[string]any)["level_id"] = "gone"
	}
	a.feature("u-A-104")["properties"].(map[string]any)["level_id"] = "also-gone"
	v := a.load(t)
	var lines []string
	for _, p := range problemLines(v, Error) {
		lines = append(lines, p.String())
	}
	want := []string{
		`ERROR unit.geojson u-A-101: level_id "gone" does not resolve (and, for the same cause, 2 units, 1 amenity, 1 relationship, 1 reader) [unresolved-reference]`,
		`ERROR unit.geojson u-A-104: level_id "also-gone" does not resolve (and, for the same cause, 1 reader) [unresolved-reference]`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if errs, _ := Counts(v.Problems); errs != 2 {
		t.Errorf("Counts: %d errors, want 2 (the causes)", errs)
	}
}

// A list of references keeps those that resolve, with a warning for the
// others; a list of which none resolves is an error.
func TestReferenceListKeepsWhatResolves(t *testing.T) {
	a := newTestArchive()
	a.feature("printer-A-102")["properties"].(map[string]any)["unit_ids"] = []string{"nowhere", "u-A-102"}
	a.feature("fp-B")["properties"].(map[string]any)["building_ids"] = []string{"bldg-B", "bldg-Z"}
	v := a.load(t)
	if errs := problemLines(v, Error); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	p, ok := v.Feature("printer-A-102")
	if !ok || len(p.(*Amenity).Units) != 1 || p.(*Amenity).Units[0].ID != "u-A-102" {
		t.Fatalf("printer: %+v, want it in u-A-102 alone", p)
	}
	if w := problemsOf(v, RuleReference); len(w) != 2 {
		t.Errorf("want two warnings, got %v", w)
	}
}
