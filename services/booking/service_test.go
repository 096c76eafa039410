package booking_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/sqlite"
)

var (
	venueOnce sync.Once
	venue     *geo.Venue
	graph     *routing.Graph
	venueErr  error
)

func campus(t testing.TB) (*geo.Venue, *routing.Graph) {
	t.Helper()
	venueOnce.Do(func() {
		venue, venueErr = geo.Load("../../data/floorplans/hkust-gz")
		if venueErr == nil {
			graph = routing.Build(venue)
		}
	})
	if venueErr != nil {
		t.Fatal(venueErr)
	}
	return venue, graph
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// at is a time on 1 December 2026 (a Tuesday), Shanghai.
func at(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, shanghai) }

// testRules: meeting rooms for staff and students 08:00-22:00 in half
// hours; classrooms approved by the desk and locked on 3 December;
// courts by the hour with rules to accept, cancelled 2 h ahead.
const testRules = `{"version": 1, "kinds": [
 {"type": "meeting", "name": {"en": "Meeting room", "zh-Hans": "会议室"}, "units": {"categories": ["conferenceroom"]},
  "hours": [{"from": "08:00", "to": "22:00"}], "slot_min": 30, "ahead_days": 14, "longest_min": 240, "checkin": true},
 {"type": "classroom", "name": {"en": "Classroom", "zh-Hans": "教室"}, "units": {"categories": ["classroom"]}, "approver": "desk",
  "locked": [{"from": "2026-12-03T00:00:00+08:00", "to": "2026-12-04T00:00:00+08:00", "reason": {"en": "Exams", "zh-Hans": "考试"}}]},
 {"type": "court", "name": {"en": "Court", "zh-Hans": "场地"}, "units": {"categories": ["fieldofplay"]}, "roles": ["staff", "student", "family"],
  "hours": [{"from": "07:00", "to": "22:00"}], "slot_min": 60, "ahead_days": 7, "longest_min": 120, "accept_rules": true,
  "rules": {"en": "Sports shoes only.", "zh-Hans": "请穿运动鞋。"}, "cancel_before_min": 120, "checkin": true},
 {"type": "counselling", "name": {"en": "Counselling room", "zh-Hans": "心理咨询室"}, "units": {"refs": ["E-542"]}, "roles": []}]}`

