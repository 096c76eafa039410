package campusgen

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// readerGuards is what each reader kind may guard (FORMAT.md).
var readerGuards = map[string][]string{
	"gate": {"gate"}, "barrier": {"gate", "opening"}, "door": {"opening"}, "elevator": {"unit"},
	"lock": {"unit"}, "printer": {"amenity"}, "library": {"unit", "opening"}, "pos": {"amenity"},
}

// readersOf returns the readers of the archive by the id they guard.
func readersOf(t *testing.T, a *parsed) map[string][]*feature {
	t.Helper()
	out := map[string][]*feature{}
	for _, r := range a.byType["reader"] {
		out[r.Properties.Guards] = append(out[r.Properties.Guards], r)
	}
	return out
}

// kindsOf lists the kinds of readers rs.
func kindsOf(rs []*feature) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Properties.Kind)
	}
	return out
}

// buildingOf returns the reference of the building of level id.
func buildingOf(a *parsed, levelID string) string {
	l := a.byID[levelID]
	if l == nil || len(l.Properties.BuildingIDs) == 0 {
		return ""
	}
	return a.byID[l.Properties.BuildingIDs[0]].ref()
}

// TestReadersResolve: every reader has a kind, a guards that resolves to a
// feature that kind can guard, a level that resolves (or null outdoors),
// names in English and Chinese, and stands inside its level.
func TestReadersResolve(t *testing.T) {
	a := archive(t)
	if len(a.byType["reader"]) == 0 {
		t.Fatal("no reader")
	}
	names := map[string]string{}
	for _, r := range a.byType["reader"] {
		p := r.Properties
		allowed, ok := readerGuards[p.Kind]
		if !ok {
			t.Errorf("reader %s: kind %q", r.ID, p.Kind)
			continue
		}
		g := a.byID[p.Guards]
		if g == nil || !slices.Contains(allowed, g.FeatureType) {
			t.Errorf("reader %s (%s): guards %q does not resolve to a %v", r.ID, p.Kind, p.Guards, allowed)
			continue
		}
		if p.Name["en"] == "" || !strings.ContainsFunc(p.Name["zh-Hans"], func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("reader %s: name %v, want English and Chinese", r.ID, p.Name)
		}
		if other, dup := names[p.Name["en"]]; dup {
			t.Errorf("readers %s and %s are both named %q", other, r.ID, p.Name["en"])
		}
		names[p.Name["en"]] = r.ID
		if p.LevelID == nil {
			if g.FeatureType != "gate" {
				t.Errorf("reader %s (%s) stands outdoors but guards a %s", r.ID, p.Kind, g.FeatureType)
			}
			if !inside(a.byType["venue"][0].ring, r.at) {
				t.Errorf("reader %s stands outside the campus", r.ID)
			}
			continue
		}
		l := a.byID[*p.LevelID]
		if l == nil || l.FeatureType != "level" {
			t.Errorf("reader %s: level_id %q does not resolve", r.ID, *p.LevelID)
			continue
		}
		if !inside(l.ring, r.at) {
			t.Errorf("reader %s (%s) stands outside its level %s", r.ID, p.Name["en"], l.Properties.Name["en"])
		}
		if g.level() != "" && g.level() != l.ID {
			t.Errorf("reader %s stands on another level than what it guards", r.ID)
		}
		if g.FeatureType == "amenity" && a.byID[g.Properties.UnitIDs[0]].level() != l.ID {
			t.Errorf("reader %s stands on another level than its amenity", r.ID)
		}
	}
}

// TestEveryLiftHasAReader: one reader per lift car, in its ground-floor unit.
func TestEveryLiftHasAReader(t *testing.T) {
	a := archive(t)
	by := readersOf(t, a)
	lifts := 0
	for _, rel := range a.byType["relationship"] {
		p := rel.Properties
		if p.Category != "elevator" {
			continue
		}
		lifts++
		ids := []string{p.Origin.ID, p.Destination.ID}
		for _, m := range p.Intermediary {
			ids = append(ids, m.ID)
		}
		var found []string
		for _, id := range ids {
			for _, r := range by[id] {
				if r.Properties.Kind == "elevator" {
					found = append(found, id)
					if o := a.byID[a.byID[id].level()].Properties.Ordinal; o == nil || *o != 0 {
						t.Errorf("lift %s: its reader is not on the ground floor", rel.ID)
					}
				}
			}
		}
		if len(found) != 1 {
			t.Errorf("lift %s has %d readers, want 1", rel.ID, len(found))
		}
	}
	if n := len(kindsOf(filterKind(a, "elevator"))); n != lifts {
		t.Errorf("%d elevator readers for %d lifts", n, lifts)
	}
}

