package web

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/store"
)

// counselAt is a time on day (2026-12-DD) at hh:mm in Shanghai, as the
// API takes it.
func counselAt(day, hh, mm int) time.Time {
	return time.Date(2026, 12, day, hh, mm, 0, 0, bookNow.Location())
}

func slotBody(room string, day, hh, mm, minutes int) string {
	start := counselAt(day, hh, mm)
	return fmt.Sprintf(`{"room": %q, "start": %q, "end": %q}`, room, start.Format(time.RFC3339), start.Add(time.Duration(minutes)*time.Minute).Format(time.RFC3339))
}

// roomID is the id of the space with reference ref.
func (s *labServer) roomID(t *testing.T, ref string) string {
	t.Helper()
	for _, sp := range s.bookings.Catalogue().Spaces() {
		if sp.Ref == ref {
			return sp.ID
		}
	}
	t.Fatalf("no space %s", ref)
	return ""
}

// occupied reports whether a space's answer (JSON) has [from, to)
// occupied on its timeline.
func occupied(answer string, from, to time.Time) bool {
	var a struct{ Timeline []booking.Segment }
	if json.Unmarshal([]byte(answer), &a) != nil {
		return false
	}
	for _, seg := range a.Timeline {
		if seg.State == booking.StateOccupied && seg.Start.Equal(from) && seg.End.Equal(to) {
			return true
		}
	}
	return false
}

type slotsPage struct {
	Items []booking.SlotView
	Next  *string
}

type appointmentsPage struct {
	Items []booking.AppointmentView
	Next  *string
}

func TestCounselling(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testCounselling(t, engine) })
	}
}

