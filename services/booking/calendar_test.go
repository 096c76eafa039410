package booking

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/campusnav/engine/geo"
)

// fixed is a Source of the events it holds, or of an error.
type fixed struct {
	evs []Event
	err error
}

func (f fixed) Events(_ context.Context, _ int64, from, to time.Time) ([]Event, error) {
	var out []Event
	for _, e := range f.evs {
		if Overlaps(e.Start, e.End, from, to) {
			out = append(out, e)
		}
	}
	return out, f.err
}

// parse reads a feed back with the library that wrote it.
func parse(t *testing.T, b []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, b)
	}
	return cal
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestICS(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
	made := time.Date(2026, 11, 20, 3, 4, 5, 0, time.UTC)
	evs := []Event{
		{UID: "booking-1@campusnav", Start: at(9), End: at(10), Status: EventTentative,
			Summary:  geo.Labels{"en": "Seminar\r\nATTENDEE:mailto:evil@example.com", "zh-Hans": "研讨会"},
			Location: geo.Labels{"en": "C3, 6/F, 607 Meeting Room", "zh-Hans": "C3, 6楼, 607 会议室"},
			Notes:    geo.Labels{"en": "Awaiting approval.", "zh-Hans": "等待审批。"},
			Sequence: 2, Created: made, Modified: made.Add(time.Hour)},
		{UID: "booking-2@campusnav", Start: at(11), End: at(12), Status: EventCancelled,
			Summary: geo.Labels{"en": "Badminton; court 3, evening"}, Private: true},
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	b := ICS(evs, "en", now)
	if !bytes.HasSuffix(b, []byte("END:VCALENDAR\r\n")) || bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("lines do not all end in CRLF:\n%q", b)
	}
	if bytes.Contains(b, []byte("\r\nATTENDEE")) {
		t.Errorf("a carriage return in a title made a property of its own:\n%s", b)
	}
	cal := parse(t, b)
	got := cal.Events()
	if len(got) != 2 {
		t.Fatalf("%d events, want 2:\n%s", len(got), b)
	}
	first, second := got[0], got[1]
	if first.Id() != "booking-1@campusnav" || second.Id() != "booking-2@campusnav" {
		t.Errorf("UIDs %q %q", first.Id(), second.Id())
	}
	if s, err := first.GetStartAt(); err != nil || !s.Equal(at(9)) || prop(first, ics.ComponentPropertyDtStart) != "20261201T010000Z" {
		t.Errorf("DTSTART %q (%v %v), want 2026-12-01 01:00 UTC", prop(first, ics.ComponentPropertyDtStart), s, err)
	}
	if e, err := first.GetEndAt(); err != nil || !e.Equal(at(10)) {
		t.Errorf("DTEND %v %v", e, err)
	}
	for p, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyStatus:       "TENTATIVE",
		ics.ComponentPropertySequence:     "2",
		ics.ComponentPropertyDtstamp:      "20261120T040405Z",
		ics.ComponentPropertyLastModified: "20261120T040405Z",
		ics.ComponentPropertyCreated:      "20261120T030405Z",
		ics.ComponentPropertyLocation:     "C3, 6/F, 607 Meeting Room", // unescaped by the parser
		ics.ComponentPropertyTransp:       "OPAQUE",
	} {
		if v := prop(first, p); v != want {
			t.Errorf("%s: %q, want %q", p, v, want)
		}
	}
	if s := ics.FromText(prop(first, ics.ComponentPropertySummary)); s != "Seminar\nATTENDEE:mailto:evil@example.com" {
		t.Errorf("SUMMARY %q", s)
	}
	if d := ics.FromText(prop(first, ics.ComponentPropertyDescription)); d != "Awaiting approval.\n\n研讨会\nC3, 6楼, 607 会议室\n等待审批。" {
		t.Errorf("DESCRIPTION %q: want the notes, then the Chinese", d)
	}
	if len(first.Attendees()) != 0 {
		t.Errorf("attendees %v", first.Attendees())
	}
	// Cancelled: frees the time; private; no times of its own, stamped now.
	for p, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyStatus:   "CANCELLED",
		ics.ComponentPropertyTransp:   "TRANSPARENT",
		ics.ComponentPropertyClass:    "PRIVATE",
		ics.ComponentPropertyDtstamp:  "20261130T000000Z",
		ics.ComponentPropertySequence: "0",
	} {
		if v := prop(second, p); v != want {
			t.Errorf("the cancelled one's %s: %q, want %q", p, v, want)
		}
	}
	if s := ics.FromText(prop(second, ics.ComponentPropertySummary)); s != "Badminton; court 3, evening" {
		t.Errorf("SUMMARY %q", s)
	}
	if second.HasProperty(ics.ComponentPropertyLastModified) || second.HasProperty(ics.ComponentPropertyDescription) {
		t.Errorf("the cancelled one has LAST-MODIFIED or DESCRIPTION:\n%s", b)
	}
	// In Chinese: the Chinese first, the English in DESCRIPTION.
	zh := parse(t, ICS(evs, "zh", now)).Events()[0]
	if s := ics.FromText(prop(zh, ics.ComponentPropertySummary)); s != "研讨会" {
		t.Errorf("SUMMARY in Chinese: %q", s)
	}
	if d := ics.FromText(prop(zh, ics.ComponentPropertyDescription)); !strings.HasPrefix(d, "等待审批。\n\nSeminar\n") {
		t.Errorf("DESCRIPTION in Chinese: %q", d)
	}
	if n := cal.CalendarProperties; len(n) == 0 || !strings.Contains(string(b), "X-WR-CALNAME:Campus calendar\r\n") || !strings.Contains(string(b), "REFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n") || !strings.Contains(string(b), "PRODID:-//campusnav//campus calendar//EN\r\n") {
		t.Errorf("the calendar's name or refresh interval is missing:\n%s", b)
	}
}