func filterKind(a *parsed, kind string) []*feature {
	var out []*feature
	for _, r := range a.byType["reader"] {
		if r.Properties.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// TestEveryRoomLocked: every office and every residence bedroom has one
// smart lock, and nothing else has one.
func TestEveryRoomLocked(t *testing.T) {
	a := archive(t)
	by := readersOf(t, a)
	offices, bedrooms := 0, 0
	for _, u := range a.byType["unit"] {
		p := u.Properties
		office := p.Category == "office"
		bedroom := p.Category == "room" && p.Name == nil && strings.HasPrefix(buildingOf(a, u.level()), "D")
		locks := slices.Collect(func(yield func(string) bool) {
			for _, k := range kindsOf(by[u.ID]) {
				if k == "lock" && !yield(k) {
					return
				}
			}
		})
		switch {
		case office || bedroom:
			if len(locks) != 1 {
				t.Errorf("%s %s has %d locks, want 1", p.Category, u.ref(), len(locks))
			}
		case len(locks) > 0:
			t.Errorf("%s %s (%s) has a lock", p.Category, u.ref(), p.Name["en"])
		}
		if office {
			offices++
		}
		if bedroom {
			bedrooms++
		}
	}
	if offices < 1000 || bedrooms < 500 {
		t.Errorf("%d offices and %d bedrooms: the layout lost its rooms", offices, bedrooms)
	}
	t.Logf("%d offices, %d bedrooms locked", offices, bedrooms)
}

// TestEveryPrinterAndTillHasAReader: one reader per printer and per till.
func TestEveryPrinterAndTillHasAReader(t *testing.T) {
	a := archive(t)
	by := readersOf(t, a)
	want := map[string]string{"copymachine": "printer", "cashier": "pos"}
	count := map[string]int{}
	for _, am := range a.byType["amenity"] {
		kind, ok := want[am.Properties.Category]
		if !ok {
			if len(by[am.ID]) > 0 {
				t.Errorf("amenity %s (%s) has a reader", am.ID, am.Properties.Category)
			}
			continue
		}
		count[kind]++
		if got := kindsOf(by[am.ID]); !slices.Equal(got, []string{kind}) {
			t.Errorf("%s %s has readers %v, want one %s", am.Properties.Category, am.ID, got, kind)
		}
	}
	if count["printer"] < 100 || count["pos"] < 5 {
		t.Errorf("%d printers and %d tills", count["printer"], count["pos"])
	}
}

// TestEveryEntranceHasAReader: a door reader at every building entrance
// (an opening on its level's outer wall) and every badge-reader door, a
// barrier at each car entrance; no reader at any other door.
func TestEveryEntranceHasAReader(t *testing.T) {
	a := archive(t)
	by := readersOf(t, a)
	entrances := map[string]int{}
	for _, o := range a.byType["opening"] {
		l := a.byID[o.level()]
		entrance := boundaryDist(l.ring, midpoint(o.line)) <= onWall
		badge := slices.Equal(o.Properties.Access, []string{"badgereader"})
		got := kindsOf(by[o.ID])
		switch {
		case entrance && badge:
			t.Errorf("entrance %s has a badge reader: the public could not use it", o.ID)
		case entrance && o.Properties.Category == "automobile":
			if !slices.Equal(got, []string{"barrier"}) {
				t.Errorf("car entrance %s of %s has readers %v, want one barrier", o.ID, buildingOf(a, l.ID), got)
			}
		case entrance || badge:
			if !slices.Equal(got, []string{"door"}) {
				t.Errorf("%s door %s of %s (entrance %v) has readers %v, want one door reader", o.Properties.Category, o.ID, buildingOf(a, l.ID), entrance, got)
			}
		case len(got) > 0 && !slices.Equal(got, []string{"library"}):
			t.Errorf("inside door %s has readers %v", o.ID, got)
		}
		if entrance {
			entrances[buildingOf(a, l.ID)]++
		}
	}
	for _, b := range a.byType["building"] {
		if entrances[b.ref()] == 0 {
			t.Errorf("building %s has no entrance", b.ref())
		}
	}
}

// TestBadgeDoorsOnlyWhereThePublicCannotGo: a badge reader is on the doors
// of employees-only rooms and of the laboratories of buildings the policy
// closes to the public, and nowhere else, so that no public route changes.
func TestBadgeDoorsOnlyWhereThePublicCannotGo(t *testing.T) {
	a := archive(t)
	closed := map[string]bool{}
	for _, ar := range areas {
		if ar.public == "none" {
			for _, b := range ar.buildings {
				closed[b] = true
			}
		}
	}
	unitsOn := map[string][]*feature{}
	for _, u := range a.byType["unit"] {
		unitsOn[u.level()] = append(unitsOn[u.level()], u)
	}
	badges := 0
	for _, o := range a.byType["opening"] {
		if len(o.Properties.Access) == 0 {
			continue
		}
		badges++
		public := false
		var on []string
		for _, u := range unitsOn[o.level()] {
			if boundaryDist(u.ring, midpoint(o.line)) > onWall {
				continue
			}
			on = append(on, u.ref())
			if !closed[buildingOf(a, o.level())] && u.Properties.Category != "walkway" && u.Properties.Category != "lobby" {
				public = public || u.Properties.Restriction == nil
			}
		}
		if public {
			t.Errorf("badge-reader door %s opens %v, where the public may go", o.ID, on)
		}
	}
	if badges == 0 {
		t.Error("no door has a badge reader")
	}
}

// TestGatesHaveReaders: turnstiles at the pedestrian gates (2 and 5), a
// barrier at each vehicle or mixed gate.
func TestGatesHaveReaders(t *testing.T) {
	a := archive(t)
	by := readersOf(t, a)
	for _, g := range a.byType["gate"] {
		got := kindsOf(by[g.ID])
		var want []string
		switch ref := g.Properties.AltName["en"]; {
		case ref == "G2" || ref == "G5":
			want = []string{"gate", "gate"}
		case g.Properties.Category == "pedestrian":
			t.Errorf("pedestrian gate %s is not Gate 2 or 5", ref)
		default:
			want = []string{"barrier"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("gate %s (%s): readers %v, want %v", g.Properties.AltName["en"], g.Properties.Category, got, want)
		}
	}
}

// TestReaderCounts logs how many readers of each kind the campus has (the
// README's table).
func TestReaderCounts(t *testing.T) {
	a := archive(t)
	n := map[string]int{}
	for _, r := range a.byType["reader"] {
		n[r.Properties.Kind]++
	}
	var parts []string
	for _, k := range []string{"gate", "barrier", "door", "elevator", "lock", "printer", "library", "pos"} {
		if n[k] == 0 {
			t.Errorf("no %s reader", k)
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	t.Logf("%d readers: %s", len(a.byType["reader"]), strings.Join(parts, ", "))
}
