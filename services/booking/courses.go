package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
)

// The sports hall's courses (the guide's §5): the sports desk (duty
// sports) sets up a course on a court with its sessions; each session
// holds its court for its interval with a live booking (the desk person
// its holder, the course's name its title), so the court's timeline shows
// it occupied and nothing double-books it. People enrol up to the
// course's capacity, then onto a first-come waiting list that moves up
// when someone cancels; per session they check in or ask for leave within
// its windows, and what they did (or did not: a no-show) is their
// attendance. CourseStore keeps it (services/store, both engines).

// Statuses of an enrolment.
const (
	CourseEnrolled = "enrolled"
	CourseWaiting  = "waiting"
)

// Marks of a person's session: what their attendance says of it.
const (
	CourseCheckedIn = "checked_in"
	CourseLeave     = "leave"
	// CourseNoShow is a session whose check-in window ended with neither
	// a check-in nor leave: never stored, told from the time.
	CourseNoShow = "no_show"
)

// The bounds of courses: what the desk and people can make the store
// keep.
const (
	// MaxCourses bounds the courses not yet over (their last session
	// has not ended, or they have none yet), in all.
	MaxCourses = 200
	// MaxCourseSessions bounds a course's sessions.
	MaxCourseSessions = 100
	// MaxCourseCapacity bounds a course's places.
	MaxCourseCapacity = 500
	// MaxCourseWaiting bounds a course's waiting list.
	MaxCourseWaiting = 100
	// MaxEnrolments bounds a person's enrolments (enrolled or waiting)
	// in courses not yet over.
	MaxEnrolments = 20
	// MaxCourseName bounds each of a course's names, in bytes.
	MaxCourseName = 100
	// MaxSessionLength is the longest session.
	MaxSessionLength = 12 * time.Hour
	// MaxCheckinMin bounds either side of the check-in window, in
	// minutes.
	MaxCheckinMin = 240
	// MaxLeaveMin bounds how long before a session leave may have to
	// be asked, in minutes (a week).
	MaxLeaveMin = 7 * 24 * 60
	// CourseAttendanceDays is how far back Attendance looks, in days.
	CourseAttendanceDays = 180
	// MaxCourseAttendance bounds the sessions Attendance lists.
	MaxCourseAttendance = 500
)

// Default windows of a course, in minutes.
const (
	DefaultCheckinBeforeMin = 15
	DefaultCheckinAfterMin  = 15
	DefaultLeaveUntilMin    = 120
)

// Course is a course of sessions on one court.
type Course struct {
	ID       int64
	Name     geo.Labels // "en" and "zh-Hans"
	Court    string     // the court's space id (its unit's)
	Capacity int
	// EnrolUntil is the last moment to enrol, CancelUntil the last to
	// cancel an enrolment.
	EnrolUntil, CancelUntil time.Time
	// A session's check-in window is from CheckinBeforeMin minutes
	// before its start to CheckinAfterMin minutes after it; leave is
	// asked for up to LeaveUntilMin minutes before its start.
	CheckinBeforeMin, CheckinAfterMin, LeaveUntilMin int
	CreatedBy                                        int64 // the desk person; 0 once their account is gone
	Created                                          time.Time
	Sessions                                         []CourseSession // by start
	// Enrolled and Waiting count the course's people, as read.
	Enrolled, Waiting int
}

// CourseSession is one session of a course, holding its court with
// Booking for [Start, End).
type CourseSession struct {
	ID, Course int64
	Start, End time.Time
	Booking    int64 // 0 once the booking is gone
}

// CheckinWindow is when a session may be checked into: [from, until].
func (c *Course) CheckinWindow(s CourseSession) (from, until time.Time) {
	return s.Start.Add(-time.Duration(c.CheckinBeforeMin) * time.Minute), s.Start.Add(time.Duration(c.CheckinAfterMin) * time.Minute)
}

// LeaveUntil is the last moment to ask for leave from a session.
func (c *Course) LeaveUntil(s CourseSession) time.Time {
	return s.Start.Add(-time.Duration(c.LeaveUntilMin) * time.Minute)
}

// Session is the course's session of that id.
func (c *Course) Session(id int64) (CourseSession, bool) {
	for _, s := range c.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return CourseSession{}, false
}

// Title is the title of its sessions' bookings: the course's names.
func (c *Course) Title() string {
	en, zh := c.Name["en"], c.Name["zh-Hans"]
	if zh == "" || zh == en {
		return en
	}
	return en + " / " + zh
}

// Enrolment is a person's place in a course: enrolled, or waiting at
// Position (from 1) of its waiting list, in order of arrival.
type Enrolment struct {
	ID         int64 // its order of arrival
	Course     int64
	UserID     int64
	Status     string // CourseEnrolled or CourseWaiting
	Position   int    // on the waiting list, from 1; 0 when enrolled
	Created    time.Time
	EnrolledAt time.Time // when the place became theirs; zero while waiting
}

