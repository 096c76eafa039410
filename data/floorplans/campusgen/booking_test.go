package campusgen

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// bookingFile is booking.json as data/floorplans/FORMAT.md describes it;
// unknown fields are an error.
type bookingFile struct {
	Version  *int   `json:"version"`
	TimeZone string `json:"time_zone"`
	Kinds    []struct {
		Type  string            `json:"type"`
		Name  map[string]string `json:"name"`
		Units *struct {
			Categories []string `json:"categories"`
			Buildings  []string `json:"buildings"`
			Refs       []string `json:"refs"`
		} `json:"units"`
		Roles []string `json:"roles"`
		Hours []struct {
			Days []string `json:"days"`
			From string   `json:"from"`
			To   string   `json:"to"`
		} `json:"hours"`
		SlotMin         int               `json:"slot_min"`
		AheadDays       *int              `json:"ahead_days"`
		LongestMin      int               `json:"longest_min"`
		Approver        string            `json:"approver"`
		Checkin         bool              `json:"checkin"`
		CancelBeforeMin int               `json:"cancel_before_min"`
		AcceptRules     bool              `json:"accept_rules"`
		Rules           map[string]string `json:"rules"`
		LabMembers      bool              `json:"lab_members"`
		Locked          []struct {
			From   string            `json:"from"`
			To     string            `json:"to"`
			Reason map[string]string `json:"reason"`
		} `json:"locked"`
	} `json:"kinds"`
	Labs []struct {
		ID    string            `json:"id"`
		Name  map[string]string `json:"name"`
		Email string            `json:"email"`
		Units []string          `json:"units"`
	} `json:"labs"`
	Equipment []struct {
		ID       string            `json:"id"`
		Ref      string            `json:"ref"`
		Name     map[string]string `json:"name"`
		Type     string            `json:"type"`
		Lab      string            `json:"lab"`
		Unit     string            `json:"unit"`
		Capacity *int              `json:"capacity"`
	} `json:"equipment"`
}

// regexpWord is a kind's type: a lower-case word.
var regexpWord = regexp.MustCompile(`^[a-z][a-z_]*$`)

