package geo

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/paulmach/orb"
)

// The search answers people can use: rooms before corridors, the words
// people use for kinds of places, and results that say where they are.

func TestSearchReferencePrefixListsRoomsBeforeCorridors(t *testing.T) {
	v := loadCampus(t)
	refs := 0
	for _, u := range v.Units {
		refs += b2i(strings.HasPrefix(u.Ref, "C3-6"))
	}
	res := v.View(Staff).Search("C3-6", "en", refs)
	if len(res) != refs || refs < 60 {
		t.Fatalf("C3-6: %d results for %d references", len(res), refs)
	}
	if res[0].Category == "walkway" || !IsDestination(res[0].Category) {
		t.Errorf("C3-6 lists %s %s first", *res[0].Ref, res[0].Category)
	}
	seenPassage, corridor := false, false
	for _, r := range res {
		if !strings.HasPrefix(*r.Ref, "C3-6") {
			t.Fatalf("C3-6 finds %s", *r.Ref)
		}
		if !IsDestination(r.Category) {
			seenPassage = true
			corridor = corridor || *r.Ref == "C3-601"
		} else if seenPassage {
			t.Fatalf("room %s listed after a corridor or shaft", *r.Ref)
		}
	}
	if !corridor {
		t.Error("a reference prefix no longer finds the corridor C3-601 at all")
	}
	// Asked for by its own reference, a corridor comes first.
	if got := v.View(Staff).Search("C3-601", "en", 1); len(got) != 1 || *got[0].Ref != "C3-601" {
		t.Errorf("C3-601: %v", resultIDs(got))
	}
}

func TestSearchByNameLeavesOutCorridorsAndShafts(t *testing.T) {
	v := loadCampus(t)
	for _, q := range []string{"corridor", "走廊", "stair", "stair a", "lift", "lift 1", "电梯", "driveway", "c3"} {
		for _, r := range v.View(Staff).Search(q, "en", 200) {
			if r.Kind == KindUnit && !IsDestination(r.Category) && (r.Ref == nil || !strings.HasPrefix(strings.ToLower(*r.Ref), strings.ToLower(q))) {
				t.Errorf("%q finds %v, a %s, by name", q, *r.Ref, r.Category)
			}
		}
	}
}

// inGroup reports whether every result is of a category of group (and
// there is at least one).
func checkAllIn(t *testing.T, what string, res []SearchResult, groups ...string) {
	t.Helper()
	if len(res) == 0 {
		t.Errorf("%s finds nothing", what)
		return
	}
	for _, r := range res {
		ok := false
		for _, g := range groups {
			ok = ok || InCategory(r.Category, g)
		}
		if !ok {
			t.Errorf("%s finds %s %q, a %s", what, r.ID, r.Name, r.Category)
			return
		}
	}
}

func TestSearchFindsWhatPeopleMean(t *testing.T) {
	v := loadCampus(t)
	w := v.View(Student)
	cases := []struct {
		q     string
		group []string
	}{
		{"printer", []string{"copymachine"}},
		{"打印", []string{"copymachine"}},
		{"打印机", []string{"copymachine"}},
		{"copier", []string{"copymachine"}},
		{"AED", []string{"defibrillator"}},
		{"除颤", []string{"defibrillator"}},
		{"toilet", []string{"restroom"}},
		{"restroom", []string{"restroom"}},
		{"washroom", []string{"restroom"}},
		{"洗手间", []string{"restroom"}},
		{"厕所", []string{"restroom"}},
		{"卫生间", []string{"restroom"}},
		{"gents", []string{"restroom.male"}},
		{"first aid", []string{"firstaid"}},
		{"急救", []string{"firstaid"}},
		{"water", []string{"drinkingfountain"}},
		{"饮水", []string{"drinkingfountain"}},
		{"vending", []string{"vendingmachine"}},
		{"ATM", []string{"atm"}},
		{"gym", []string{"fitnessroom"}},
		{"lab", []string{"laboratory"}},
		{"meeting", []string{"conferenceroom"}},
		{"会议室", []string{"conferenceroom"}},
		{"研讨室", []string{"huddleroom"}},
	}
	for _, c := range cases {
		checkAllIn(t, c.q, w.Search(c.q, "en", 200), c.group...)
	}
	// "restroom" covers every kind: men's and women's both.
	kinds := map[string]bool{}
	for _, r := range w.Search("restroom", "en", 200) {
		kinds[r.Category] = true
	}
	if !kinds["restroom.male"] || !kinds["restroom.female"] {
		t.Errorf("restroom finds only %v", kinds)
	}
}

