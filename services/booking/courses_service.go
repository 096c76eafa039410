package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// CourtType is the kind of space courses are held on.
const CourtType = "court"

// Courses runs the sports hall's courses: the sports desk's courses and
// sessions, people's enrolments, check-ins, leave and attendance. It
// keeps them in a CourseStore and asks the booking service for its
// catalogue (the courts, who may use them) and where a check-in's scan
// places a person.
type Courses struct {
	st  CourseStore
	svc *Service
	now func() time.Time
}

// NewCourses is the courses of the booking service svc, kept in st.
// The sessions' bookings are the courses' own: the bookings' routes
// refuse to move or cancel them.
func NewCourses(st CourseStore, svc *Service) *Courses {
	svc.holdings = append(svc.holdings, st.CourseHolding)
	return &Courses{st: st, svc: svc, now: svc.now}
}

// Catalogue is the booking service's: the courts.
func (cs *Courses) Catalogue() *Catalogue { return cs.svc.cat }

// CourseView is a course as a person sees it: its court, and their
// enrolment and marks of its sessions, if any.
type CourseView struct {
	Course
	Space *Space // nil when the court is no longer bookable
	Mine  *Enrolment
	Marks map[int64]SessionMark // by session; only while enrolled
}

var errNotSports = CourseErr(ErrCourseForbidden, "duty", "", "managing courses is the sports desk's duty (sports)", "管理课程是体育馆前台（sports）的职责")

// desk refuses anyone but the sports desk (and admins).
func desk(u auth.User) error {
	if !u.Has(auth.Sports) {
		return errNotSports
	}
	return nil
}

// Court is the court named by id or reference.
func (cs *Courses) Court(id string) (*Space, error) {
	sp, ok := cs.svc.cat.Space(id)
	if !ok {
		for _, s := range cs.svc.cat.Spaces() {
			if s.Ref == id && !s.Equipment {
				sp, ok = s, true
				break
			}
		}
	}
	if !ok || sp.Kind == nil || sp.Kind.Type != CourtType {
		return nil, CourseErr(ErrCourseInvalid, "court", "court", "no court %q: give a court's id or reference (SH-101)",
			"没有场地 %q：请填写场地的编号或房间号（如 SH-101）", id)
	}
	return sp, nil
}

// notPast refuses a session (field) that has started.
func notPast(field string, start, now time.Time) error {
	if start.Before(now) {
		return CourseErr(ErrCourseInvalid, "past", field, "%s starts at %s, in the past", "%s 的开始时间 %s 已过", field, clock(start))
	}
	return nil
}

// Create sets up a course for the sports desk: its court given by id or
// reference, its sessions (none yet is fine) each holding the court.
func (cs *Courses) Create(ctx context.Context, u auth.User, c Course) (Course, error) {
	if err := desk(u); err != nil {
		return c, err
	}
	now := cs.now()
	sp, err := cs.Court(c.Court)
	if err != nil {
		return c, err
	}
	c.Court, c.CreatedBy, c.Created = sp.ID, u.ID, now
	if err := CheckCourse(&c); err != nil {
		return c, err
	}
	for i, s := range c.Sessions {
		if err := notPast(fmt.Sprintf("sessions[%d]", i), s.Start, now); err != nil {
			return c, err
		}
	}
	return cs.st.CreateCourse(ctx, c, now)
}

// Delete removes a course for the sports desk, freeing its court.
func (cs *Courses) Delete(ctx context.Context, u auth.User, id int64) error {
	if err := desk(u); err != nil {
		return err
	}
	return cs.st.DeleteCourse(ctx, id)
}

// AddSession adds a session to a course for the sports desk.
func (cs *Courses) AddSession(ctx context.Context, u auth.User, id int64, start, end time.Time) (CourseSession, error) {
	if err := desk(u); err != nil {
		return CourseSession{}, err
	}
	if err := CheckSession("start", start, end); err != nil {
		return CourseSession{}, err
	}
	if err := notPast("start", start, cs.now()); err != nil {
		return CourseSession{}, err
	}
	return cs.st.AddSession(ctx, id, CourseSession{Start: start, End: end}, u.ID)
}

// RemoveSession removes a session of a course for the sports desk.
func (cs *Courses) RemoveSession(ctx context.Context, u auth.User, id, session int64) error {
	if err := desk(u); err != nil {
		return err
	}
	return cs.st.RemoveSession(ctx, id, session)
}

// views are courses as u sees them.
func (cs *Courses) views(ctx context.Context, u auth.User, courses []Course) ([]CourseView, error) {
	ids := make([]int64, len(courses))
	for i, c := range courses {
		ids[i] = c.ID
	}
	mine, err := cs.st.Enrolments(ctx, u.ID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CourseView, len(courses))
	for i, c := range courses {
		v := CourseView{Course: c}
		v.Space, _ = cs.svc.cat.Space(c.Court)
		if e, ok := mine[c.ID]; ok {
			v.Mine = &e
			if e.Status == CourseEnrolled {
				if v.Marks, err = cs.st.Marks(ctx, c.ID, u.ID); err != nil {
					return nil, err
				}
			}
		}
		out[i] = v
	}
	return out, nil
}