func readBooking(t *testing.T) bookingFile {
	t.Helper()
	var bf bookingFile
	dec := json.NewDecoder(bytes.NewReader(files(t)["booking.json"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bf); err != nil {
		t.Fatalf("booking.json: %v", err)
	}
	if dec.More() {
		t.Fatal("booking.json: more than one JSON value")
	}
	return bf
}

// bilingual reports whether a LABELS object has both languages.
func bilingual(l map[string]string) bool {
	return len(l) == 2 && l["en"] != "" && l["zh-Hans"] != ""
}

// unitsByRef returns the units of the generated archive by reference.
func unitsByRef(t *testing.T, a *parsed) map[string]*feature {
	t.Helper()
	out := map[string]*feature{}
	for _, u := range a.byType["unit"] {
		out[u.ref()] = u
	}
	return out
}

// TestBookingRooms: the rooms bookings need are in unit.geojson, named in
// both languages, with a capacity and an area: the library's study rooms
// in W, the labs' rooms, the counselling rooms, the sports hall's courts.
func TestBookingRooms(t *testing.T) {
	a := archive(t)
	units := unitsByRef(t, a)
	check := func(what, ref, category, building, en string) {
		t.Helper()
		u := units[ref]
		if u == nil {
			t.Errorf("%s %s: no such unit", what, ref)
			return
		}
		p := u.Properties
		if p.Category != category || buildingOf(a, u.level()) != building {
			t.Errorf("%s %s: a %s in %s, want a %s in %s", what, ref, p.Category, buildingOf(a, u.level()), category, building)
		}
		if !bilingual(p.Name) || !strings.HasPrefix(p.Name["en"], en) {
			t.Errorf("%s %s: named %v, want %q...", what, ref, p.Name, en)
		}
		if p.Capacity <= 0 || p.AreaM2 <= 0 {
			t.Errorf("%s %s: capacity %d, area_m2 %.1f", what, ref, p.Capacity, p.AreaM2)
		}
	}
	if len(studyRooms) < 2 || len(counsellingRooms) < 2 || len(counsellingRooms) > 4 {
		t.Errorf("%d study rooms, %d counselling rooms", len(studyRooms), len(counsellingRooms))
	}
	for _, s := range studyRooms {
		if s.ref == "W-103" || s.ref == libraryDesk {
			t.Errorf("study room %s is the library itself", s.ref)
		}
		check("study room", s.ref, "huddleroom", "W", "Study Room ")
		if zh := units[s.ref].Properties.Name["zh-Hans"]; !strings.HasPrefix(zh, "图书馆学习室") {
			t.Errorf("study room %s: %q", s.ref, zh)
		}
	}
	for _, c := range counsellingRooms {
		check("counselling room", c.ref, "office", "E", "Counselling Room ")
		if zh := units[c.ref].Properties.Name["zh-Hans"]; !strings.Contains(zh, "心理咨询室") {
			t.Errorf("counselling room %s: %q", c.ref, zh)
		}
	}
	for _, l := range labs {
		if len(l.rooms) < 2 || len(l.rooms) > 3 || len(l.equipment) < 6 || len(l.equipment) > 10 {
			t.Errorf("lab %s: %d rooms, %d pieces of equipment", l.id, len(l.rooms), len(l.equipment))
		}
		for _, r := range l.rooms {
			u := units[r.ref]
			if u == nil {
				t.Errorf("lab %s: no room %s", l.id, r.ref)
				continue
			}
			b := buildingOf(a, u.level())
			if !slices.Contains(teaching(), b) {
				t.Errorf("lab %s: room %s is in %s, not a teaching building", l.id, r.ref, b)
			}
			check("lab room", r.ref, "laboratory", b, l.id+" ")
		}
	}
	courts := 0
	for _, u := range a.byType["unit"] {
		if u.Properties.Category == "fieldofplay" {
			courts++
			check("court", u.ref(), "fieldofplay", "SH", "")
		}
	}
	if courts < 8 {
		t.Errorf("%d courts in the sports hall", courts)
	}
}

// TestBookingSchema checks booking.json against every rule of FORMAT.md.
func TestBookingSchema(t *testing.T) {
	a := archive(t)
	bf := readBooking(t)
	units := unitsByRef(t, a)
	if bf.Version == nil || *bf.Version != 1 || bf.TimeZone != "Asia/Shanghai" {
		t.Errorf("version %v, time_zone %q", bf.Version, bf.TimeZone)
	}
	if _, err := time.LoadLocation(bf.TimeZone); err != nil {
		t.Errorf("time_zone: %v", err)
	}
	buildings := map[string]bool{}
	for _, b := range a.byType["building"] {
		buildings[b.ref()] = true
		buildings[b.ID] = true
	}
	categories := map[string]bool{}
	for _, u := range a.byType["unit"] {
		categories[u.Properties.Category] = true
	}
	roles := []string{"staff", "student", "family", "visitor", "tourist"}
	duties := []string{"desk", "security", "lab", "counsellor", "sports", "finance"}
	days := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	types := map[string]bool{}
	unitless := map[string]bool{}
	for i, k := range bf.Kinds {
		if !regexpWord.MatchString(k.Type) || types[k.Type] {
			t.Errorf("kinds[%d]: type %q empty, not a word or used twice", i, k.Type)
		}
		types[k.Type] = true
		if !bilingual(k.Name) {
			t.Errorf("kind %s: name %v", k.Type, k.Name)
		}
		if k.Units == nil {
			unitless[k.Type] = true
		} else {
			u := k.Units
			if u.Categories == nil && u.Buildings == nil && u.Refs == nil {
				t.Errorf("kind %s: units selects every unit", k.Type)
			}
			for _, c := range u.Categories {
				if !categories[c] {
					t.Errorf("kind %s: no unit has category %q", k.Type, c)
				}
			}
			for _, b := range u.Buildings {
				if !buildings[b] {
					t.Errorf("kind %s: building %q is not in building.geojson", k.Type, b)
				}
			}
			for _, r := range u.Refs {
				if units[r] == nil {
					t.Errorf("kind %s: unit %q is not in unit.geojson", k.Type, r)
				}
			}
		}
		if k.Roles == nil {
			t.Errorf("kind %s: roles missing", k.Type)
		}
		for _, r := range k.Roles {
			if !slices.Contains(roles, r) {
				t.Errorf("kind %s: role %q", k.Type, r)
			}
		}
		for _, h := range k.Hours {
			for _, d := range h.Days {
				if !slices.Contains(days, d) {
					t.Errorf("kind %s: day %q", k.Type, d)
				}
			}
			if len(h.Days) == 0 || !hhmm.MatchString(h.From) || !(hhmm.MatchString(h.To) || h.To == "24:00") || h.From >= h.To {
				t.Errorf("kind %s: hours %+v", k.Type, h)
			}
		}
		if k.SlotMin <= 0 || 1440%k.SlotMin != 0 {
			t.Errorf("kind %s: slot_min %d does not divide 1440", k.Type, k.SlotMin)
		}
		if k.LongestMin <= 0 || k.SlotMin <= 0 || k.LongestMin%k.SlotMin != 0 {
			t.Errorf("kind %s: longest_min %d is not a multiple of slot_min %d", k.Type, k.LongestMin, k.SlotMin)
		}
		if k.AheadDays == nil || *k.AheadDays < 0 {
			t.Errorf("kind %s: ahead_days %v", k.Type, k.AheadDays)
		}
		if k.CancelBeforeMin < 0 {
			t.Errorf("kind %s: cancel_before_min %d", k.Type, k.CancelBeforeMin)
		}
		if k.Approver != "" && !slices.Contains(duties, k.Approver) {
			t.Errorf("kind %s: approver %q is not a duty", k.Type, k.Approver)
		}
		if k.AcceptRules && !bilingual(k.Rules) {
			t.Errorf("kind %s: accept_rules without rules in both languages: %v", k.Type, k.Rules)
		}
		if k.Rules != nil && !bilingual(k.Rules) {
			t.Errorf("kind %s: rules %v", k.Type, k.Rules)
		}
		for _, l := range k.Locked {
			from, err1 := time.Parse(time.RFC3339, l.From)
			to, err2 := time.Parse(time.RFC3339, l.To)
			if err1 != nil || err2 != nil || !from.Before(to) || !bilingual(l.Reason) {
				t.Errorf("kind %s: locked %+v", k.Type, l)
			}
		}
	}
	labUnits := map[string][]string{}
	for _, l := range bf.Labs {
		if l.ID == "" || labUnits[l.ID] != nil || !bilingual(l.Name) || !strings.HasSuffix(l.Email, "@hkust-gz.edu.cn") || len(l.Units) == 0 {
			t.Errorf("lab %+v", l)
		}
		for _, r := range l.Units {
			if units[r] == nil {
				t.Errorf("lab %s: unit %q is not in unit.geojson", l.ID, r)
			}
		}
		labUnits[l.ID] = l.Units
	}
	ids := map[string]bool{}
	for _, f := range a.byID {
		ids[f.ID] = true
	}
	refs := map[string]bool{}
	for _, e := range bf.Equipment {
		if _, err := uuid.Parse(e.ID); err != nil || ids[e.ID] {
			t.Errorf("equipment %s: id %q is not a UUID or not unique", e.Ref, e.ID)
		}
		ids[e.ID] = true
		if e.Ref == "" || refs[e.Ref] || units[e.Ref] != nil {
			t.Errorf("equipment %q: ref empty, used twice or a unit's", e.Ref)
		}
		refs[e.Ref] = true
		if e.ID != equipmentID(e.Ref) {
			t.Errorf("equipment %s: id %s is not the UUIDv5 of its ref", e.Ref, e.ID)
		}
		if !bilingual(e.Name) {
			t.Errorf("equipment %s: name %v", e.Ref, e.Name)
		}
		if !unitless[e.Type] {
			t.Errorf("equipment %s: type %q is not a kind without units", e.Ref, e.Type)
		}
		if lu, ok := labUnits[e.Lab]; !ok || !slices.Contains(lu, e.Unit) {
			t.Errorf("equipment %s: unit %s is not one of lab %q's units %v", e.Ref, e.Unit, e.Lab, lu)
		}
		if e.Capacity != nil && *e.Capacity <= 0 {
			t.Errorf("equipment %s: capacity %d", e.Ref, *e.Capacity)
		}
	}
}

// kindOf returns the type of the first kind that selects unit u, or "".
func kindOf(a *parsed, bf bookingFile, u *feature) string {
	for _, k := range bf.Kinds {
		s := k.Units
		if s == nil {
			continue
		}
		if s.Categories != nil && !slices.Contains(s.Categories, u.Properties.Category) {
			continue
		}
		if s.Buildings != nil && !slices.Contains(s.Buildings, buildingOf(a, u.level())) {
			continue
		}
		if s.Refs != nil && !slices.Contains(s.Refs, u.ref()) {
			continue
		}
		return k.Type
	}
	return ""
}

// TestBookingCoversTheCampus: every kind has spaces; every unit a kind
// selects has a capacity and an area; the study rooms are study rooms and
// not discussion rooms, the courts courts, the counselling rooms
// counselling rooms; no office, laboratory, restroom, canteen or library
// is bookable.
func TestBookingCoversTheCampus(t *testing.T) {
	a := archive(t)
	bf := readBooking(t)
	count := map[string]int{}
	for _, e := range bf.Equipment {
		count[e.Type]++
	}
	want := map[string]string{}
	for _, s := range studyRooms {
		want[s.ref] = "study"
	}
	for _, c := range counsellingRooms {
		want[c.ref] = "counselling"
	}
	for _, u := range a.byType["unit"] {
		p := u.Properties
		got := kindOf(a, bf, u)
		if got != "" {
			count[got]++
			if p.Capacity <= 0 || p.AreaM2 <= 0 {
				t.Errorf("%s %s (a %s space) has no capacity or area_m2", p.Category, u.ref(), got)
			}
		}
		w, ok := want[u.ref()]
		switch {
		case ok:
		case p.Category == "fieldofplay":
			w = "court"
		case p.Category == "conferenceroom":
			w = "meeting"
		case p.Category == "classroom":
			w = "classroom"
		case p.Category == "huddleroom":
			w = "discussion"
		}
		if got != w {
			t.Errorf("%s %s (%s) is a %q space, want %q", p.Category, u.ref(), p.Name["en"], got, w)
		}
	}
	for _, k := range bf.Kinds {
		if count[k.Type] == 0 {
			t.Errorf("kind %s has no space", k.Type)
		}
		if k.Units == nil && count[k.Type] == 0 {
			t.Errorf("kind %s has neither units nor equipment", k.Type)
		}
	}
	t.Logf("spaces per kind: %v", count)
}

// TestBookingRules: the rules of the kinds issue 15 names, as it names them.
func TestBookingRules(t *testing.T) {
	bf := readBooking(t)
	af := readAccess(t)
	type kind = struct {
		roles                                    []string
		hours                                    string
		slot, ahead, longest, cancel             int
		approver                                 string
		checkin, accept, labMembers, units, lock bool
	}
	hoursOf := func(i int) string {
		var parts []string
		for _, h := range bf.Kinds[i].Hours {
			parts = append(parts, strings.Join(h.Days, ",")+" "+h.From+"-"+h.To)
		}
		return strings.Join(parts, "; ")
	}
	got := map[string]kind{}
	order := []string{}
	for i, k := range bf.Kinds {
		order = append(order, k.Type)
		got[k.Type] = kind{k.Roles, hoursOf(i), k.SlotMin, *k.AheadDays, k.LongestMin, k.CancelBeforeMin, k.Approver,
			k.Checkin, k.AcceptRules, k.LabMembers, k.Units != nil, len(k.Locked) > 0}
	}
	for _, w := range []string{"meeting", "classroom", "discussion", "study", "court", "equipment", "counselling"} {
		if _, ok := got[w]; !ok {
			t.Errorf("no kind %s", w)
		}
	}
	if slices.Index(order, "study") > slices.Index(order, "discussion") {
		t.Errorf("kinds in order %v: study must come before discussion", order)
	}
	court := got["court"]
	if !slices.Equal(court.roles, []string{"staff", "student", "family"}) || court.hours != "mon,tue,wed,thu,fri,sat,sun 07:00-22:00" ||
		court.slot != 60 || court.longest != 120 || court.ahead != 7 || !court.accept || court.cancel != 120 || !court.checkin || !court.units {
		t.Errorf("court %+v", court)
	}
	eq := got["equipment"]
	if !slices.Equal(eq.roles, []string{"staff", "student"}) || !eq.labMembers || eq.checkin || eq.units ||
		!strings.HasSuffix(eq.hours, " 09:00-21:00") {
		t.Errorf("equipment %+v", eq)
	}
	if c := got["counselling"]; c.roles == nil || len(c.roles) != 0 || c.hours != "mon,tue,wed,thu,fri 09:00-17:30" {
		t.Errorf("counselling %+v", c)
	}
	if c := got["classroom"]; c.approver != "desk" || !c.lock {
		t.Errorf("classroom %+v", c)
	}
	// The classrooms are locked in both terms' final examinations.
	for _, k := range bf.Kinds {
		if k.Type != "classroom" {
			continue
		}
		var months []string
		for _, l := range k.Locked {
			months = append(months, l.From[:7])
		}
		if !slices.Contains(months, "2027-01") || !(slices.Contains(months, "2027-05") || slices.Contains(months, "2027-06")) {
			t.Errorf("classrooms locked from %v: want Jan 2027 and May/June 2027", months)
		}
	}
	// The study rooms keep the library's hours (access.json's Library rule).
	for _, r := range af.Rules {
		if r.Name != "Library" {
			continue
		}
		var parts []string
		for _, h := range r.Hours {
			parts = append(parts, strings.Join(h.Days, ",")+" "+h.From+"-"+h.To)
		}
		if s := strings.Join(parts, "; "); got["study"].hours != s {
			t.Errorf("study rooms open %q, the library %q", got["study"].hours, s)
		}
	}
	for _, k := range bf.Kinds {
		if k.Type == "court" && !strings.Contains(k.Rules["zh-Hans"], "入场须知") {
			t.Errorf("court rules %q: the hall's 入场须知", k.Rules["zh-Hans"])
		}
	}
	labs := map[string]string{}
	for _, l := range bf.Labs {
		labs[l.ID] = l.Email
	}
	if labs["NICE"] != "nice@hkust-gz.edu.cn" || labs["NFF"] != "nff@hkust-gz.edu.cn" || len(labs) != 2 {
		t.Errorf("labs %v", labs)
	}
}