// SessionMark is what a person said of a session: checked in (Placed:
// whether a beacon scan put them at the court; nil: no scan) or leave.
type SessionMark struct {
	Session int64
	UserID  int64
	Mark    string // CourseCheckedIn or CourseLeave
	At      time.Time
	Placed  *bool
}

// CourseAttendance is a person's attendance of one session of their
// courses that has started.
type CourseAttendance struct {
	Course     int64
	Name       geo.Labels
	Court      string
	Session    int64
	Start, End time.Time
	Status     string    // CourseCheckedIn, CourseLeave or CourseNoShow
	At         time.Time // when they checked in or asked for leave; zero for a no-show
	Placed     *bool
}

// CourseQuery selects courses: ids above After, by id, at most Limit;
// those not over at Now unless Past; only those UserID is enrolled in or
// waiting for when Mine.
type CourseQuery struct {
	After  int64
	Limit  int
	Now    time.Time
	Past   bool
	UserID int64
	Mine   bool
}

// CourseStore keeps courses. services/storetest checks an
// implementation. Windows are the service's to check; capacity, the
// waiting list and the bounds the store's, in the transaction that
// writes.
type CourseStore interface {
	// CreateCourse stores a course and its sessions, each holding the
	// court with a live booking of the course's creator, all or nothing:
	// a *CourseError (code booked, as a booking's, wrapping the *ConflictError)
	// for a session that overlaps a live booking, code too_many_courses
	// past MaxCourses not over at now.
	CreateCourse(ctx context.Context, c Course, now time.Time) (Course, error)
	// Course reads a course, its sessions and counts; ErrCourseNotFound.
	Course(ctx context.Context, id int64) (Course, error)
	// Courses lists courses as q says.
	Courses(ctx context.Context, q CourseQuery) ([]Course, error)
	// DeleteCourse removes a course, its sessions, enrolments and marks,
	// cancelling its sessions' live bookings.
	DeleteCourse(ctx context.Context, id int64) error
	// AddSession adds a session holding the court with a live booking of
	// holder (as CreateCourse); code too_many_sessions past
	// MaxCourseSessions.
	AddSession(ctx context.Context, course int64, s CourseSession, holder int64) (CourseSession, error)
	// RemoveSession removes a session and its marks, cancelling its
	// booking.
	RemoveSession(ctx context.Context, course, session int64) error
	// Enrol enrols a person in a course: enrolled while there is a
	// place, else at the end of the waiting list; code
	// already_enrolled, course_full (the waiting list too),
	// too_many_enrolments (MaxEnrolments in courses not over at now).
	Enrol(ctx context.Context, course, userID int64, now time.Time) (Enrolment, error)
	// CancelEnrolment removes a person's enrolment (and their marks of
	// the course); when they held a place, the first on the waiting
	// list takes it, in the same transaction: promoted is theirs then.
	// ErrCourseNotFound for no enrolment.
	CancelEnrolment(ctx context.Context, course, userID int64, now time.Time) (gone Enrolment, promoted *Enrolment, err error)
	// Enrolments are a person's enrolments among courses, by course.
	Enrolments(ctx context.Context, userID int64, courses []int64) (map[int64]Enrolment, error)
	// Roster is a course's enrolments: enrolled, then waiting, each in
	// order of arrival.
	Roster(ctx context.Context, course int64) ([]Enrolment, error)
	// MarkSession records a check-in or leave of an enrolled person; a
	// check-in replaces leave, leave after a check-in is code
	// checked_in; the same mark again answers the one kept.
	MarkSession(ctx context.Context, m SessionMark) (SessionMark, error)
	// Marks are a person's marks of a course's sessions, by session.
	Marks(ctx context.Context, course, userID int64) (map[int64]SessionMark, error)
	// CourseHolding is the course whose session a booking holds the
	// court for; 0 for none.
	CourseHolding(ctx context.Context, booking int64) (int64, error)
	// CourseAttendance is a person's attendance of the sessions of the
	// courses they are enrolled in that started in [since, now]: those
	// they marked, and those whose check-in window ended by now
	// (no-shows) that started after they were enrolled; newest first,
	// at most MaxCourseAttendance.
	CourseAttendance(ctx context.Context, userID int64, since, now time.Time) ([]CourseAttendance, error)
}