type fixture struct {
	svc                  *booking.Service
	db                   *sqlite.DB
	now                  time.Time
	staff, student, desk auth.User
	family               auth.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	v, g := campus(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, now: at(9, 5)}
	svc, err := booking.New(v, db, booking.Options{Graph: g, Now: func() time.Time { return f.now }, Rules: []byte(testRules)})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	ctx := context.Background()
	mk := func(email string, r auth.Role) auth.User {
		u, err := db.CreateUser(ctx, auth.User{Email: email, Role: r, Created: f.now}, "x")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.staff, f.student, f.desk, f.family = mk("staff@example.edu", auth.Staff), mk("student@example.edu", auth.Student),
		mk("desk@example.edu", auth.Staff), mk("family@example.edu", auth.Family)
	f.desk.Duties = auth.DutySetOf(string(auth.Desk))
	return f
}

// first is the first space of a type.
func (f *fixture) first(t *testing.T, typ string) *booking.Space {
	for _, sp := range f.svc.Catalogue().Spaces() {
		if sp.Kind.Type == typ {
			return sp
		}
	}
	t.Fatalf("no space of type %s", typ)
	return nil
}

func ruleOf(err error) string {
	var e *booking.Error
	if errors.As(err, &e) && errors.Is(err, booking.ErrRule) {
		return e.Code
	}
	return ""
}

func TestBookByTheRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	room := f.first(t, "meeting")
	req := func(h0, m0, h1, m1 int) booking.Request {
		return booking.Request{Space: room.ID, Start: at(h0, m0), End: at(h1, m1), Title: "review"}
	}
	b, err := f.svc.Book(ctx, f.student, req(10, 0, 11, 0))
	if err != nil || b.Status != booking.Confirmed || b.CheckinBy == nil || !b.CheckinBy.Equal(at(10, 15)) {
		t.Fatalf("book: %+v, %v", b, err)
	}
	for _, c := range []struct {
		name string
		u    auth.User
		r    booking.Request
		rule string
	}{
		{"off the slots", f.staff, req(12, 10, 13, 0), "slot_min"},
		{"too long", f.staff, req(12, 0, 16, 30), "longest_min"},
		{"past", f.staff, req(8, 0, 8, 30), "past"},
		{"after hours", f.staff, req(21, 30, 22, 30), "hours"},
		{"family", f.family, req(12, 0, 13, 0), "roles"},
		{"too far ahead", f.staff, booking.Request{Space: room.ID, Start: at(10, 0).AddDate(0, 0, 15), End: at(11, 0).AddDate(0, 0, 15)}, "ahead_days"},
	} {
		if _, err := f.svc.Book(ctx, c.u, c.r); ruleOf(err) != c.rule {
			t.Errorf("%s: %v, want rule %s", c.name, err, c.rule)
		}
	}
	// The current slot may be booked: 09:00 at 09:05.
	if _, err := f.svc.Book(ctx, f.staff, req(9, 0, 9, 30)); err != nil {
		t.Errorf("the current slot: %v", err)
	}
	// Overlap names the booking in the way; back to back is fine.
	_, err = f.svc.Book(ctx, f.staff, req(10, 30, 11, 30))
	var ce *booking.ConflictError
	if !errors.As(err, &ce) || !ce.Start.Equal(at(10, 0)) || !ce.End.Equal(at(11, 0)) {
		t.Errorf("overlap: %v", err)
	}
	if _, err := f.svc.Book(ctx, f.staff, req(11, 0, 12, 0)); err != nil {
		t.Errorf("back to back: %v", err)
	}
	// A room the asker may not see is no space at all.
	if _, err := f.svc.Book(ctx, f.staff, booking.Request{Space: "nowhere", Start: at(12, 0), End: at(13, 0)}); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("unknown space: %v", err)
	}

	// Classrooms are pending until the desk decides; locked on exam day.
	class := f.first(t, "classroom")
	p, err := f.svc.Book(ctx, f.student, booking.Request{Space: class.ID, Start: at(14, 0), End: at(15, 0)})
	if err != nil || p.Status != booking.Pending {
		t.Fatalf("classroom: %+v %v", p, err)
	}
	if _, err := f.svc.Book(ctx, f.staff, booking.Request{Space: class.ID, Start: at(14, 0).AddDate(0, 0, 2), End: at(15, 0).AddDate(0, 0, 2)}); ruleOf(err) != "locked" {
		t.Errorf("exam day: %v", err)
	}
	if _, err := f.svc.Decide(ctx, f.staff, p.ID, true); !errors.Is(err, booking.ErrForbidden) {
		t.Errorf("staff without the desk duty approved: %v", err)
	}
	if pend, err := f.svc.Pending(ctx, f.desk); err != nil || len(pend) != 1 || pend[0].ID != p.ID {
		t.Errorf("desk's queue: %+v %v", pend, err)
	}
	if d, err := f.svc.Decide(ctx, f.desk, p.ID, true); err != nil || d.Status != booking.Confirmed {
		t.Errorf("desk approves: %+v %v", d, err)
	}

	// Courts: rules accepted, cancelled at least 2 h before.
	court := f.first(t, "court")
	if _, err := f.svc.Book(ctx, f.family, booking.Request{Space: court.ID, Start: at(10, 0), End: at(11, 0)}); ruleOf(err) != "accept_rules" {
		t.Errorf("without accepting the rules: %v", err)
	}
	cb, err := f.svc.Book(ctx, f.family, booking.Request{Space: court.ID, Start: at(10, 0), End: at(11, 0), AcceptRules: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Cancel(ctx, f.family, cb.ID); ruleOf(err) != "cancel_before_min" {
		t.Errorf("late cancel: %v", err)
	}
	if _, err := f.svc.Cancel(ctx, f.student, cb.ID); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("another's cancel: %v", err)
	}

	// Moves keep the rules and carry the check-in deadline along.
	m, err := f.svc.Move(ctx, f.student, b.ID, at(15, 0), at(16, 0))
	if err != nil || m.CheckinBy == nil || !m.CheckinBy.Equal(at(15, 15)) {
		t.Errorf("move: %+v %v", m, err)
	}
	if _, err := f.svc.Move(ctx, f.student, b.ID, at(15, 0), at(15, 45)); ruleOf(err) != "slot_min" {
		t.Errorf("move off the slots: %v", err)
	}
	if c, err := f.svc.Cancel(ctx, f.student, b.ID); err != nil || c.Status != booking.Cancelled {
		t.Errorf("cancel: %+v %v", c, err)
	}
}