// List lists courses for person u (q.Now and q.UserID are theirs).
func (cs *Courses) List(ctx context.Context, u auth.User, q CourseQuery) ([]CourseView, error) {
	q.Now, q.UserID = cs.now(), u.ID
	courses, err := cs.st.Courses(ctx, q)
	if err != nil {
		return nil, err
	}
	return cs.views(ctx, u, courses)
}

// Get is one course for person u.
func (cs *Courses) Get(ctx context.Context, u auth.User, id int64) (CourseView, error) {
	c, err := cs.st.Course(ctx, id)
	if err != nil {
		return CourseView{}, err
	}
	vs, err := cs.views(ctx, u, []Course{c})
	if err != nil {
		return CourseView{}, err
	}
	return vs[0], nil
}

// Enrol enrols person u in a course, having accepted the hall's rules,
// by the enrolment window, if the court's kind lets their role use it:
// enrolled while there is a place, else waiting.
func (cs *Courses) Enrol(ctx context.Context, u auth.User, id int64, acceptRules bool) (Enrolment, error) {
	c, err := cs.st.Course(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	sp, ok := cs.svc.cat.Space(c.Court)
	if !ok {
		return Enrolment{}, CourseErr(ErrCourseRule, "court", "", "the course's court is no longer bookable", "该课程的场地已不可预约")
	}
	if !sp.Kind.Allows(auth.GeoRole(u.Role)) {
		return Enrolment{}, CourseErr(ErrCourseForbidden, "roles", "", "%s may not enrol in courses of the sports hall", "%s不能报名体育馆课程", roleName(u))
	}
	if !acceptRules {
		return Enrolment{}, CourseErr(ErrCourseRule, "accept_rules", "accept_rules", "accept the course's rules first (accept_rules: true)",
			"请先接受课程须知（accept_rules: true）")
	}
	now := cs.now()
	if now.After(c.EnrolUntil) {
		return Enrolment{}, TooLate("enrol_until", c.EnrolUntil, "enrolment was open until", "报名截止时间为")
	}
	return cs.st.Enrol(ctx, id, u.ID, now)
}

// Cancel cancels person u's enrolment: a place until the course's
// cancel_until (the first waiting then takes it), a place on the waiting
// list any time.
func (cs *Courses) Cancel(ctx context.Context, u auth.User, id int64) (Enrolment, *Enrolment, error) {
	return cs.st.CancelEnrolment(ctx, id, u.ID, cs.now())
}

// session is a course and its session, for a person's mark.
func (cs *Courses) session(ctx context.Context, id, session int64) (Course, CourseSession, error) {
	c, err := cs.st.Course(ctx, id)
	if err != nil {
		return c, CourseSession{}, err
	}
	s, ok := c.Session(session)
	if !ok {
		return c, s, CourseNotFound("the course has no session", "该课程没有此节课：", session)
	}
	return c, s, nil
}

// CheckIn checks person u into a session of their course within its
// window; with a fix, says (Placed) whether it put them at the court.
func (cs *Courses) CheckIn(ctx context.Context, u auth.User, id, session int64, fix *Fix) (SessionMark, error) {
	c, s, err := cs.session(ctx, id, session)
	if err != nil {
		return SessionMark{}, err
	}
	now := cs.now()
	from, until := c.CheckinWindow(s)
	switch {
	case now.Before(from):
		return SessionMark{}, TooEarly("checkin", from, "check in from", "签到开始时间为")
	case now.After(until):
		return SessionMark{}, TooLate("checkin", until, "check-in was open until", "签到截止时间为")
	}
	m := SessionMark{Session: s.ID, UserID: u.ID, Mark: CourseCheckedIn, At: now}
	if fix != nil {
		placed := false
		if sp, ok := cs.svc.cat.Space(c.Court); ok && (fix.Unit != "" || fix.At != (geo.Position{})) {
			placed = cs.svc.near(sp, fix)
		}
		m.Placed = &placed
	}
	return cs.st.MarkSession(ctx, m)
}

// Leave asks leave from a session of person u's course, up to its
// leave_until.
func (cs *Courses) Leave(ctx context.Context, u auth.User, id, session int64) (SessionMark, error) {
	c, s, err := cs.session(ctx, id, session)
	if err != nil {
		return SessionMark{}, err
	}
	now := cs.now()
	if until := c.LeaveUntil(s); now.After(until) {
		return SessionMark{}, TooLate("leave_until", until, "leave could be asked until", "请假截止时间为")
	}
	return cs.st.MarkSession(ctx, SessionMark{Session: s.ID, UserID: u.ID, Mark: CourseLeave, At: now})
}

// Attendance is person userID's attendance of the sessions of their
// courses that started in the last CourseAttendanceDays: checked in,
// leave, or a no-show once a session's check-in window ended with
// neither; newest first, at most MaxCourseAttendance.
func (cs *Courses) Attendance(ctx context.Context, userID int64) ([]CourseAttendance, error) {
	now := cs.now()
	return cs.st.CourseAttendance(ctx, userID, now.AddDate(0, 0, -CourseAttendanceDays), now)
}

// HeldByCourse is the course whose session booking id holds its court (0:
// none): such a booking is the course's, moved or cancelled through it
// (the booking routes should refuse it to its holder, the desk person).
func (cs *Courses) HeldByCourse(ctx context.Context, id int64) (int64, error) {
	return cs.st.CourseHolding(ctx, id)
}