// Errors of courses: each a person can meet is a *CourseError that says
// which and why, in English and Chinese.
var (
	ErrCourseInvalid   = errors.New("courses: invalid")
	ErrCourseNotFound  = errors.New("courses: not found")
	ErrCourseForbidden = errors.New("courses: not allowed")
	ErrCourseConflict  = errors.New("courses: conflict")
	// ErrCourseRule is a request a course's rules refuse: too late,
	// too early, the rules not accepted. It is an ErrRule, as a
	// booking's rules refuse.
	ErrCourseRule = fmt.Errorf("courses: refused by the course's rules (%w)", ErrRule)
)

// CourseError is one of the errors above with its code for clients
// ("course_full", "too_late" ...), the field at fault, and words for
// people.
type CourseError struct {
	Kind  error
	Code  string
	Field string
	En    string
	Zh    string
	Cause error // what lies under it (a *ConflictError), if anything
}

func (e *CourseError) Error() string { return "courses: " + e.En }

// Unwrap is its kind, and its cause.
func (e *CourseError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// DetailIn is the reason in a language: Simplified Chinese for "zh...".
func (e *CourseError) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.Zh
	}
	return e.En
}

// ProblemCode names the problem for a client.
func (e *CourseError) ProblemCode() string { return e.Code }

// FieldName is the field at fault, if any.
func (e *CourseError) FieldName() string { return e.Field }