func TestTimeline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	room := f.first(t, "meeting")
	if _, err := f.svc.Book(ctx, f.staff, booking.Request{Space: room.ID, Start: at(13, 0), End: at(14, 30)}); err != nil {
		t.Fatal(err)
	}
	items, _, err := f.svc.Spaces(ctx, geo.Student, booking.Query{Start: at(13, 30), End: at(14, 0), Q: room.Ref, Type: "meeting"})
	if err != nil || len(items) != 1 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	it := items[0]
	if it.Available {
		t.Error("an occupied room is available")
	}
	tl := it.Timeline
	if !tl[0].Start.Equal(at(0, 0)) || !tl[len(tl)-1].End.Equal(at(0, 0).AddDate(0, 0, 1)) {
		t.Fatalf("the timeline does not cover the day: %+v", tl)
	}
	for i := 1; i < len(tl); i++ {
		if !tl[i].Start.Equal(tl[i-1].End) || tl[i].State == tl[i-1].State {
			t.Fatalf("gap or repeat at %d: %+v", i, tl)
		}
	}
	want := []booking.Segment{
		{Start: at(0, 0), End: at(9, 0), State: booking.StateNotBookable}, // before the current slot
		{Start: at(9, 0), End: at(13, 0), State: booking.StateAvailable},
		{Start: at(13, 0), End: at(14, 30), State: booking.StateOccupied},
		{Start: at(14, 30), End: at(22, 0), State: booking.StateAvailable},
		{Start: at(22, 0), End: at(0, 0).AddDate(0, 0, 1), State: booking.StateNotBookable},
	}
	if len(tl) != len(want) {
		t.Fatalf("timeline %+v, want %+v", tl, want)
	}
	for i := range want {
		if !tl[i].Start.Equal(want[i].Start) || !tl[i].End.Equal(want[i].End) || tl[i].State != want[i].State {
			t.Errorf("segment %d: %+v, want %+v", i, tl[i], want[i])
		}
	}
	// Family may not book meeting rooms: all of it not bookable but the
	// booking, which shows as occupied to anyone.
	items, _, _ = f.svc.Spaces(ctx, geo.Family, booking.Query{Start: at(13, 30), Q: room.Ref, Type: "meeting"})
	if len(items) == 1 {
		states := map[string]bool{}
		for _, s := range items[0].Timeline {
			states[s.State] = true
		}
		if states[booking.StateAvailable] || !states[booking.StateOccupied] {
			t.Errorf("family's timeline: %+v", items[0].Timeline)
		}
	}
	// Exam day: classrooms locked all day.
	items, _, _ = f.svc.Spaces(ctx, geo.Staff, booking.Query{Start: at(10, 0).AddDate(0, 0, 2), Type: "classroom", Limit: 1})
	if len(items) != 1 || len(items[0].Timeline) != 1 || items[0].Timeline[0].State != booking.StateLocked {
		t.Errorf("exam day: %+v", items)
	}
}

