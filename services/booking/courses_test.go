package booking

import (
	"errors"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
)

// TestCheckCourse: each thing wrong with a new course is refused naming
// its field.
func TestCheckCourse(t *testing.T) {
	at := func(h float64) time.Time {
		return time.Date(2030, 3, 5, 0, 0, 0, 0, courseZone).Add(time.Duration(h * float64(time.Hour)))
	}
	good := func() Course {
		return Course{Name: geo.Labels{"en": "Yoga", "zh-Hans": "瑜伽"}, Court: "c", Capacity: 10, EnrolUntil: at(0), CancelUntil: at(0),
			CheckinBeforeMin: 15, CheckinAfterMin: 15, LeaveUntilMin: 120,
			Sessions: []CourseSession{{Start: at(18), End: at(19)}, {Start: at(19), End: at(20)}}}
	}
	c := good()
	if err := CheckCourse(&c); err != nil {
		t.Fatalf("a good course: %v", err)
	}
	for _, tc := range []struct {
		field  string
		change func(*Course)
	}{
		{"name.en", func(c *Course) { c.Name["en"] = " " }},
		{"name.zh-Hans", func(c *Course) { delete(c.Name, "zh-Hans") }},
		{"name.en", func(c *Course) { c.Name["en"] = "Yo\x00ga" }},
		{"name.en", func(c *Course) { c.Name["en"] = "\xff" }},
		{"name.en", func(c *Course) { c.Name["en"] = string(make([]byte, MaxCourseName+1)) }},
		{"name", func(c *Course) { c.Name["fr"] = "Yoga" }},
		{"capacity", func(c *Course) { c.Capacity = 0 }},
		{"capacity", func(c *Course) { c.Capacity = MaxCourseCapacity + 1 }},
		{"checkin.before_min", func(c *Course) { c.CheckinBeforeMin = -1 }},
		{"checkin.after_min", func(c *Course) { c.CheckinAfterMin = MaxCheckinMin + 1 }},
		{"checkin", func(c *Course) { c.CheckinBeforeMin, c.CheckinAfterMin = 0, 0 }},
		{"leave_until_min", func(c *Course) { c.LeaveUntilMin = MaxLeaveMin + 1 }},
		{"enrol_until", func(c *Course) { c.EnrolUntil = time.Time{} }},
		{"cancel_until", func(c *Course) { c.CancelUntil = time.Time{} }},
		{"sessions[1]", func(c *Course) { c.Sessions[1].End = c.Sessions[1].Start }},
		{"sessions[1]", func(c *Course) { c.Sessions[1].Start = at(18.5) }},
		{"sessions[0]", func(c *Course) { c.Sessions[0].End = at(18 + 13) }},
		{"sessions", func(c *Course) { c.Sessions = make([]CourseSession, MaxCourseSessions+1) }},
	} {
		c := good()
		tc.change(&c)
		err := CheckCourse(&c)
		ce, ok := errors.AsType[*CourseError](err)
		if !ok || ce.Field != tc.field || ce.Zh == "" || ce.En == "" {
			t.Errorf("%s: %v, want a *CourseError naming it", tc.field, err)
			continue
		}
		if tc.field != "sessions" && !errors.Is(err, ErrCourseInvalid) {
			t.Errorf("%s: %v is not ErrCourseInvalid", tc.field, err)
		}
	}
}

// TestCourseWindows: a session's check-in window and leave deadline.
func TestCourseWindows(t *testing.T) {
	start := time.Date(2030, 3, 5, 18, 0, 0, 0, courseZone)
	c := Course{CheckinBeforeMin: 10, CheckinAfterMin: 20, LeaveUntilMin: 90, Sessions: []CourseSession{{ID: 7, Start: start, End: start.Add(time.Hour)}}}
	s, ok := c.Session(7)
	if !ok {
		t.Fatal("no session 7")
	}
	from, until := c.CheckinWindow(s)
	if !from.Equal(start.Add(-10*time.Minute)) || !until.Equal(start.Add(20*time.Minute)) || !c.LeaveUntil(s).Equal(start.Add(-90*time.Minute)) {
		t.Errorf("windows %v %v %v", from, until, c.LeaveUntil(s))
	}
	if _, ok := c.Session(8); ok {
		t.Error("session 8 found")
	}
	if e := TooLate("cancel_until", start, "an enrolment could be cancelled until", "取消报名的截止时间为"); e.Field != "cancel_until" ||
		e.En != "too late: an enrolment could be cancelled until 2030-03-05 18:00" || !errors.Is(e, ErrRule) {
		t.Errorf("TooLate: %+v", e)
	}
}