// CourseErr is a *CourseError of kind, code and field, its words formats
// of args.
func CourseErr(kind error, code, field, en, zh string, args ...any) *CourseError {
	return &CourseError{Kind: kind, Code: code, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// courseZone is the campus's: windows and sessions are told in it.
var courseZone = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// clock is t as people read it: "2026-12-01 09:00" in Asia/Shanghai.
func clock(t time.Time) string { return t.In(courseZone).Format("2006-01-02 15:04") }

// span is [start, end) as people read it.
func span(start, end time.Time) string {
	s, e := start.In(courseZone), end.In(courseZone)
	if s.YearDay() == e.YearDay() && s.Year() == e.Year() {
		return clock(start) + "–" + e.Format("15:04")
	}
	return clock(start) + " – " + clock(end)
}

// SessionConflict is the refusal of a session (field) that overlaps a
// live booking of its court.
func SessionConflict(field string, start, end time.Time, c *ConflictError) *CourseError {
	e := CourseErr(ErrCourseConflict, "booked", field,
		"the session %s overlaps a booking of the court from %s",
		"课程时段 %s 与该场地 %s 的预约冲突", span(start, end), span(c.Start, c.End))
	e.Cause = c
	return e
}

// CourseNotFound is ErrCourseNotFound for what (en, zh) of id.
func CourseNotFound(en, zh string, id int64) *CourseError {
	return CourseErr(ErrCourseNotFound, "not_found", "", en+" %d", zh+" %d", id)
}

// The refusals the store answers.
var (
	ErrTooManyCourses = CourseErr(ErrCourseConflict, "too_many_courses", "",
		"there are %d courses not yet over, the most kept; remove one first", "未结束的课程已达上限 %d 门，请先删除一门", MaxCourses)
	ErrTooManySessions = CourseErr(ErrCourseConflict, "too_many_sessions", "sessions",
		"a course has at most %d sessions", "一门课程最多 %d 节课", MaxCourseSessions)
	ErrAlreadyEnrolled = CourseErr(ErrCourseConflict, "already_enrolled", "",
		"you are enrolled in this course or on its waiting list already", "您已报名该课程或已在候补名单中")
	ErrCourseFull = CourseErr(ErrCourseConflict, "course_full", "",
		"the course and its waiting list (%d) are full", "课程名额及候补名单（%d 人）均已满", MaxCourseWaiting)
	ErrTooManyEnrolments = CourseErr(ErrCourseConflict, "too_many_enrolments", "",
		"you have %d enrolments in courses not yet over, the most one person may hold; cancel one first",
		"您在未结束课程中的报名已达上限 %d 个，请先取消一个", MaxEnrolments)
	ErrNotEnrolled = CourseErr(ErrCourseNotFound, "not_enrolled", "",
		"you are not enrolled in this course", "您未报名该课程")
	ErrWaitingNotEnrolled = CourseErr(ErrCourseConflict, "waiting", "",
		"you are on the waiting list, not enrolled: a session is checked into or left by those enrolled",
		"您在候补名单中，尚未报名成功：只有已报名者才能签到或请假")
	ErrCheckedIn = CourseErr(ErrCourseConflict, "checked_in", "",
		"you have checked into this session: leave is too late", "您已签到该节课，不能再请假")
)

// checkText says what is wrong with text kept for field, if anything.
func checkText(field, v string, most int) error {
	if en, zh := services.TextProblem(v); en != "" {
		return &CourseError{Kind: ErrCourseInvalid, Code: "invalid", Field: field, En: field + " " + en, Zh: field + " " + zh}
	}
	if strings.TrimSpace(v) == "" {
		return CourseErr(ErrCourseInvalid, "invalid", field, "%s is required", "缺少 %s", field)
	}
	if len(v) > most {
		return CourseErr(ErrCourseInvalid, "invalid", field, "%s is longer than %d bytes", "%s 超过 %d 字节", field, most)
	}
	return nil
}

// CheckSession says what is wrong with a session's interval, field
// naming it, if anything.
func CheckSession(field string, start, end time.Time) error {
	switch {
	case start.IsZero() || end.IsZero():
		return CourseErr(ErrCourseInvalid, "invalid", field, "%s needs a start and an end", "%s 须有开始和结束时间", field)
	case !start.Truncate(time.Microsecond).Before(end.Truncate(time.Microsecond)):
		return CourseErr(ErrCourseInvalid, "invalid", field, "%s starts at %s, not before its end %s", "%s 的开始时间 %s 不早于结束时间 %s", field, clock(start), clock(end))
	case end.Sub(start) > MaxSessionLength:
		return CourseErr(ErrCourseInvalid, "invalid", field, "%s is longer than %d hours", "%s 超过 %d 小时", field, int(MaxSessionLength/time.Hour))
	}
	return nil
}

// CheckCourse says what is wrong with a new course, if anything: the
// names, capacity, windows and sessions (each, and that they do not
// overlap one another). The court is the service's to check.
func CheckCourse(c *Course) error {
	for _, f := range []struct{ field, v string }{{"name.en", c.Name["en"]}, {"name.zh-Hans", c.Name["zh-Hans"]}} {
		if err := checkText(f.field, f.v, MaxCourseName); err != nil {
			return err
		}
	}
	for lang := range c.Name {
		if lang != "en" && lang != "zh-Hans" {
			return CourseErr(ErrCourseInvalid, "invalid", "name", "name has en and zh-Hans, not %q", "name 只有 en 和 zh-Hans，没有 %q", lang)
		}
	}
	ints := []struct {
		field     string
		v, lo, hi int
	}{
		{"capacity", c.Capacity, 1, MaxCourseCapacity},
		{"checkin.before_min", c.CheckinBeforeMin, 0, MaxCheckinMin},
		{"checkin.after_min", c.CheckinAfterMin, 0, MaxCheckinMin},
		{"leave_until_min", c.LeaveUntilMin, 0, MaxLeaveMin},
	}
	for _, n := range ints {
		if n.v < n.lo || n.v > n.hi {
			return CourseErr(ErrCourseInvalid, "invalid", n.field, "%s must be %d to %d (got %d)", "%s 须为 %d 至 %d（现为 %d）", n.field, n.lo, n.hi, n.v)
		}
	}
	if c.CheckinBeforeMin+c.CheckinAfterMin == 0 {
		return CourseErr(ErrCourseInvalid, "invalid", "checkin", "the check-in window is empty: give before_min or after_min",
			"签到时间窗口为空：请设置 before_min 或 after_min")
	}
	if c.EnrolUntil.IsZero() {
		return CourseErr(ErrCourseInvalid, "invalid", "enrol_until", "enrol_until is required", "缺少 enrol_until")
	}
	if c.CancelUntil.IsZero() {
		return CourseErr(ErrCourseInvalid, "invalid", "cancel_until", "cancel_until is required", "缺少 cancel_until")
	}
	if len(c.Sessions) > MaxCourseSessions {
		return ErrTooManySessions
	}
	for i, s := range c.Sessions {
		field := fmt.Sprintf("sessions[%d]", i)
		if err := CheckSession(field, s.Start, s.End); err != nil {
			return err
		}
		for j, o := range c.Sessions[:i] {
			if Overlaps(s.Start, s.End, o.Start, o.End) {
				return CourseErr(ErrCourseInvalid, "invalid", field, "%s overlaps sessions[%d]", "%s 与 sessions[%d] 时间重叠", field, j)
			}
		}
	}
	return nil
}

// TooLate is a request after the moment until (field names the window):
// en and zh say what was possible until then.
func TooLate(field string, until time.Time, en, zh string) *CourseError {
	return &CourseError{Kind: ErrCourseRule, Code: "too_late", Field: field,
		En: fmt.Sprintf("too late: %s %s", en, clock(until)), Zh: fmt.Sprintf("已超过时限：%s %s", zh, clock(until))}
}

// TooEarly is a request before the moment from (field names the window).
func TooEarly(field string, from time.Time, en, zh string) *CourseError {
	return &CourseError{Kind: ErrCourseRule, Code: "too_early", Field: field,
		En: fmt.Sprintf("too early: %s %s", en, clock(from)), Zh: fmt.Sprintf("时间未到：%s %s", zh, clock(from))}
}