func TestNearestFreeRoom(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v, _ := campus(t)
	// Stand in the first meeting room of C3 and ask for the nearest free
	// one for 6, now.
	var here *booking.Space
	for _, sp := range f.svc.Catalogue().Spaces() {
		if sp.Kind.Type == "meeting" && strings.HasPrefix(sp.Ref, "C3-") && sp.Capacity >= 6 {
			here = sp
			break
		}
	}
	pos := geo.Position{Lon: here.Unit.Display[0], Lat: here.Unit.Display[1], Ordinal: here.Unit.Level.Ordinal}
	q := booking.Query{Type: "meeting", Capacity: 6, Near: &pos, Available: true, Limit: 5}
	items, _, err := f.svc.Spaces(ctx, geo.Staff, q)
	if err != nil || len(items) == 0 {
		t.Fatalf("%v, %v", items, err)
	}
	if items[0].ID != here.ID || items[0].WalkS == nil || *items[0].WalkS != 0 {
		t.Errorf("the nearest is not the room we stand in: %+v", items[0])
	} else {
		t.Logf("walk from the room to itself: %v s; to the next: %v s", *items[0].WalkS, *items[1].WalkS)
	}
	// Where it is and how it is booked, for the map page: its room, point
	// and level to fly and route to, its slots and check-in.
	if it := items[0]; it.Unit != here.Unit.ID || it.Lon != here.Unit.Display[0] || it.Lat != here.Unit.Display[1] ||
		it.Level != here.Unit.Level.ID || it.Ordinal != here.Unit.Level.Ordinal || it.SlotMin != 30 || it.LongestMin != 240 || !it.Checkin {
		t.Errorf("where and how: %+v", it)
	}
	for i := 1; i < len(items); i++ {
		if items[i].WalkS == nil || *items[i].WalkS < *items[i-1].WalkS || items[i].Capacity < 6 || !items[i].Available {
			t.Errorf("item %d out of order or not fit: %+v", i, items[i])
		}
	}
	// Book it: it is no longer the answer.
	if _, err := f.svc.Book(ctx, f.staff, booking.Request{Space: here.ID, Start: at(9, 0), End: at(10, 0)}); err != nil {
		t.Fatal(err)
	}
	items, _, _ = f.svc.Spaces(ctx, geo.Staff, q)
	if len(items) == 0 || items[0].ID == here.ID {
		t.Errorf("a booked room is still the nearest free one")
	}
	// At a later time it is free again, and the nearest.
	later := q
	later.Start, later.End = at(13, 0), at(14, 0)
	items, _, _ = f.svc.Spaces(ctx, geo.Staff, later)
	if len(items) == 0 || items[0].ID != here.ID || !items[0].Available {
		t.Errorf("free again at 13:00, it is not the nearest free room: %+v", items)
	}
	_ = v
}