// A campus with a canteen and a library (the campus archive adds them
// later): the words people use find them, in both languages.
func TestSearchFindsCanteensAndTheLibrary(t *testing.T) {
	a := newTestArchive()
	a.add("building", "bldg-L", nil, map[string]any{"category": "unspecified", "name": labels("Library Building", "图书馆楼"), "alt_name": map[string]any{"en": "L"}})
	a.add("footprint", "fp-L", a.rect(0, 20, 20, 30), map[string]any{"category": "ground", "building_ids": []string{"bldg-L"}})
	a.add("level", "lvl-L0", a.rect(0, 20, 20, 30), map[string]any{"category": "unspecified", "outdoor": false, "ordinal": 0,
		"name": labels("L 1/F", "L 1楼"), "building_ids": []string{"bldg-L"}})
	a.add("unit", "u-L-101", a.rect(0, 20, 10, 30), map[string]any{"category": "foodservice", "level_id": "lvl-L0", "alt_name": map[string]any{"en": "L-101"}})
	a.add("unit", "u-L-102", a.rect(10, 20, 20, 30), map[string]any{"category": "library", "level_id": "lvl-L0", "alt_name": map[string]any{"en": "L-102"}})
	a.add("amenity", "cafe-L", a.point(5, 25), map[string]any{"category": "cafe", "unit_ids": []string{"u-L-101"}})
	w := a.load(t).View(Tourist)
	for _, q := range []string{"canteen", "cafeteria", "dining", "食堂", "饭堂", "餐厅"} {
		checkAllIn(t, q, w.Search(q, "en", 0), "foodservice", "foodcourt")
	}
	for _, q := range []string{"library", "图书馆", "自习室", "study"} {
		res := w.Search(q, "en", 0)
		if !slices.Contains(resultIDs(res), "u-L-102") {
			t.Errorf("%q does not find the library: %v", q, resultIDs(res))
		}
	}
	checkAllIn(t, "coffee", w.Search("coffee", "en", 0), "cafe")
	if r := w.Search("L-102", "zh", 1); len(r) != 1 || r[0].Name != "图书馆" {
		t.Errorf("an unnamed library is shown as %v", r)
	}
}

func TestEveryCampusCategoryHasWordsInBothLanguages(t *testing.T) {
	v := loadCampus(t)
	cats := map[string]bool{}
	for _, u := range v.Units {
		cats[u.Category] = true
	}
	for _, a := range v.Amenities {
		cats[a.Category] = true
	}
	for _, c := range []string{"foodservice", "foodcourt", "cafe", "library"} {
		cats[c] = true // what a campus adds
	}
	for c := range cats {
		en, zh := CategoryLabel(c, "en"), CategoryLabel(c, "zh")
		if en == c || en == "" {
			t.Errorf("%s has no English label", c)
		}
		if !strings.ContainsFunc(zh, isHan) {
			t.Errorf("%s has no Chinese label (%q)", c, zh)
		}
		var latin, han bool
		for _, text := range categoryTexts(c) {
			latin = latin || strings.ContainsFunc(text, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) })
			han = han || strings.ContainsFunc(text, isHan)
		}
		if !latin || !han {
			t.Errorf("%s: search words in English %v, in Chinese %v", c, latin, han)
		}
	}
}

func TestResultNamesBuildingFloorAndRoom(t *testing.T) {
	v := loadCampus(t)
	w := v.View(Staff)
	r := w.Search("C3-607", "en", 1)[0]
	if r.BuildingRef == nil || *r.BuildingRef != "C3" || r.Floor == nil || *r.Floor != "6/F" || r.In != nil {
		t.Errorf("C3-607: building_ref %v, floor %v, in %v", deref(r.BuildingRef), deref(r.Floor), deref(r.In))
	}
	if r := w.Search("C3-607", "zh", 1)[0]; *r.Floor != "6楼" {
		t.Errorf("C3-607 in Chinese: floor %q", *r.Floor)
	}
	var carPark *Unit
	for _, u := range v.Units {
		if u.Level.Ordinal == -1 {
			carPark = u
			break
		}
	}
	if r := w.Search(carPark.Ref, "en", 1)[0]; *r.BuildingRef != "CP" || *r.Floor != "B1" {
		t.Errorf("%s: building_ref %q, floor %q", carPark.Ref, *r.BuildingRef, *r.Floor)
	}
	if r := w.Search("C3", "en", 1)[0]; r.Kind != KindBuilding || *r.BuildingRef != "C3" || r.Floor != nil {
		t.Errorf("building C3: %+v", r)
	}
	if r := w.Search("G2", "en", 1)[0]; r.BuildingRef != nil || r.Floor != nil || r.In != nil {
		t.Errorf("gate G2 is outdoors: %+v", r)
	}
	// Printers of one name, up to three along one corridor, are told apart
	// by the room they are in and the room they are near.
	printers := w.Search("printer", "en", 200)
	told := map[string]string{}
	for _, p := range printers {
		if p.In == nil {
			t.Fatalf("printer %s names no room", p.ID)
		}
		f, _ := v.Feature(p.ID)
		a := f.(*Amenity)
		if *p.In != a.Units[0].Ref || !strings.HasPrefix(*p.In, *p.BuildingRef+"-") {
			t.Errorf("printer %s: in %s, building %s; its unit is %s", p.ID, *p.In, *p.BuildingRef, a.Units[0].Ref)
		}
		if IsDestination(a.Units[0].Category) != (p.Near == nil) {
			t.Errorf("printer %s in a %s: near %s", p.ID, a.Units[0].Category, deref(p.Near))
		}
		key := *p.In + " " + deref(p.Near)
		if other, dup := told[key]; dup {
			t.Errorf("printers %s and %s are both in %s near %s", other, p.ID, *p.In, deref(p.Near))
		}
		told[key] = p.ID
		if p.Near != nil {
			checkNearest(t, v, a, *p.Near)
		}
	}
	if len(printers) < 100 {
		t.Errorf("%d printers", len(printers))
	}
}

