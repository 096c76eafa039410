package geo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// campusPath is the committed campus archive.
const campusPath = "../data/floorplans/hkust-gz"

var (
	campusOnce  sync.Once
	campusVenue *Venue
	campusErr   error
)

func loadCampus(t testing.TB) *Venue {
	t.Helper()
	campusOnce.Do(func() { campusVenue, campusErr = Load(campusPath) })
	if campusErr != nil {
		t.Fatalf("load %s: %v", campusPath, campusErr)
	}
	return campusVenue
}

// law is the visibility table of FEATURES.md, word for word: the access of
// each role to the inside of each building. It is written here again, apart
// from policy.json, so the test checks the data against the law.
func law(ref string, r Role) Access {
	public := r == Visitor || r == Tourist
	switch {
	case strings.HasPrefix(ref, "D"): // the dormitory area: outdoor only, for everyone
		return AccessNone
	case ref == "C3" || ref == "C4" || ref == "C5" || ref == "C6":
		return AccessFull
	case ref == "CP": // underground parking: only its entrances and exits for the public
		if public {
			return AccessEntrances
		}
		return AccessFull
	case ref == "C1" || ref == "C2" || ref == "C7" || ref == "E" || ref == "W" || ref == "SH":
		if public {
			return AccessNone
		}
		return AccessFull
	}
	panic("the law does not name building " + ref)
}

// expectVisible says, from the law alone, whether role r may see f.
func expectVisible(f Feature, r Role) bool {
	return expectUnder(f, func(l *Level) Access { return law(l.Building().Ref, r) }, r == Visitor || r == Tourist)
}

// expectUnder says whether f is seen by a role with access to each level
// (levelAccess), public or not.
func expectUnder(f Feature, levelAccess func(l *Level) Access, public bool) bool {
	again := func(f Feature) bool { return expectUnder(f, levelAccess, public) }
	switch f := f.(type) {
	case *Building, *Footprint, *Path, *Gate, *Venue:
		return true
	case *Level:
		return levelAccess(f) > AccessNone
	case *Unit:
		return levelAccess(f.Level) == AccessFull && !(f.Restricted && public)
	case *Opening:
		switch levelAccess(f.Level) {
		case AccessEntrances:
			return f.Entrance
		case AccessFull:
			for _, u := range f.Units {
				if !again(u) {
					return false
				}
			}
			return true
		}
		return false
	case *Amenity:
		for _, u := range f.Units {
			if !again(u) {
				return false
			}
		}
		return true
	case *Relationship:
		for _, end := range append([]Feature{f.Origin, f.Destination}, f.Intermediary...) {
			if !again(end) {
				return false
			}
		}
		return true
	case *Beacon:
		return f.Level == nil || levelAccess(f.Level) == AccessFull
	case *Reader:
		// Where it stands, and what it stands for.
		return (f.Level == nil || again(f.Level)) && again(f.Guards)
	}
	panic(fmt.Sprintf("the law does not say who sees a %T", f))
}

func TestCampusLoadsClean(t *testing.T) {
	v := loadCampus(t)
	for _, p := range v.Problems {
		t.Errorf("%v", p)
	}
	if len(v.Units) < 5000 || len(v.Levels) < 40 {
		t.Errorf("%d units and %d levels; the campus has at least 5000 and 40", len(v.Units), len(v.Levels))
	}
	refs := map[string]bool{}
	for _, b := range v.Buildings {
		refs[b.Ref] = true
		law(b.Ref, Staff) // every building is in the law
	}
	for _, want := range []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7", "E", "W", "SH", "CP"} {
		if !refs[want] {
			t.Errorf("building %s is missing", want)
		}
	}
}

// TestCampusFollowsTheLaw checks every feature, for every role, against the
// visibility table.
func TestCampusFollowsTheLaw(t *testing.T) {
	v := loadCampus(t)
	for _, b := range v.Buildings {
		for _, r := range Roles {
			if got, want := b.Access(r), law(b.Ref, r); got != want {
				t.Errorf("%s inside %s: policy gives %v, the law says %v", r, b.Ref, got, want)
			}
		}
	}
	for id, f := range v.byID {
		for _, r := range Roles {
			if got, want := VisibleTo(f, r), expectVisible(f, r); got != want {
				t.Fatalf("%s %s for %s: visible=%v, the law says %v", f.Common().Type, id, r, got, want)
			}
		}
	}
}

