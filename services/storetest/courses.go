package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// CourseStore is what the courses suite needs: courses, the bookings
// their sessions hold, and the accounts.
type CourseStore interface {
	booking.CourseStore
	booking.Store
	auth.Store
}

// Courses runs the contract of booking.CourseStore on stores made by
// newStore.
func Courses(t *testing.T, newStore func(t *testing.T) CourseStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s CourseStore)
	}{
		{"SessionsHoldTheCourt", testSessionsHoldTheCourt},
		{"CapacityAndWaitingList", testCapacityAndWaitingList},
		{"PromotionInOrder", testPromotionInOrder},
		{"FiftyAtOnce", testFiftyEnrolAtOnce},
		{"Bounds", testCourseBounds},
		{"MarksAndAttendance", testMarksAndAttendance},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// courseAt is 2030-03-0d at hour h (fractions allowed), Asia/Shanghai.
func courseAt(d int, h float64) time.Time {
	return time.Date(2030, 3, d, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Add(time.Duration(h * float64(time.Hour)))
}

// newCourse is a course on court of capacity places, with sessions
// [from, to) (hours of days 2, 3 ...), enrolling until day 2 08:00,
// cancelling until day 1 20:00.
func newCourse(desk int64, court string, capacity int, hours ...[2]float64) booking.Course {
	c := booking.Course{Name: geo.Labels{"en": "Badminton for beginners", "zh-Hans": "羽毛球入门"}, Court: court, Capacity: capacity,
		EnrolUntil: courseAt(2, 8), CancelUntil: courseAt(1, 20), CheckinBeforeMin: 15, CheckinAfterMin: 15, LeaveUntilMin: 120, CreatedBy: desk}
	for i, h := range hours {
		c.Sessions = append(c.Sessions, booking.CourseSession{Start: courseAt(2+i, h[0]), End: courseAt(2+i, h[1])})
	}
	return c
}

func mustCourse(t *testing.T, s CourseStore, c booking.Course) booking.Course {
	t.Helper()
	c, err := s.CreateCourse(t.Context(), c, courseAt(1, 9))
	if err != nil {
		t.Fatalf("CreateCourse: %v", err)
	}
	return c
}

func courseCode(err error) string {
	if ce, ok := errors.AsType[*booking.CourseError](err); ok {
		return ce.Code
	}
	return fmt.Sprintf("not a *CourseError: %v", err)
}

// testSessionsHoldTheCourt: each session is a live booking of the court;
// a session over a booking is refused, naming it, and nothing of its
// course is kept; removing a session or the course frees the court.
func testSessionsHoldTheCourt(t *testing.T, s CourseStore) {
	ctx := t.Context()
	desk := mustCreate(t, s, "desk", auth.Staff)
	other := mustCreate(t, s, "player", auth.Student)
	court := unique("SH-201")
	c := mustCourse(t, s, newCourse(desk.ID, court, 10, [2]float64{18, 19.5}, [2]float64{18, 19.5}))
	if c.ID == 0 || len(c.Sessions) != 2 || c.Sessions[0].ID == 0 || c.Sessions[0].Booking == 0 {
		t.Fatalf("created: %+v", c)
	}
	got, err := s.Course(ctx, c.ID)
	if err != nil || got.Name["zh-Hans"] != "羽毛球入门" || got.Court != court || got.Capacity != 10 || len(got.Sessions) != 2 ||
		!sameTime(got.Sessions[1].Start, courseAt(3, 18)) || got.CheckinAfterMin != 15 || got.LeaveUntilMin != 120 || got.CreatedBy != desk.ID {
		t.Fatalf("read back: %+v %v", got, err)
	}
	live, err := s.SpaceBookings(ctx, court, courseAt(2, 0), courseAt(4, 0))
	if err != nil || len(live) != 2 || live[0].UserID != desk.ID || live[0].Title != "Badminton for beginners / 羽毛球入门" || live[0].ID != c.Sessions[0].Booking {
		t.Fatalf("the court's bookings: %+v %v", live, err)
	}
	if held, err := s.CourseHolding(ctx, c.Sessions[1].Booking); err != nil || held != c.ID {
		t.Errorf("CourseHolding of a session's booking: %d %v", held, err)
	}
	// Nothing books over a session.
	if _, err := s.Book(ctx, booking.Booking{Space: court, UserID: other.ID, Start: courseAt(2, 19), End: courseAt(2, 20), Status: booking.Confirmed}); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("a booking over a session: %v", err)
	}
	// A room booking in the way of a session: refused, naming it.
	b, err := s.Book(ctx, booking.Booking{Space: court, UserID: other.ID, Start: courseAt(4, 9), End: courseAt(4, 10), Status: booking.Confirmed})
	if err != nil {
		t.Fatal(err)
	}
	if held, err := s.CourseHolding(ctx, b.ID); err != nil || held != 0 {
		t.Errorf("CourseHolding of a room's booking: %d %v", held, err)
	}
	_, err = s.AddSession(ctx, c.ID, booking.CourseSession{Start: courseAt(4, 9.5), End: courseAt(4, 11)}, desk.ID)
	var ce *booking.ConflictError
	if !errors.Is(err, booking.ErrCourseConflict) || courseCode(err) != "booked" || !errors.As(err, &ce) || !sameTime(ce.Start, courseAt(4, 9)) || !sameTime(ce.End, courseAt(4, 10)) {
		t.Errorf("a session over a booking: %v, want booked naming 09:00-10:00", err)
	}
	// A new course whose second session is in the way: nothing kept,
	// its first session's booking neither.
	second := unique("SH-202")
	if _, err := s.Book(ctx, booking.Booking{Space: second, UserID: other.ID, Start: courseAt(3, 18), End: courseAt(3, 19), Status: booking.Confirmed}); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateCourse(ctx, newCourse(desk.ID, second, 5, [2]float64{18, 19}, [2]float64{18.5, 20}), courseAt(1, 9))
	if ce, ok := errors.AsType[*booking.CourseError](err); !ok || ce.Code != "booked" || ce.Field != "sessions[1]" {
		t.Errorf("a course with a session over a booking: %v, want booked naming sessions[1]", err)
	}
	if live, _ := s.SpaceBookings(ctx, second, courseAt(2, 0), courseAt(4, 0)); len(live) != 1 {
		t.Errorf("the refused course left bookings: %+v", live)
	}
	// Sessions of a course may not overlap one another.
	if _, err := s.CreateCourse(ctx, newCourse(desk.ID, unique("SH-203"), 5, [2]float64{18, 19}, [2]float64{18, 19}), courseAt(1, 9)); err != nil {
		t.Errorf("sessions on two days: %v", err)
	}
	twice := newCourse(desk.ID, unique("SH-204"), 5, [2]float64{18, 19})
	twice.Sessions = append(twice.Sessions, booking.CourseSession{Start: courseAt(2, 18.5), End: courseAt(2, 19.5)})
	if _, err := s.CreateCourse(ctx, twice, courseAt(1, 9)); !errors.Is(err, booking.ErrCourseInvalid) {
		t.Errorf("overlapping sessions: %v", err)
	}
	// A free interval: a session; removing it frees the court.
	added, err := s.AddSession(ctx, c.ID, booking.CourseSession{Start: courseAt(4, 18), End: courseAt(4, 19.5)}, desk.ID)
	if err != nil || added.ID == 0 || added.Booking == 0 {
		t.Fatalf("AddSession: %+v %v", added, err)
	}
	if err := s.RemoveSession(ctx, c.ID, added.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSession(ctx, c.ID, added.ID); !errors.Is(err, booking.ErrCourseNotFound) {
		t.Errorf("removing it again: %v", err)
	}
	if _, err := s.Book(ctx, booking.Booking{Space: court, UserID: other.ID, Start: courseAt(4, 18), End: courseAt(4, 19), Status: booking.Confirmed}); err != nil {
		t.Errorf("the removed session's interval: %v", err)
	}
	if got, _ := s.Course(ctx, c.ID); len(got.Sessions) != 2 {
		t.Errorf("sessions after removing one: %+v", got.Sessions)
	}
	// Deleting the course frees its sessions' intervals.
	if err := s.DeleteCourse(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Course(ctx, c.ID); !errors.Is(err, booking.ErrCourseNotFound) {
		t.Errorf("a deleted course: %v", err)
	}
	if live, _ := s.SpaceBookings(ctx, court, courseAt(2, 0), courseAt(4, 0)); len(live) != 0 {
		t.Errorf("the deleted course's sessions still hold the court: %+v", live)
	}
	if err := s.DeleteCourse(ctx, c.ID); !errors.Is(err, booking.ErrCourseNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
	if _, err := s.AddSession(ctx, c.ID, booking.CourseSession{Start: courseAt(5, 18), End: courseAt(5, 19)}, desk.ID); !errors.Is(err, booking.ErrCourseNotFound) {
		t.Errorf("a session of a deleted course: %v", err)
	}
}

// testCapacityAndWaitingList: enrolled up to the capacity, then waiting
// in order; one place a person; the waiting list moves up on a cancel.
func testCapacityAndWaitingList(t *testing.T, s CourseStore) {
	ctx := t.Context()
	desk := mustCreate(t, s, "desk", auth.Staff)
	c := mustCourse(t, s, newCourse(desk.ID, unique("SH-101"), 2, [2]float64{18, 19}))
	var people []auth.User
	var es []booking.Enrolment
	for i := range 4 {
		u := mustCreate(t, s, fmt.Sprintf("p%d", i), auth.Student)
		e, err := s.Enrol(ctx, c.ID, u.ID, courseAt(1, 10+float64(i)))
		if err != nil {
			t.Fatalf("Enrol %d: %v", i, err)
		}
		people, es = append(people, u), append(es, e)
	}
	for i, want := range []struct {
		status string
		pos    int
	}{{booking.CourseEnrolled, 0}, {booking.CourseEnrolled, 0}, {booking.CourseWaiting, 1}, {booking.CourseWaiting, 2}} {
		if es[i].Status != want.status || es[i].Position != want.pos || es[i].ID == 0 {
			t.Errorf("enrolment %d: %+v, want %s at %d", i, es[i], want.status, want.pos)
		}
	}
	if !es[0].EnrolledAt.Equal(courseAt(1, 10)) || !es[2].EnrolledAt.IsZero() {
		t.Errorf("enrolled at: %v, %v", es[0].EnrolledAt, es[2].EnrolledAt)
	}
	if _, err := s.Enrol(ctx, c.ID, people[0].ID, courseAt(1, 15)); courseCode(err) != "already_enrolled" {
		t.Errorf("enrolling twice: %v", err)
	}
	if _, err := s.Enrol(ctx, c.ID, people[3].ID, courseAt(1, 15)); courseCode(err) != "already_enrolled" {
		t.Errorf("enrolling twice while waiting: %v", err)
	}
	if _, err := s.Enrol(ctx, c.ID+1000, people[0].ID, courseAt(1, 15)); !errors.Is(err, booking.ErrCourseNotFound) {
		t.Errorf("enrolling in no course: %v", err)
	}
	got, _ := s.Course(ctx, c.ID)
	if got.Enrolled != 2 || got.Waiting != 2 {
		t.Errorf("counts: %d enrolled, %d waiting", got.Enrolled, got.Waiting)
	}
	mine, err := s.Enrolments(ctx, people[3].ID, []int64{c.ID, c.ID + 1000})
	if err != nil || len(mine) != 1 || mine[c.ID].Status != booking.CourseWaiting || mine[c.ID].Position != 2 {
		t.Errorf("Enrolments: %+v %v", mine, err)
	}
	// Too late to cancel a place; a waiting one may go any time.
	if _, _, err := s.CancelEnrolment(ctx, c.ID, people[0].ID, courseAt(1, 21)); !errors.Is(err, booking.ErrCourseRule) || courseCode(err) != "too_late" {
		t.Errorf("cancelling after cancel_until: %v", err)
	}
	gone, promoted, err := s.CancelEnrolment(ctx, c.ID, people[1].ID, courseAt(1, 19))
	if err != nil || gone.Status != booking.CourseEnrolled || promoted == nil || promoted.UserID != people[2].ID ||
		promoted.Status != booking.CourseEnrolled || !promoted.EnrolledAt.Equal(courseAt(1, 19)) {
		t.Fatalf("cancelling a place: %+v %+v %v, want %d promoted", gone, promoted, err, people[2].ID)
	}
	mine, _ = s.Enrolments(ctx, people[3].ID, []int64{c.ID})
	if mine[c.ID].Position != 1 {
		t.Errorf("the waiting list moved up: %+v", mine)
	}
	gone, promoted, err = s.CancelEnrolment(ctx, c.ID, people[3].ID, courseAt(1, 23))
	if err != nil || gone.Status != booking.CourseWaiting || gone.Position != 1 || promoted != nil {
		t.Errorf("leaving the waiting list: %+v %+v %v", gone, promoted, err)
	}
	if _, _, err := s.CancelEnrolment(ctx, c.ID, people[3].ID, courseAt(1, 19)); courseCode(err) != "not_enrolled" || !errors.Is(err, booking.ErrCourseNotFound) {
		t.Errorf("cancelling nothing: %v", err)
	}
	roster, err := s.Roster(ctx, c.ID)
	if err != nil || len(roster) != 2 || roster[0].UserID != people[0].ID || roster[1].UserID != people[2].ID {
		t.Errorf("roster: %+v %v", roster, err)
	}
	// A place freed, the next comes straight in.
	if e, err := s.Enrol(ctx, c.ID, people[1].ID, courseAt(1, 19.5)); err != nil || e.Status != booking.CourseWaiting {
		t.Errorf("enrolling into a full course again: %+v %v", e, err)
	}
}

// testPromotionInOrder: places freed one at a time go to the waiting
// list in its order.
func testPromotionInOrder(t *testing.T, s CourseStore) {
	ctx := t.Context()
	desk := mustCreate(t, s, "desk", auth.Staff)
	c := mustCourse(t, s, newCourse(desk.ID, unique("SH-102"), 1, [2]float64{18, 19}))
	var ids []int64
	for i := range 6 {
		u := mustCreate(t, s, fmt.Sprintf("q%d", i), auth.Student)
		if _, err := s.Enrol(ctx, c.ID, u.ID, courseAt(1, 10)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	for i := range 5 {
		_, promoted, err := s.CancelEnrolment(ctx, c.ID, ids[i], courseAt(1, 12))
		if err != nil || promoted == nil || promoted.UserID != ids[i+1] {
			t.Fatalf("cancel %d: promoted %+v %v, want %d", i, promoted, err, ids[i+1])
		}
		got, _ := s.Course(ctx, c.ID)
		if got.Enrolled != 1 || got.Waiting != 4-i {
			t.Errorf("after cancel %d: %d enrolled, %d waiting", i, got.Enrolled, got.Waiting)
		}
	}
	_, promoted, err := s.CancelEnrolment(ctx, c.ID, ids[5], courseAt(1, 12))
	if err != nil || promoted != nil {
		t.Errorf("the last cancel: %+v %v", promoted, err)
	}
}

// testFiftyEnrolAtOnce: 50 people enrol at once for 10 places: exactly
// 10 enrolled, the 40 others waiting in the order their enrolments
// committed (the waiting list's order is the positions they were told,
// and every enrolled person arrived before every waiting one).
func testFiftyEnrolAtOnce(t *testing.T, s CourseStore) {
	ctx := t.Context()
	desk := mustCreate(t, s, "desk", auth.Staff)
	c := mustCourse(t, s, newCourse(desk.ID, unique("SH-103"), 10, [2]float64{18, 19}))
	users := make([]int64, 50)
	for i := range users {
		users[i] = mustCreate(t, s, "rush", auth.Student).ID
	}
	es := make([]booking.Enrolment, len(users))
	var mu sync.Mutex
	won := race(t, "enrolling", len(users), errors.New("none"), func(i int) error {
		e, err := s.Enrol(ctx, c.ID, users[i], courseAt(1, 10))
		mu.Lock()
		es[i] = e
		mu.Unlock()
		return err
	})
	if won != 50 {
		t.Fatalf("%d of 50 enrolments answered", won)
	}
	var enrolled, waiting []booking.Enrolment
	for _, e := range es {
		switch e.Status {
		case booking.CourseEnrolled:
			enrolled = append(enrolled, e)
		case booking.CourseWaiting:
			waiting = append(waiting, e)
		}
	}
	if len(enrolled) != 10 || len(waiting) != 40 {
		t.Fatalf("%d enrolled, %d waiting; want 10 and 40", len(enrolled), len(waiting))
	}
	positions := map[int]bool{}
	for _, e := range waiting {
		positions[e.Position] = true
		for _, in := range enrolled {
			if in.ID > e.ID {
				t.Errorf("enrolment %d waits, but %d, later, has a place", e.ID, in.ID)
			}
		}
	}
	for p := 1; p <= 40; p++ {
		if !positions[p] {
			t.Errorf("no one was told position %d: %v", p, positions)
		}
	}
	roster, err := s.Roster(ctx, c.ID)
	if err != nil || len(roster) != 50 {
		t.Fatalf("roster: %d %v", len(roster), err)
	}
	byUser := map[int64]booking.Enrolment{}
	for _, e := range es {
		byUser[e.UserID] = e
	}
	for _, r := range roster[10:] {
		if told := byUser[r.UserID]; told.Position != r.Position || r.Status != booking.CourseWaiting {
			t.Errorf("%d is %s at %d on the roster, told %d", r.UserID, r.Status, r.Position, told.Position)
		}
	}
	got, _ := s.Course(ctx, c.ID)
	if got.Enrolled != 10 || got.Waiting != 40 {
		t.Errorf("counts: %d, %d", got.Enrolled, got.Waiting)
	}
	// Cancels at once: the places stay full, from the head of the list.
	cancelled := roster[:5]
	race(t, "cancelling", len(cancelled), errors.New("none"), func(i int) error {
		_, _, err := s.CancelEnrolment(ctx, c.ID, cancelled[i].UserID, courseAt(1, 11))
		return err
	})
	after, _ := s.Roster(ctx, c.ID)
	var in []int64
	for _, r := range after {
		if r.Status == booking.CourseEnrolled {
			in = append(in, r.UserID)
		}
	}
	for _, r := range roster[10:15] {
		if !slices.Contains(in, r.UserID) {
			t.Errorf("%d, at position %d, was not promoted: enrolled %v", r.UserID, r.Position, in)
		}
	}
	if len(in) != 10 || len(after) != 45 {
		t.Errorf("after 5 cancels: %d enrolled of %d", len(in), len(after))
	}
}

// testCourseBounds: a person's enrolments, a course's waiting list and
// sessions, the courses not over are bounded.
func testCourseBounds(t *testing.T, s CourseStore) {
	ctx := t.Context()
	desk := mustCreate(t, s, "desk", auth.Staff)
	keen := mustCreate(t, s, "keen", auth.Student)
	var courses []booking.Course
	for i := range booking.MaxEnrolments + 1 {
		c := mustCourse(t, s, newCourse(desk.ID, unique("SH-300"), 1, [2]float64{8 + float64(i)*0.5, 8.5 + float64(i)*0.5}))
		courses = append(courses, c)
		_, err := s.Enrol(ctx, c.ID, keen.ID, courseAt(1, 10))
		switch {
		case i < booking.MaxEnrolments && err != nil:
			t.Fatalf("enrolment %d: %v", i, err)
		case i == booking.MaxEnrolments && courseCode(err) != "too_many_enrolments":
			t.Errorf("enrolment %d: %v, want too_many_enrolments", i, err)
		}
	}
	// Courses over do not count.
	if _, err := s.Enrol(ctx, courses[booking.MaxEnrolments].ID, keen.ID, courseAt(3, 0)); err != nil {
		t.Errorf("enrolling once the others are over: %v", err)
	}
	// The waiting list.
	c := courses[0]
	for i := range booking.MaxCourseWaiting {
		u := mustCreate(t, s, "wait", auth.Student)
		if e, err := s.Enrol(ctx, c.ID, u.ID, courseAt(1, 10)); err != nil || e.Position != i+1 {
			t.Fatalf("waiting %d: %+v %v", i, e, err)
		}
	}
	late := mustCreate(t, s, "late", auth.Student)
	if _, err := s.Enrol(ctx, c.ID, late.ID, courseAt(1, 10)); courseCode(err) != "course_full" {
		t.Errorf("past the waiting list: %v", err)
	}
	// Sessions.
	big := booking.Course{Name: geo.Labels{"en": "Yoga", "zh-Hans": "瑜伽"}, Court: unique("SH-301"), Capacity: 5,
		EnrolUntil: courseAt(2, 0), CancelUntil: courseAt(2, 0), CheckinAfterMin: 10, CreatedBy: desk.ID}
	for i := range booking.MaxCourseSessions {
		big.Sessions = append(big.Sessions, booking.CourseSession{Start: courseAt(2, float64(i)), End: courseAt(2, float64(i)+0.5)})
	}
	big = mustCourse(t, s, big)
	if _, err := s.AddSession(ctx, big.ID, booking.CourseSession{Start: courseAt(20, 0), End: courseAt(20, 1)}, desk.ID); courseCode(err) != "too_many_sessions" {
		t.Errorf("a session too many: %v", err)
	}
	big.Sessions = append(big.Sessions, booking.CourseSession{Start: courseAt(20, 0), End: courseAt(20, 1)})
	big.Court = unique("SH-302")
	if _, err := s.CreateCourse(ctx, big, courseAt(1, 9)); courseCode(err) != "too_many_sessions" {
		t.Errorf("a course with a session too many: %v", err)
	}
	// Courses not over.
	have := len(courses) + 1
	for i := have; i < booking.MaxCourses; i++ {
		mustCourse(t, s, newCourse(desk.ID, unique("SH-303"), 1))
	}
	if _, err := s.CreateCourse(ctx, newCourse(desk.ID, unique("SH-304"), 1), courseAt(1, 9)); courseCode(err) != "too_many_courses" {
		t.Errorf("a course too many: %v", err)
	}
	// Those with sessions are over by day 30: room again.
	if _, err := s.CreateCourse(ctx, newCourse(desk.ID, unique("SH-304"), 1), courseAt(30, 0)); err != nil {
		t.Errorf("a course once others are over: %v", err)
	}
	// The listing: by id, paged, past ones on request, mine.
	page, err := s.Courses(ctx, booking.CourseQuery{Limit: 5, Now: courseAt(1, 9)})
	if err != nil || len(page) != 5 || page[0].ID != courses[0].ID || len(page[0].Sessions) != 1 || page[0].Enrolled != 1 || page[0].Waiting != booking.MaxCourseWaiting {
		t.Fatalf("first page: %d %v", len(page), err)
	}
	next, _ := s.Courses(ctx, booking.CourseQuery{After: page[4].ID, Limit: 5, Now: courseAt(1, 9)})
	if len(next) != 5 || next[0].ID <= page[4].ID {
		t.Errorf("second page: %+v", next)
	}
	later, _ := s.Courses(ctx, booking.CourseQuery{Limit: 1000, Now: courseAt(30, 0)})
	all, _ := s.Courses(ctx, booking.CourseQuery{Limit: 1000, Now: courseAt(30, 0), Past: true})
	if len(all) != booking.MaxCourses+1 || len(later) != len(all)-len(courses)-1 {
		t.Errorf("listed at day 30: %d not over, %d in all", len(later), len(all))
	}
	mine, _ := s.Courses(ctx, booking.CourseQuery{Limit: 1000, Now: courseAt(1, 9), UserID: keen.ID, Mine: true})
	if len(mine) != booking.MaxEnrolments+1 {
		t.Errorf("mine: %d", len(mine))
	}
}

// testMarksAndAttendance: check-ins and leave of the enrolled only; a
// check-in replaces leave, not the other way; attendance tells no-shows
// from the time.
func testMarksAndAttendance(t *testing.T, s CourseStore) {
	ctx := t.Context()
	desk := mustCreate(t, s, "desk", auth.Staff)
	ann := mustCreate(t, s, "ann", auth.Student)
	ben := mustCreate(t, s, "ben", auth.Student)
	c := mustCourse(t, s, newCourse(desk.ID, unique("SH-104"), 1, [2]float64{18, 19}, [2]float64{18, 19}, [2]float64{18, 19}, [2]float64{18, 19}))
	if _, err := s.Enrol(ctx, c.ID, ann.ID, courseAt(1, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enrol(ctx, c.ID, ben.ID, courseAt(1, 10)); err != nil {
		t.Fatal(err)
	}
	s1, s2, s3, s4 := c.Sessions[0], c.Sessions[1], c.Sessions[2], c.Sessions[3]
	yes := true
	mark := func(u auth.User, sess booking.CourseSession, what string, at time.Time, placed *bool) (booking.SessionMark, error) {
		return s.MarkSession(ctx, booking.SessionMark{Session: sess.ID, UserID: u.ID, Mark: what, At: at, Placed: placed})
	}
	if _, err := mark(ben, s1, booking.CourseCheckedIn, courseAt(2, 18), nil); courseCode(err) != "waiting" {
		t.Errorf("a check-in while waiting: %v", err)
	}
	if m, err := mark(ann, s1, booking.CourseCheckedIn, courseAt(2, 17.75), &yes); err != nil || m.Mark != booking.CourseCheckedIn || m.Placed == nil || !*m.Placed {
		t.Fatalf("check-in: %+v %v", m, err)
	}
	if m, err := mark(ann, s1, booking.CourseCheckedIn, courseAt(2, 18.1), nil); err != nil || !m.At.Equal(courseAt(2, 17.75)) {
		t.Errorf("checking in again: %+v %v, want the first", m, err)
	}
	if _, err := mark(ann, s1, booking.CourseLeave, courseAt(2, 18.1), nil); courseCode(err) != "checked_in" {
		t.Errorf("leave after a check-in: %v", err)
	}
	if _, err := mark(ann, s2, booking.CourseLeave, courseAt(2, 12), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mark(ann, s3, booking.CourseLeave, courseAt(2, 12), nil); err != nil {
		t.Fatal(err)
	}
	if m, err := mark(ann, s3, booking.CourseCheckedIn, courseAt(4, 18), nil); err != nil || m.Mark != booking.CourseCheckedIn || m.Placed != nil {
		t.Errorf("a check-in after leave: %+v %v", m, err)
	}
	outsider := mustCreate(t, s, "outsider", auth.Student)
	if _, err := mark(outsider, s1, booking.CourseCheckedIn, courseAt(2, 18), nil); courseCode(err) != "not_enrolled" {
		t.Errorf("a check-in of someone not enrolled: %v", err)
	}
	marks, err := s.Marks(ctx, c.ID, ann.ID)
	if err != nil || len(marks) != 3 || marks[s2.ID].Mark != booking.CourseLeave {
		t.Errorf("marks: %+v %v", marks, err)
	}
	// Day 5, 18:10: s4 has started, its window still open.
	att, err := s.CourseAttendance(ctx, ann.ID, courseAt(1, 0), courseAt(5, 18+1.0/6))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range att {
		got = append(got, fmt.Sprintf("%d:%s", a.Session, a.Status))
	}
	want := []string{fmt.Sprintf("%d:leave", s2.ID), fmt.Sprintf("%d:checked_in", s1.ID)}
	want = append([]string{fmt.Sprintf("%d:checked_in", s3.ID)}, want...)
	if !slices.Equal(got, want) {
		t.Errorf("attendance at day 5 18:10: %v, want %v", got, want)
	}
	if len(att) > 0 && (att[0].Name["en"] != "Badminton for beginners" || att[0].Course != c.ID || att[0].Court != c.Court) {
		t.Errorf("attendance names: %+v", att[0])
	}
	// 18:16: s4's window is over: a no-show.
	att, _ = s.CourseAttendance(ctx, ann.ID, courseAt(1, 0), courseAt(5, 18.27))
	if len(att) != 4 || att[0].Session != s4.ID || att[0].Status != booking.CourseNoShow || !att[0].At.IsZero() {
		t.Errorf("attendance at 18:16: %+v", att)
	}
	// since leaves out what started before it.
	if att, _ := s.CourseAttendance(ctx, ann.ID, courseAt(4, 0), courseAt(5, 20)); len(att) != 2 {
		t.Errorf("attendance since day 4: %+v", att)
	}
	// Ann cancels (on day 1, in time): Ben takes her place, and every
	// session is his.
	if _, promoted, err := s.CancelEnrolment(ctx, c.ID, ann.ID, courseAt(1, 12)); err != nil || promoted == nil || promoted.UserID != ben.ID {
		t.Fatalf("cancel: %+v %v", promoted, err)
	}
	if att, _ := s.CourseAttendance(ctx, ann.ID, courseAt(1, 0), courseAt(6, 0)); len(att) != 0 {
		t.Errorf("the attendance of a cancelled enrolment: %+v", att)
	}
	att, _ = s.CourseAttendance(ctx, ben.ID, courseAt(1, 0), courseAt(6, 0))
	if len(att) != 4 || att[3].Status != booking.CourseNoShow {
		t.Errorf("ben's attendance: %+v", att)
	}
	// Removing a session removes its marks.
	if _, err := mark(ben, s4, booking.CourseLeave, courseAt(3, 12), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSession(ctx, c.ID, s4.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := mark(ben, s4, booking.CourseCheckedIn, courseAt(5, 18), nil); courseCode(err) != "not_enrolled" {
		t.Errorf("a check-in of a removed session: %v", err)
	}
	if att, _ := s.CourseAttendance(ctx, ben.ID, courseAt(1, 0), courseAt(6, 0)); len(att) != 3 {
		t.Errorf("attendance after removing a session: %+v", att)
	}
}
