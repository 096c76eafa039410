package booking

import (
	"context"
	"time"

	"github.com/campusnav/engine/geo"
)

// CourseEvents is the Source of the sessions of a person's courses:
// "course-session-ID@campusnav", CONFIRMED where they hold a place,
// TENTATIVE while they wait for one; placed at the course's court.
type CourseEvents struct {
	Store     CourseStore
	Catalogue func() *Catalogue
}

// Events are the sessions of userID's courses overlapping [from, to).
func (s CourseEvents) Events(ctx context.Context, userID int64, from, to time.Time) ([]Event, error) {
	cs, err := s.Store.Courses(ctx, CourseQuery{UserID: userID, Mine: true, Past: true, Limit: MaxEnrolments * 2, Now: from})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	ens, err := s.Store.Enrolments(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	var cat *Catalogue
	if s.Catalogue != nil {
		cat = s.Catalogue()
	}
	evs := []Event{}
	for _, c := range cs {
		en, ok := ens[c.ID]
		if !ok {
			continue
		}
		var sp *Space
		if cat != nil {
			sp, _ = cat.Space(c.Court)
		}
		for _, ss := range c.Sessions {
			if !Overlaps(ss.Start, ss.End, from, to) {
				continue
			}
			e := Event{UID: EventUID("course-session", ss.ID), Start: ss.Start, End: ss.End, Status: EventConfirmed,
				Summary: geo.Labels{"en": "Course: " + c.Name.In("en"), "zh-Hans": "课程：" + c.Name.In("zh")},
				Space:   sp, Created: c.Created}
			if en.Status != CourseEnrolled {
				e.Status = EventTentative
				e.Notes = geo.Labels{"en": "On the waiting list.", "zh-Hans": "候补中。"}
			}
			evs = append(evs, e)
		}
	}
	return evs, nil
}

// AppointmentEvents is the Source of counselling appointments: a
// student's own, and those in a counsellor's slots, "appointment-ID@campusnav",
// CLASS:PRIVATE, cancelled ones CANCELLED.
type AppointmentEvents struct {
	Store     CounsellingStore
	Catalogue func() *Catalogue
}

// Events are userID's appointments, as student or counsellor, that
// overlap [from, to).
func (s AppointmentEvents) Events(ctx context.Context, userID int64, from, to time.Time) ([]Event, error) {
	mine, err := s.Store.Appointments(ctx, userID, 0, 0, MaxFeedEvents)
	if err != nil {
		return nil, err
	}
	theirs, err := s.Store.Appointments(ctx, 0, userID, 0, MaxFeedEvents)
	if err != nil {
		return nil, err
	}
	var cat *Catalogue
	if s.Catalogue != nil {
		cat = s.Catalogue()
	}
	evs := []Event{}
	for _, a := range append(mine, theirs...) {
		if !Overlaps(a.Slot.Start, a.Slot.End, from, to) {
			continue
		}
		e := Event{UID: EventUID("appointment", a.ID), Start: a.Slot.Start, End: a.Slot.End, Status: EventConfirmed,
			Summary: geo.Labels{"en": "Counselling", "zh-Hans": "心理咨询"}, Private: true, Created: a.Created}
		if a.Cancelled != nil {
			e.Status, e.Modified, e.Sequence = EventCancelled, *a.Cancelled, 1
		}
		if cat != nil {
			e.Space, _ = cat.Space(a.Slot.Room)
		}
		evs = append(evs, e)
	}
	return evs, nil
}