func testCounselling(t *testing.T, engine string) {
	s := newLabServer(t, engine)
	ctx := t.Context()
	wang := s.person(t, "wang.li@hkust-gz.edu.cn", auth.Staff, auth.Counsellor)
	zhao := s.person(t, "zhao@hkust-gz.edu.cn", auth.Staff, auth.Counsellor)
	ann := s.person(t, "ann@connect.hkust-gz.edu.cn", auth.Student)
	bo := s.person(t, "bo@connect.hkust-gz.edu.cn", auth.Student)
	cy := s.person(t, "cy@connect.hkust-gz.edu.cn", auth.Student)
	staff := s.person(t, "sam@hkust-gz.edu.cn", auth.Staff)
	labby := s.person(t, "labby@hkust-gz.edu.cn", auth.Staff, auth.Lab)
	vic := s.person(t, "vic@example.com", auth.Visitor)
	e542, e543 := s.roomID(t, "E-542"), s.roomID(t, "E-543")
	var meeting string
	for _, sp := range s.bookings.Catalogue().Spaces() {
		if sp.Kind.Type == "meeting" {
			meeting = sp.ID
			break
		}
	}

	// Publishing: counsellors only, in counselling rooms, by the rooms' rules.
	wed10 := slotBody(e542, 9, 10, 0, 60)
	code, b := s.do(t, staff, "POST", "/api/v1/counselling/slots", wed10)
	bookingProblem(t, "staff publish", 403, "", "duty", code, b)
	code, b = s.do(t, ann, "POST", "/api/v1/counselling/slots", wed10)
	bookingProblem(t, "a student publishes", 403, "", "duty", code, b)
	for _, c := range []struct {
		what, body   string
		status       int
		param, cause string
	}{
		{"a meeting room", slotBody(meeting, 9, 10, 0, 60), 400, "room", "room"},
		{"no such room", slotBody("nowhere", 9, 10, 0, 60), 400, "room", "room"},
		{"no room", `{"start": "2026-12-09T10:00:00+08:00", "end": "2026-12-09T11:00:00+08:00"}`, 400, "room", ""},
		{"a bad start", `{"room": "` + e542 + `", "start": "Wednesday 10:00", "end": "2026-12-09T11:00:00+08:00"}`, 400, "start", ""},
		{"no end", `{"room": "` + e542 + `", "start": "2026-12-09T10:00:00+08:00"}`, 400, "end", ""},
		{"the end first", slotBody(e542, 9, 10, 0, -30), 400, "end", "end"},
		{"after hours", slotBody(e542, 9, 17, 30, 30), 422, "start", "hours"},
		{"off the slots", slotBody(e542, 9, 10, 10, 30), 422, "start", "slot_min"},
		{"too long", slotBody(e542, 9, 10, 0, 90), 422, "end", "longest_min"},
		{"a Saturday", slotBody(e542, 12, 10, 0, 30), 422, "start", "hours"},
		{"too far ahead", slotBody(e542, 28, 10, 0, 30), 422, "start", "ahead_days"},
		{"the past", slotBody(e542, 4, 10, 0, 30), 422, "start", "past"},
	} {
		code, b := s.do(t, wang, "POST", "/api/v1/counselling/slots", c.body)
		bookingProblem(t, c.what, c.status, c.param, c.cause, code, b)
	}
	code, _, b = keyed(t, s.URL, wang, "slot-1", "POST", "/api/v1/counselling/slots", wed10)
	s1 := decode[booking.SlotView](t, "slot", b)
	if code != 201 || s1.ID == 0 || s1.Counsellor != "Wang Li" || s1.Room != e542 || s1.Status != "free" || !strings.HasPrefix(s1.Place, "E, ") ||
		!s1.Start.Equal(counselAt(9, 10, 0)) || !strings.Contains(string(b), "+08:00") {
		t.Fatalf("POST slot: %d %s", code, b)
	}
	if code, hdr, again := keyed(t, s.URL, wang, "slot-1", "POST", "/api/v1/counselling/slots", wed10); code != 201 || string(again) != string(b) || hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the slot's key again: %d %s", code, again)
	}
	code, b = s.do(t, zhao, "POST", "/api/v1/counselling/slots", slotBody(e542, 9, 10, 30, 30))
	if p := bookingProblem(t, "an overlapping slot", 409, "start", "booked", code, b); !strings.Contains(p.Detail, "2026-12-09T10:00:00+08:00") {
		t.Errorf("the conflict does not name the slot in the way: %q", p.Detail)
	}
	code, b = s.do(t, zhao, "POST", "/api/v1/counselling/slots", slotBody(e543, 9, 10, 0, 30))
	s2 := decode[booking.SlotView](t, "slot", b)
	if code != 201 || s2.Counsellor != "Zhao" {
		t.Fatalf("another room at the same time: %d %s", code, b)
	}

	// The room is occupied on its timeline, and that is all it says.
	timeline := func() string {
		t.Helper()
		as, _, err := s.bookings.Spaces(ctx, geo.Student, booking.Query{Start: counselAt(9, 10, 0), End: counselAt(9, 11, 0), Type: "counselling", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.ID == e542 {
				if a.Available {
					t.Errorf("E-542 is available while a slot holds it: %+v", a)
				}
				j, _ := json.Marshal(a)
				return string(j)
			}
		}
		t.Fatalf("E-542 is not among the counselling rooms: %+v", as)
		return ""
	}
	if tl := timeline(); !occupied(tl, counselAt(9, 10, 0), counselAt(9, 11, 0)) {
		t.Errorf("the room's timeline: %s", tl)
	}

	// Students see free future slots: when, where, with whom; nothing more.
	code, b = s.do(t, ann, "GET", "/api/v1/counselling/slots", "")
	free := decode[slotsPage](t, "slots", b)
	if code != 200 || len(free.Items) != 2 || free.Items[0].ID != s1.ID || free.Items[0].Counsellor != "Wang Li" || free.Items[0].Place == "" {
		t.Fatalf("free slots: %d %s", code, b)
	}
	for _, word := range []string{`"room"`, `"status"`, `"appointment"`, "@hkust-gz", e542} {
		if strings.Contains(string(b), word) {
			t.Errorf("a student's slots show %s: %s", word, b)
		}
	}
	code, b = s.do(t, ann, "GET", "/api/v1/counselling/slots?limit=1", "")
	if p := decode[slotsPage](t, "page", b); code != 200 || len(p.Items) != 1 || p.Next == nil {
		t.Errorf("a page of one: %d %s", code, b)
	} else if code, b = s.do(t, ann, "GET", "/api/v1/counselling/slots?limit=1&cursor="+*p.Next, ""); code != 200 ||
		decode[slotsPage](t, "page 2", b).Items[0].ID == p.Items[0].ID {
		t.Errorf("page 2: %d %s", code, b)
	}
	code, b = s.do(t, ann, "GET", "/api/v1/counselling/slots?from=2026-12-09T10:30:00%2B08:00&to=2026-12-10T00:00:00%2B08:00", "")
	if code != 200 || len(decode[slotsPage](t, "window", b).Items) != 0 {
		t.Errorf("slots from 10:30: %d %s", code, b)
	}
	for _, c := range []struct{ q, param string }{
		{"from=tomorrow", "from"}, {"to=2026-12-01T00:00:00%2B08:00", "to"}, {"to=2027-03-01T00:00:00%2B08:00", "to"},
		{"mine=yes", "mine"}, {"cursor=x", "cursor"}, {"limit=0", "limit"},
	} {
		code, b := s.do(t, ann, "GET", "/api/v1/counselling/slots?"+c.q, "")
		bookingProblem(t, c.q, 400, c.param, "", code, b)
	}
	code, b = s.do(t, staff, "GET", "/api/v1/counselling/slots", "")
	bookingProblem(t, "staff list slots", 403, "", "role", code, b)
	code, b = s.do(t, ann, "GET", "/api/v1/counselling/slots?mine=true", "")
	bookingProblem(t, "a student's own slots", 403, "", "duty", code, b)

	// Ann books the slot; nobody else can have it.
	code, _, b = keyed(t, s.URL, ann, "appt-1", "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s1.ID))
	a1 := decode[booking.AppointmentView](t, "appointment", b)
	if code != 201 || a1.ID == 0 || a1.Slot != s1.ID || a1.Status != "booked" || a1.Counsellor != "Wang Li" || a1.Student != "" || a1.Cancelled != nil {
		t.Fatalf("POST appointment: %d %s", code, b)
	}
	if code, _, again := keyed(t, s.URL, ann, "appt-1", "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s1.ID)); code != 201 || string(again) != string(b) {
		t.Errorf("the appointment's key again: %d %s", code, again)
	}
	code, b = s.do(t, bo, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s1.ID))
	bookingProblem(t, "a taken slot", 409, "slot", "slot_taken", code, b)
	code, b = s.do(t, staff, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s2.ID))
	bookingProblem(t, "staff book", 403, "", "role", code, b)
	code, b = s.do(t, bo, "POST", "/api/v1/counselling/appointments", `{}`)
	bookingProblem(t, "no slot", 400, "slot", "", code, b)
	code, b = s.do(t, bo, "POST", "/api/v1/counselling/appointments", `{"slot": 999999}`)
	bookingProblem(t, "no such slot", 404, "slot", "no_slot", code, b)

	// The room's booking still says nothing of her.
	bs, err := s.db.SpaceBookings(ctx, e542, counselAt(9, 0, 0), counselAt(10, 0, 0))
	if err != nil || len(bs) != 1 || bs[0].UserID != userID(t, s.db, "wang.li@hkust-gz.edu.cn") || bs[0].Title != booking.CounsellingTitle {
		t.Errorf("the room's bookings: %+v %v", bs, err)
	}
	if tl := timeline(); strings.Contains(tl, "ann") || strings.Contains(tl, "@") || strings.Contains(tl, `"title"`) || !occupied(tl, counselAt(9, 10, 0), counselAt(9, 11, 0)) {
		t.Errorf("the room's timeline after the appointment: %s", tl)
	}

	// Taken, the slot is no longer free; the counsellor sees it booked.
	code, b = s.do(t, bo, "GET", "/api/v1/counselling/slots", "")
	if p := decode[slotsPage](t, "slots", b); code != 200 || len(p.Items) != 1 || p.Items[0].ID != s2.ID {
		t.Errorf("free slots after Ann's: %d %s", code, b)
	}
	code, b = s.do(t, wang, "GET", "/api/v1/counselling/slots?mine=true&lang=zh", "")
	if p := decode[slotsPage](t, "mine", b); code != 200 || len(p.Items) != 1 || p.Items[0].Status != "booked" || p.Items[0].Appointment != a1.ID {
		t.Errorf("Wang's slots: %d %s", code, b)
	}

	// Private: only Ann and the counsellors see it; to anyone else it is
	// not there (404, never 403).
	code, b = s.do(t, ann, "GET", "/api/v1/counselling/appointments", "")
	if p := decode[appointmentsPage](t, "hers", b); code != 200 || len(p.Items) != 1 || p.Items[0].ID != a1.ID || strings.Contains(string(b), `"student"`) {
		t.Errorf("her appointments: %d %s", code, b)
	}
	code, b = s.do(t, wang, "GET", "/api/v1/counselling/appointments", "")
	if p := decode[appointmentsPage](t, "his", b); code != 200 || len(p.Items) != 1 || p.Items[0].Student != "ann@connect.hkust-gz.edu.cn" {
		t.Errorf("the counsellor's appointments: %d %s", code, b)
	}
	code, b = s.do(t, bo, "GET", "/api/v1/counselling/appointments", "")
	if code != 200 || len(decode[appointmentsPage](t, "Bo's", b).Items) != 0 || strings.Contains(string(b), "ann") {
		t.Errorf("another student's appointments: %d %s", code, b)
	}
	for _, who := range []string{staff, labby} {
		code, b = s.do(t, who, "GET", "/api/v1/counselling/appointments", "")
		bookingProblem(t, "staff list appointments", 403, "", "role", code, b)
	}
	mine := fmt.Sprintf("/api/v1/counselling/appointments/%d", a1.ID)
	for name, who := range map[string]string{"another student": bo, "staff": staff, "a lab person": labby, "a visitor": vic} {
		code, b = s.do(t, who, "DELETE", mine, "")
		if p := bookingProblem(t, name+" cancels hers", 404, "", "", code, b); strings.Contains(p.Detail, "ann") {
			t.Errorf("%s learns of her: %q", name, p.Detail)
		}
	}
	code, b = s.do(t, "", "DELETE", mine, "")
	bookingProblem(t, "nobody cancels hers", 401, "", "", code, b)
	code, b = s.do(t, bo, "DELETE", "/api/v1/counselling/appointments/999999", "")
	bookingProblem(t, "no such appointment", 404, "", "", code, b)
	code, b = s.do(t, ann, "DELETE", "/api/v1/counselling/appointments/first", "")
	bookingProblem(t, "a name for an id", 400, "id", "", code, b)

	// A booked slot stays; another counsellor's slot is not theirs to withdraw.
	code, b = s.do(t, wang, "DELETE", fmt.Sprintf("/api/v1/counselling/slots/%d", s1.ID), "")
	bookingProblem(t, "withdrawing a booked slot", 409, "", "slot_taken", code, b)
	code, b = s.do(t, zhao, "DELETE", fmt.Sprintf("/api/v1/counselling/slots/%d", s1.ID), "")
	bookingProblem(t, "withdrawing another's slot", 404, "", "", code, b)
	code, b = s.do(t, ann, "DELETE", fmt.Sprintf("/api/v1/counselling/slots/%d", s1.ID), "")
	bookingProblem(t, "a student withdraws a slot", 403, "", "duty", code, b)

	// At most two upcoming: a third is refused until one goes.
	code, b = s.do(t, wang, "POST", "/api/v1/counselling/slots", slotBody(e542, 10, 10, 0, 60))
	if code != 201 {
		t.Fatalf("slot 3: %d %s", code, b)
	}
	s3 := decode[booking.SlotView](t, "slot 3", b)
	code, b = s.do(t, wang, "POST", "/api/v1/counselling/slots", slotBody(e542, 10, 11, 0, 60))
	s4 := decode[booking.SlotView](t, "slot 4", b)
	if s3.ID == 0 || s4.ID == 0 {
		t.Fatalf("slots 3 and 4: %d %s", code, b)
	}
	if code, b = s.do(t, ann, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s3.ID)); code != 201 {
		t.Fatalf("her second: %d %s", code, b)
	}
	code, b = s.do(t, ann, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s4.ID))
	bookingProblem(t, "her third", 409, "", "too_many_appointments", code, b)

	// She cancels the first (over a day ahead): the slot is free again.
	code, b = s.do(t, ann, "DELETE", mine, "")
	if c := decode[booking.AppointmentView](t, "cancelled", b); code != 200 || c.Status != "cancelled" || c.Cancelled == nil {
		t.Fatalf("cancelling: %d %s", code, b)
	}
	code, b = s.do(t, ann, "DELETE", mine, "")
	bookingProblem(t, "cancelling twice", 404, "", "", code, b)
	if code, b = s.do(t, bo, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s1.ID)); code != 201 {
		t.Errorf("Bo books the freed slot: %d %s", code, b)
	}
	if code, b = s.do(t, ann, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, s4.ID)); code != 201 {
		t.Errorf("her second again: %d %s", code, b)
	}

	// Within a day of it a student may no longer cancel; a counsellor may.
	code, b = s.do(t, wang, "POST", "/api/v1/counselling/slots", slotBody(e543, 7, 16, 0, 30))
	if code != 201 {
		t.Fatalf("today's slot: %d %s", code, b)
	}
	today := decode[booking.SlotView](t, "today's slot", b)
	code, b = s.do(t, cy, "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, today.ID))
	late := decode[booking.AppointmentView](t, "today's appointment", b)
	if code != 201 {
		t.Fatalf("today's appointment: %d %s", code, b)
	}
	code, b = s.do(t, cy, "DELETE", fmt.Sprintf("/api/v1/counselling/appointments/%d", late.ID), "")
	bookingProblem(t, "a student cancels within the day", 409, "", "too_late", code, b)
	code, b = s.do(t, zhao, "DELETE", fmt.Sprintf("/api/v1/counselling/appointments/%d", late.ID), "")
	if c := decode[booking.AppointmentView](t, "counsellor cancels", b); code != 200 || c.Status != "cancelled" || c.Student != "cy@connect.hkust-gz.edu.cn" {
		t.Errorf("a counsellor cancels: %d %s", code, b)
	}

	// A free slot withdrawn ends its booking: the room is free again.
	code, b = s.do(t, zhao, "DELETE", fmt.Sprintf("/api/v1/counselling/slots/%d", s2.ID), "")
	if w := decode[booking.SlotView](t, "withdrawn", b); code != 200 || w.Status != "withdrawn" {
		t.Fatalf("withdrawing: %d %s", code, b)
	}
	if bs, _ := s.db.SpaceBookings(ctx, e543, counselAt(9, 10, 0), counselAt(9, 10, 30)); len(bs) != 0 {
		t.Errorf("the withdrawn slot still holds its room: %+v", bs)
	}
	code, b = s.do(t, zhao, "DELETE", fmt.Sprintf("/api/v1/counselling/slots/%d", s2.ID), "")
	bookingProblem(t, "withdrawing twice", 404, "", "", code, b)
	code, b = s.do(t, zhao, "DELETE", "/api/v1/counselling/slots/x", "")
	bookingProblem(t, "a slot's name", 400, "id", "", code, b)
}