// checkNearest checks that room ref is on a's level and that no room of
// that level is nearer a.
func checkNearest(t *testing.T, v *Venue, a *Amenity, ref string) {
	t.Helper()
	p := a.Local.(orb.Point)
	dist := func(u *Unit) float64 {
		if Contains(u.Local, p) {
			return 0
		}
		return outerDistance(u.Local, p)
	}
	var near *Unit
	for _, u := range a.Level.Units {
		if u.Ref == ref {
			near = u
		}
	}
	if near == nil {
		t.Fatalf("amenity %s: near %s is not on its level", a.ID, ref)
	}
	for _, u := range a.Level.Units {
		if IsDestination(u.Category) && dist(u) < dist(near)-1e-9 {
			t.Errorf("amenity %s: near %s (%.1f m), but %s is %.1f m away", a.ID, ref, dist(near), u.Ref, dist(u))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// A room the viewer may not see is not named as where an amenity is.
func TestResultHidesTheRoomOfAnAmenityInAHiddenRoom(t *testing.T) {
	a := newTestArchive()
	a.add("amenity", "printer-A-104", a.point(17, 6), map[string]any{"category": "copymachine", "unit_ids": []string{"u-A-104"}})
	v := a.load(t)
	if r, ok := v.View(Staff).Result("printer-A-104", "en"); !ok || r.In == nil || *r.In != "A-104" {
		t.Errorf("staff: %+v %v", r, ok)
	}
	if r, ok := v.View(Tourist).Result("printer-A-104", "en"); ok && r.In != nil {
		t.Errorf("a tourist is told the employees-only room %s", *r.In)
	}
}

func TestNamed(t *testing.T) {
	v := loadCampus(t)
	w := v.View(Tourist)
	if got, byRef := w.Named("  c3-607 ", "en"); !byRef || len(got) != 1 || *got[0].Ref != "C3-607" {
		t.Errorf("C3-607: %v %v", resultIDs(got), byRef)
	}
	// Meeting Room 9: one in each building, four the public may see.
	got, byRef := w.Named("meeting  room 9", "en")
	if byRef || len(got) != 4 {
		t.Fatalf("Meeting Room 9 as a tourist: %d places", len(got))
	}
	for _, r := range got {
		if r.Name != "Meeting Room 9" || !slices.Contains([]string{"C3", "C4", "C5", "C6"}, *r.BuildingRef) {
			t.Errorf("Meeting Room 9: %s %q in %s", *r.Ref, r.Name, *r.BuildingRef)
		}
	}
	if zh, _ := w.Named("9号会议室", "zh"); len(zh) != 4 || zh[0].Name != "9号会议室" {
		t.Errorf("9号会议室: %d places", len(zh))
	}
	// A room without a name answers to its kind.
	if offices, _ := w.Named("Office", "en"); len(offices) < 100 || offices[0].Category != "office" {
		t.Errorf("Office: %d places", len(offices))
	}
	if none, _ := w.Named("Meeting Room", "en"); len(none) != 0 {
		t.Errorf("Meeting Room is no name: %v", resultIDs(none))
	}
}

func refsOf(rs []SearchResult) []string {
	return ids(rs, func(r SearchResult) string {
		if r.Ref == nil {
			return r.Name
		}
		return *r.Ref
	})
}

func TestCloseMatchesAreClose(t *testing.T) {
	v := loadCampus(t)
	w := v.View(Tourist)
	if got := w.CloseMatches("C3-6O7", "en", 5); len(got) == 0 || *got[0].Ref != "C3-607" {
		t.Errorf("C3-6O7 (a letter O): %v", refsOf(got))
	}
	if got := w.CloseMatches("C3 607", "en", 5); len(got) == 0 || *got[0].Ref != "C3-607" {
		t.Errorf("C3 607: %v", refsOf(got))
	}
	got := w.CloseMatches("Metting Room", "en", 5)
	if len(got) != 5 {
		t.Errorf("Metting Room: %v", refsOf(got))
	}
	for _, r := range got {
		if !strings.HasPrefix(r.Name, "Meeting Room") {
			t.Errorf("Metting Room suggests %s %q", *r.Ref, r.Name)
		}
	}
	// No building C9: nothing shares more than a letter and a room number.
	if got := w.CloseMatches("C9-101", "en", 5); len(got) != 0 {
		t.Errorf("C9-101: %v", refsOf(got))
	}
	// No room 99 on C3 6/F: the rooms of that floor.
	got = w.CloseMatches("C3-699", "en", 5)
	if len(got) == 0 {
		t.Error("C3-699: nothing")
	}
	for _, r := range got {
		if !strings.HasPrefix(*r.Ref, "C3-6") || !IsDestination(r.Category) {
			t.Errorf("C3-699 suggests %s, a %s", *r.Ref, r.Category)
		}
	}
	// A number that matches nothing is left out; the words still count.
	for _, r := range w.CloseMatches("Metting Room 99", "en", 5) {
		if !strings.HasPrefix(r.Name, "Meeting Room") {
			t.Errorf("Metting Room 99 suggests %q", r.Name)
		}
	}
	// In Chinese: one character off in a three-character word.
	got = w.CloseMatches("9号会义室", "zh", 5)
	if len(got) == 0 || got[0].Name != "9号会议室" {
		t.Errorf("9号会义室: %v", ids(got, func(r SearchResult) string { return r.Name }))
	}
	// One shared letter or digit is no match.
	for _, q := range []string{"C", "9", "x9", "607", "Q3-607", "zz-6O7"} {
		if got := w.CloseMatches(q, "en", 5); len(got) != 0 {
			t.Errorf("%q: %v", q, refsOf(got))
		}
	}
	// Nothing hidden is suggested: a dormitory room, or C1 to a tourist.
	for _, q := range []string{"D1-1O1", "C1-1O1", "D1-199"} {
		if got := w.CloseMatches(q, "en", 5); len(got) != 0 {
			t.Errorf("%q suggests %v to a tourist", q, refsOf(got))
		}
	}
	if got := v.View(Staff).CloseMatches("C1-1O1", "en", 5); len(got) == 0 || *got[0].Ref != "C1-101" {
		t.Errorf("C1-1O1 as staff: %v", refsOf(got))
	}
}

func TestSlips(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"meeting", "metting", 1}, {"meeting", "meeting", 0}, {"607", "6o7", 1}, {"lab", "lba", 1},
		{"printer", "pritner", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}, {"会议室", "会义室", 1},
	}
	for _, c := range cases {
		if got := slips([]rune(c.a), []rune(c.b), 5); got != c.want {
			t.Errorf("slips(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if got := slips([]rune("abcdef"), []rune("uvwxyz"), 2); got != 3 {
		t.Errorf("slips beyond max: %d, want max+1", got)
	}
}

func TestAmenityCategories(t *testing.T) {
	cases := []struct {
		word string
		want []string
	}{
		{"printer", []string{"copymachine"}},
		{"Printer", []string{"copymachine"}},
		{"打印机", []string{"copymachine"}},
		{"toilet", []string{"restroom"}},
		{"aed", []string{"defibrillator"}},
		{"canteen", []string{"foodcourt"}},
		{"nothing-like-it", nil},
	}
	for _, c := range cases {
		if got := AmenityCategoriesNamed(c.word); !slices.Equal(got, c.want) {
			t.Errorf("AmenityCategoriesNamed(%q) = %v, want %v", c.word, got, c.want)
		}
	}
	for _, c := range []struct {
		c, group string
		in       bool
	}{{"restroom.male", "restroom", true}, {"restroom", "restroom", true}, {"restroomx", "restroom", false}, {"restroom", "restroom.male", false}, {"parking.ev", "parking", true}} {
		if InCategory(c.c, c.group) != c.in {
			t.Errorf("InCategory(%q, %q) = %v", c.c, c.group, !c.in)
		}
	}
	if !IsAmenityCategoryGroup("restroom") || !IsAmenityCategoryGroup("checkin") || IsAmenityCategoryGroup("printer") || IsAmenityCategoryGroup("check") {
		t.Error("IsAmenityCategoryGroup")
	}
}