func TestCheckInAndNoShows(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	room := f.first(t, "meeting")
	var ids []int64
	for d := range 4 {
		b, err := f.svc.Book(ctx, f.student, booking.Request{Space: room.ID, Start: at(10, 0).AddDate(0, 0, d), End: at(11, 0).AddDate(0, 0, d)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	// Too early, then in the window with a scan-derived fix in the room.
	if _, err := f.svc.CheckIn(ctx, f.student, ids[0], nil); ruleOf(err) != "checkin_window" {
		t.Errorf("early check-in: %v", err)
	}
	f.now = at(9, 55)
	u := room.Unit
	fix := &booking.Fix{Unit: u.ID, At: geo.Position{Lon: u.Display[0], Lat: u.Display[1], Ordinal: u.Level.Ordinal}, AccuracyM: 2}
	b, err := f.svc.CheckIn(ctx, f.student, ids[0], fix)
	if err != nil || b.CheckedIn == nil || b.Scan != booking.ScanAgreed {
		t.Fatalf("check-in: %+v %v", b, err)
	}
	if _, err := f.svc.CheckIn(ctx, f.student, ids[0], nil); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("second check-in: %v", err)
	}
	// Nobody checks into the next three: each is released at 10:15 and
	// counts; the third suspends booking for 7 days.
	for d := 1; d <= 3; d++ {
		f.now = at(10, 14).AddDate(0, 0, d)
		if rel, _ := f.svc.ReleaseNoShows(ctx, 100); len(rel) != 0 {
			t.Errorf("day %d: released before the window closed: %+v", d, rel)
		}
		f.now = at(10, 15).AddDate(0, 0, d)
		rel, err := f.svc.ReleaseNoShows(ctx, 100)
		if err != nil || len(rel) != 1 || rel[0].ID != ids[d] || rel[0].Status != booking.Released {
			t.Errorf("day %d: released %+v, %v", d, rel, err)
		}
	}
	a, err := f.svc.AttendanceOf(ctx, f.student.ID)
	if err != nil || len(a.NoShows) != 3 || !a.SuspendedUntil.Equal(at(10, 15).AddDate(0, 0, 10)) {
		t.Fatalf("attendance: %+v %v", a, err)
	}
	f.now = at(12, 0).AddDate(0, 0, 4)
	if _, err := f.svc.Book(ctx, f.student, booking.Request{Space: room.ID, Start: at(13, 0).AddDate(0, 0, 4), End: at(14, 0).AddDate(0, 0, 4)}); ruleOf(err) != "suspended" {
		t.Errorf("suspended student booked: %v", err)
	}
	f.now = at(10, 16).AddDate(0, 0, 10)
	if _, err := f.svc.Book(ctx, f.student, booking.Request{Space: room.ID, Start: at(13, 0).AddDate(0, 0, 10), End: at(14, 0).AddDate(0, 0, 10)}); err != nil {
		t.Errorf("after the suspension: %v", err)
	}
}

func TestRulesErrors(t *testing.T) {
	v, _ := campus(t)
	for _, c := range []struct{ rules, where string }{
		{`{"version": 2}`, "version"},
		{`{"version": 1, "time_zone": "Mars/Olympus"}`, "time_zone"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "units": {"categories": ["classroom"]}, "slot_min": 7}]}`, "kinds[0] (a).slot_min"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "units": {"categories": ["classroom"]}, "longest_min": 45}]}`, "kinds[0] (a).longest_min"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "units": {"refs": ["C9-999"]}}]}`, "kinds[0] (a).units.refs[0]"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "units": {"buildings": ["Z"]}}]}`, "kinds[0] (a).units.buildings[0]"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "units": {}}]}`, "kinds[0] (a).units"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "roles": ["dean"]}]}`, "kinds[0] (a).roles[0]"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "hours": [{"from": "08:15", "to": "22:00"}]}]}`, "kinds[0] (a).hours[0]"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "approver": "janitor"}]}`, "kinds[0] (a).approver"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "accept_rules": true}]}`, "kinds[0] (a).rules"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "locked": [{"from": "2027-01-02T00:00:00Z", "to": "2027-01-01T00:00:00Z"}]}]}`, "kinds[0] (a).locked[0].to"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}}, {"type": "a", "name": {"en": "B"}}]}`, "kinds[1] (a).type"},
		{`{"version": 1, "kinds": [{"type": "a", "name": {"en": "A"}, "colour": "red"}]}`, "kinds[0]"},
		{`{"version": 1, "labs": [{"id": "NICE", "units": ["C9-999"]}]}`, "labs[0].units[0]"},
		{`{"version": 1, "kinds": [{"type": "e", "name": {"en": "E"}}], "labs": [{"id": "NICE", "units": ["C1-122"]}],
		  "equipment": [{"id": "x", "ref": "NICE-1", "name": {"en": "SEM"}, "type": "e", "lab": "NICE", "unit": "C1-118"}]}`, "equipment[0] (NICE-1).unit"},
		{`{"version": 1, "kinds": [{"type": "e", "name": {"en": "E"}}], "labs": [{"id": "NICE", "units": ["C1-122"]}],
		  "equipment": [{"id": "x", "ref": "NICE-1", "name": {"en": "SEM"}, "type": "f", "lab": "NICE", "unit": "C1-122"}]}`, "equipment[0] (NICE-1).type"},
		{"{\"version\": 1,\n \"kinds\": [}", ""},
	} {
		_, err := booking.ParseRules(v, []byte(c.rules))
		var re *booking.RulesError
		if !errors.As(err, &re) || re.Where != c.where {
			t.Errorf("%s: %v, want an error at %q", c.rules, err, c.where)
		}
	}
	// No booking.json: the defaults make the archive's meeting rooms,
	// classrooms, discussion rooms and courts bookable.
	cat, err := booking.ParseRules(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, sp := range cat.Spaces() {
		types[sp.Kind.Type]++
	}
	for _, k := range []string{"meeting", "classroom", "discussion", "court"} {
		if types[k] == 0 {
			t.Errorf("no %s by default: %v", k, types)
		}
	}
}