// TestCounsellingTwentyAtOnce: twenty students ask for one slot at once,
// over HTTP: one has it, nineteen hear it is taken, on each store.
func TestCounsellingTwentyAtOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			s := newLabServer(t, engine)
			wang := s.person(t, "wang@hkust-gz.edu.cn", auth.Staff, auth.Counsellor)
			code, b := s.do(t, wang, "POST", "/api/v1/counselling/slots", slotBody(s.roomID(t, "E-544"), 9, 14, 0, 60))
			if code != 201 {
				t.Fatalf("POST slot: %d %s", code, b)
			}
			slot := decode[booking.SlotView](t, "slot", b)
			tokens := make([]string, 20)
			for i := range tokens {
				tokens[i] = s.person(t, fmt.Sprintf("s%02d@connect.hkust-gz.edu.cn", i), auth.Student)
			}
			codes := make([]int, len(tokens))
			bodies := make([][]byte, len(tokens))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, tok := range tokens {
				wg.Go(func() {
					<-start
					codes[i], _, bodies[i] = keyed(t, s.URL, tok, fmt.Sprint("k", i), "POST", "/api/v1/counselling/appointments", fmt.Sprintf(`{"slot": %d}`, slot.ID))
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for i, c := range codes {
				switch {
				case c == 201:
					won++
				case c != 409 || !strings.Contains(string(bodies[i]), `"slot_taken"`):
					t.Errorf("request %d: %d %s", i, c, bodies[i])
				}
			}
			if won != 1 {
				t.Fatalf("%d of 20 got the slot, want 1", won)
			}
			code, b = s.do(t, wang, "GET", "/api/v1/counselling/appointments", "")
			if p := decode[appointmentsPage](t, "appointments", b); code != 200 || len(p.Items) != 1 {
				t.Errorf("appointments stored: %d %s", code, b)
			}
		})
	}
}

// fakeLabsCounselling are the labs and counselling of the OpenAPI cases, on db,
// at bookNow, and the counselling room E-542's id.
func fakeLabsCounselling(t *testing.T, db *store.DB) (*booking.Labs, *booking.Counselling, string) {
	t.Helper()
	svc, labs, counselling := bookingServices(t, db, func() time.Time { return bookNow })
	for _, sp := range svc.Catalogue().Spaces() {
		if sp.Ref == "E-542" {
			return labs, counselling, sp.ID
		}
	}
	t.Fatal("no counselling room E-542")
	return nil, nil, ""
}