// TestCampusNothingHiddenLeaks asks every question as every role and checks
// that no answer names a feature the role may not see, and that a hidden
// room's exact reference finds nothing.
func TestCampusNothingHiddenLeaks(t *testing.T) {
	v := loadCampus(t)
	visible := func(r Role, id string) bool {
		f, ok := v.byID[id]
		return ok && expectVisible(f, r)
	}
	var words []string
	seenWord := map[string]bool{}
	for _, f := range v.Units {
		for _, text := range []string{f.Name.In("en"), f.Name.In("zh"), CategoryLabel(f.Category, "en")} {
			for _, w := range strings.Fields(text) {
				if !seenWord[w] {
					seenWord[w] = true
					words = append(words, w)
				}
			}
		}
	}
	for _, r := range Roles {
		w := v.View(r)
		hiddenFound := 0
		check := func(what string, id string) {
			if !visible(r, id) {
				t.Fatalf("%s: %s sees hidden feature %s", what, r, id)
			}
		}
		for _, u := range v.Units {
			res := w.Search(u.Ref, "en", 5)
			for _, x := range res {
				check("search "+u.Ref, x.ID)
			}
			if expectVisible(u, r) {
				if len(res) == 0 || res[0].ID != u.ID {
					t.Fatalf("%s searching visible %s: got %v", r, u.Ref, resultIDs(res))
				}
			} else {
				hiddenFound++
				for _, x := range res {
					if x.ID == u.ID {
						t.Fatalf("%s found hidden %s by its exact reference", r, u.Ref)
					}
				}
			}
			// Locate at the room's own point.
			pt := u.Display
			loc := w.Locate(Position{Lon: pt[0], Lat: pt[1], Ordinal: u.Level.Ordinal}, "en")
			if loc.Level != nil {
				check("locate level", loc.Level.ID)
			}
			if loc.Unit != nil {
				check("locate unit", loc.Unit.ID)
			}
			if !expectVisible(u.Level, r) && loc.Level != nil {
				t.Fatalf("%s locating inside hidden %s is told level %s", r, u.Ref, loc.Level.ID)
			}
		}
		for _, word := range words {
			for _, x := range w.Search(word, "en", 100) {
				check("search "+word, x.ID)
			}
		}
		for _, l := range v.Levels {
			c := InteriorPoint(l.Geometry)
			for cat := range categoryLabels {
				for _, n := range w.Nearest(cat, Position{Lon: c[0], Lat: c[1], Ordinal: l.Ordinal}, 10, "en") {
					check("nearest "+cat, n.ID)
				}
			}
		}
		b := v.Geometry.Bound().Pad(0.01)
		for ord := range v.index.levels {
			w.Within(b, ord, func(f Feature) bool {
				check("within", f.Common().ID)
				return true
			})
		}
		for id := range v.byID {
			if _, ok := w.Feature(id); ok != visible(r, id) {
				t.Fatalf("%s: Feature(%s) = %v, want %v", r, id, ok, visible(r, id))
			}
		}
		for _, bl := range w.Buildings("en") {
			for _, l := range bl.Levels {
				check("venue levels", l.ID)
			}
		}
		if (r == Tourist || r == Visitor) && hiddenFound == 0 {
			t.Errorf("%s: no hidden unit at all; the test proves nothing", r)
		}
	}
}

// TestCampusWithinIsComplete: a bounding box over the whole campus returns
// every feature a role may see on a level, not only that nothing hidden.
func TestCampusWithinIsComplete(t *testing.T) {
	v := loadCampus(t)
	b := v.Geometry.Bound().Pad(0.01)
	for _, r := range []Role{Staff, Tourist} {
		want := map[int]int{}
		for _, u := range v.Units {
			if expectVisible(u, r) {
				want[u.Level.Ordinal]++
			}
		}
		for _, o := range v.Openings {
			if expectVisible(o, r) {
				want[o.Level.Ordinal]++
			}
		}
		for _, a := range v.Amenities {
			if expectVisible(a, r) {
				want[a.Ordinal]++
			}
		}
		for ord, n := range want {
			got := 0
			v.View(r).Within(b, ord, func(Feature) bool { got++; return true })
			if got != n {
				t.Errorf("%s at ordinal %d: %d features, want %d", r, ord, got, n)
			}
		}
	}
}

// TestCampusPolicyEdit edits policy.json of a copy of the campus and shows
// the answers change with no change of code.
func TestCampusPolicyEdit(t *testing.T) {
	dir := t.TempDir()
	entries, err := os.ReadDir(campusPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(campusPath, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == PolicyFile {
			// Open C1 to visitors and tourists.
			s := string(data)
			i := strings.Index(s, `"C1"`)
			if i < 0 {
				t.Fatal("policy.json does not name C1")
			}
			s = s[:i] + `"C1-moved-out"` + s[i+4:]
			data = []byte(s)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := loadCampus(t)
	after, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var c1room *Unit
	for _, u := range before.Units {
		if strings.HasPrefix(u.Ref, "C1-") && !u.Restricted && u.Category != "walkway" {
			c1room = u
			break
		}
	}
	if c1room == nil {
		t.Fatal("no room in C1")
	}
	if got := before.View(Tourist).Search(c1room.Ref, "en", 1); len(got) != 0 {
		t.Fatalf("before the edit a tourist finds %s", c1room.Ref)
	}
	got := after.View(Tourist).Search(c1room.Ref, "en", 1)
	if len(got) != 1 || got[0].ID != c1room.ID {
		t.Fatalf("after opening C1 to tourists, searching %s finds %v", c1room.Ref, resultIDs(got))
	}
	// The edited file names a building that does not exist: a warning.
	if len(problemsOf(after, RulePolicy)) == 0 {
		t.Error("the edited policy names an unknown building without a warning")
	}
}