func TestCalendarEvents(t *testing.T) {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var many []Event
	for i := range MaxFeedEvents + 20 {
		s := base.Add(time.Duration(i) * time.Hour)
		many = append(many, Event{UID: fmt.Sprintf("x-%d", i), Start: s, End: s.Add(30 * time.Minute)})
	}
	other := Event{UID: "course-1@campusnav", Start: base.Add(90 * time.Minute), End: base.Add(2 * time.Hour)}
	c := &Calendars{Sources: []Source{fixed{evs: many}, fixed{evs: []Event{other}}}}
	evs, err := c.Events(t.Context(), 1, base.Add(-time.Hour), base.Add(1000*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != MaxFeedEvents {
		t.Fatalf("%d events, want the bound %d", len(evs), MaxFeedEvents)
	}
	// 521 events (520 and the course): the 500 that start last, by start, the two sources' mixed.
	if evs[0].UID != "x-20" || evs[len(evs)-1].UID != fmt.Sprintf("x-%d", MaxFeedEvents+19) {
		t.Errorf("kept %s..%s, want x-20..x-%d", evs[0].UID, evs[len(evs)-1].UID, MaxFeedEvents+19)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Start.Before(evs[i-1].Start) {
			t.Fatalf("not by start at %d", i)
		}
	}
	few, err := c.Events(t.Context(), 1, base, base.Add(3*time.Hour))
	if err != nil || len(few) != 4 || few[2].UID != "course-1@campusnav" {
		t.Errorf("a short window: %+v %v, want x-0, x-1, the course, x-2", few, err)
	}
	boom := errors.New("boom")
	c.Sources = append(c.Sources, fixed{err: boom})
	if _, err := c.Events(t.Context(), 1, base, base.Add(time.Hour)); !errors.Is(err, boom) {
		t.Errorf("a failing source: %v", err)
	}
}

func TestBookingEvent(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	r := Revised{Booking: Booking{ID: 12, Space: "unit-x", Start: at(1), End: at(2), Status: Pending, Created: at(0)}, Revision: 3, Revised: at(0).Add(time.Minute)}
	e := bookingEvent(r, nil)
	if e.UID != "booking-12@campusnav" || e.Status != EventTentative || e.Sequence != 3 || !e.Modified.Equal(r.Revised) || !e.Created.Equal(at(0)) {
		t.Errorf("a pending booking: %+v", e)
	}
	if e.Summary.In("en") != "Booking: unit-x" || e.Summary.In("zh") != "预约：unit-x" || e.Notes.In("zh") != "等待审批。" {
		t.Errorf("a booking of an unknown space: %q %q %q", e.Summary.In("en"), e.Summary.In("zh"), e.Notes.In("zh"))
	}
	for status, want := range map[string]string{Confirmed: EventConfirmed, Cancelled: EventCancelled, Released: EventCancelled} {
		r.Status, r.Title = status, "Group work"
		e := bookingEvent(r, nil)
		if e.Status != want || e.Summary.In("en") != "Group work" || !strings.HasPrefix(e.Notes.In("en"), "Booking: unit-x") {
			t.Errorf("%s: %s %q %q, want %s", status, e.Status, e.Summary.In("en"), e.Notes.In("en"), want)
		}
	}
}

// TestBookingEventPlaced: a booking of a space of the campus is named
// and placed by the catalogue.
func TestBookingEventPlaced(t *testing.T) {
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ParseRules(v, v.Booking)
	if err != nil {
		t.Fatal(err)
	}
	var room *Space
	for _, sp := range cat.Spaces() {
		if sp.Ref == "C1-122" {
			room = sp
		}
	}
	if room == nil {
		t.Fatal("no space C1-122")
	}
	at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	e := bookingEvent(Revised{Booking: Booking{ID: 3, Space: room.ID, Start: at, End: at.Add(time.Hour), Status: Confirmed}}, cat)
	if e.Space != room || e.Summary.In("en") != "Booking: Meeting Room 1" || e.Summary.In("zh") != "预约：1号会议室" {
		t.Errorf("the event: %v %v", e.Space, e.Summary)
	}
	if k := e.Notes.In("en"); !strings.Contains(k, "Kind of space: ") {
		t.Errorf("notes %q: want the kind of space", k)
	}
	got := parse(t, ICS([]Event{e}, "zh", at)).Events()[0]
	if l := prop(got, ics.ComponentPropertyLocation); l != "C1, 1楼, 122（1号会议室）" {
		t.Errorf("LOCATION %q", l)
	}
	want := fmt.Sprintf("%.6f;%.6f", room.Unit.Display[1], room.Unit.Display[0])
	if g := prop(got, ics.ComponentPropertyGeo); g != want {
		t.Errorf("GEO %q, want %q", g, want)
	}
}
