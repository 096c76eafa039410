package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/booking"
)

var _ booking.CourseStore = (*DB)(nil)

// Courses of the sports hall (services/booking, courses.go). What must
// hold whatever runs at once is decided under a lock, in the transaction
// that writes (SQLite: its one writer holds the database; PostgreSQL:
// rows taken FOR UPDATE):
//   - a course's enrolments: its row, so that no more are enrolled than
//     its capacity, the waiting list keeps its bound and moves up in
//     order of arrival (the enrolment's id, given under the lock);
//   - a person's enrolments: their account's row (FOR NO KEY UPDATE, so
//     that rows naming the account may still be written meanwhile);
//   - the courses not yet over: the row ('courses', '') of auth_counts,
//     taken by every creation;
//   - a session's hold of its court: its live booking, written as Book
//     writes it (inTheWay, then the engine's own guarantee).

const courseColumns = `c.id, c.name_en, c.name_zh, c.court, c.capacity, c.enrol_until, c.cancel_until,
	c.checkin_before_min, c.checkin_after_min, c.leave_until_min, coalesce(c.created_by, 0), c.created,
	(SELECT count(*) FROM course_enrolments e WHERE e.course_id = c.id AND e.status = 'enrolled'),
	(SELECT count(*) FROM course_enrolments e WHERE e.course_id = c.id AND e.status = 'waiting')
	FROM courses c`

func scanCourse(r row) (booking.Course, error) {
	var c booking.Course
	var en, zh string
	err := r.Scan(&c.ID, &en, &zh, &c.Court, &c.Capacity, timeOf{&c.EnrolUntil}, timeOf{&c.CancelUntil},
		&c.CheckinBeforeMin, &c.CheckinAfterMin, &c.LeaveUntilMin, &c.CreatedBy, timeOf{&c.Created}, &c.Enrolled, &c.Waiting)
	c.Name = geo.Labels{"en": en, "zh-Hans": zh}
	return c, err
}

const sessionColumns = "id, course_id, start_at, end_at, coalesce(booking_id, 0) FROM course_sessions"

func scanSession(r row) (booking.CourseSession, error) {
	var s booking.CourseSession
	return s, r.Scan(&s.ID, &s.Course, timeOf{&s.Start}, timeOf{&s.End}, &s.Booking)
}

// courseNotFound is the answer for no course id.
func courseNotFound(id int64) error {
	return served{booking.CourseNotFound("no course", "没有编号为此的课程：", id)}
}

// lockCourse takes a course's row for tx (the course without its
// sessions and counts); ErrCourseNotFound for none.
func (db *DB) lockCourse(ctx context.Context, tx *sql.Tx, id int64) (booking.Course, error) {
	var c booking.Course
	var en, zh string
	err := tx.QueryRowContext(ctx, `SELECT id, name_en, name_zh, court, capacity, cancel_until, coalesce(created_by, 0) FROM courses WHERE id = $1`+db.d.ForUpdate, id).
		Scan(&c.ID, &en, &zh, &c.Court, &c.Capacity, timeOf{&c.CancelUntil}, &c.CreatedBy)
	if noRows(err) {
		return c, courseNotFound(id)
	}
	c.Name = geo.Labels{"en": en, "zh-Hans": zh}
	return c, err
}

// holdCourt writes a session of c and the live booking that holds its
// court, as Book writes one: a *booking.ConflictError (served) for a live
// booking in the way.
func (db *DB) holdCourt(ctx context.Context, tx *sql.Tx, c booking.Course, s *booking.CourseSession, holder int64, now time.Time) error {
	s.Start, s.End, s.Course = stamp(s.Start), stamp(s.End), c.ID
	if err := db.inTheWay(ctx, tx, c.Court, 0, s.Start, s.End); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO bookings (space, user_id, start_at, end_at, title, status, created)
		VALUES ($1, $2, $3, $4, $5, 'confirmed', $6) RETURNING id`,
		c.Court, holder, db.d.Time(s.Start), db.d.Time(s.End), c.Title(), db.t(now)).Scan(&s.Booking); err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, "INSERT INTO course_sessions (course_id, start_at, end_at, booking_id) VALUES ($1, $2, $3, $4) RETURNING id",
		c.ID, db.d.Time(s.Start), db.d.Time(s.End), s.Booking).Scan(&s.ID)
}

// sessionRefused is the answer to a session's write that failed: the
// booking in the way as a *booking.CourseError naming field.
func (db *DB) sessionRefused(ctx context.Context, err error, court, field string, s booking.CourseSession) error {
	err = db.overlapped(ctx, err, court, 0, s.Start, s.End)
	if ce, ok := errors.AsType[*booking.ConflictError](err); ok {
		return served{booking.SessionConflict(field, s.Start, s.End, ce)}
	}
	return err
}

// setEnds keeps a course's ends_at: its last session's end.
func setEnds(ctx context.Context, tx *sql.Tx, course int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE courses SET ends_at = (SELECT max(end_at) FROM course_sessions WHERE course_id = $1) WHERE id = $1", course)
	return err
}

// CreateCourse stores a course and its sessions, each holding the court.
func (db *DB) CreateCourse(ctx context.Context, c booking.Course, now time.Time) (booking.Course, error) {
	if err := booking.CheckCourse(&c); err != nil {
		return c, err
	}
	c.Created, c.EnrolUntil, c.CancelUntil = stamp(c.Created), stamp(c.EnrolUntil), stamp(c.CancelUntil)
	sessions := append([]booking.CourseSession(nil), c.Sessions...)
	at := -1 // the session being written
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_counts (tbl, kind, n) VALUES ('courses', '', 0)
			ON CONFLICT (tbl, kind) DO UPDATE SET n = auth_counts.n`); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM courses WHERE ends_at IS NULL OR ends_at > $1", db.t(now)).Scan(&n); err != nil {
			return err
		}
		if n >= booking.MaxCourses {
			return served{booking.ErrTooManyCourses}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO courses (name_en, name_zh, court, capacity, enrol_until, cancel_until,
			checkin_before_min, checkin_after_min, leave_until_min, created_by, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			c.Name["en"], c.Name["zh-Hans"], c.Court, c.Capacity, db.d.Time(c.EnrolUntil), db.d.Time(c.CancelUntil),
			c.CheckinBeforeMin, c.CheckinAfterMin, c.LeaveUntilMin, c.CreatedBy, db.d.Time(c.Created)).Scan(&c.ID)
		if err != nil {
			return err
		}
		for i := range sessions {
			at = i
			if err := db.holdCourt(ctx, tx, c, &sessions[i], c.CreatedBy, now); err != nil {
				return err
			}
		}
		at = -1
		return setEnds(ctx, tx, c.ID)
	})
	if at >= 0 {
		err = db.sessionRefused(ctx, err, c.Court, fmt.Sprintf("sessions[%d]", at), sessions[at])
	}
	if err != nil && db.d.IsForeignKey(err) {
		return c, served{booking.CourseErr(booking.ErrCourseNotFound, "not_found", "", "no account %d", "没有编号为 %d 的账号", c.CreatedBy)}
	}
	if err != nil {
		return c, db.fail(err, "creating a course")
	}
	slices.SortStableFunc(sessions, func(a, b booking.CourseSession) int { return a.Start.Compare(b.Start) })
	c.Sessions = sessions
	return c, nil
}

// Course reads a course with its sessions.
func (db *DB) Course(ctx context.Context, id int64) (booking.Course, error) {
	c, err := scanCourse(db.sql.QueryRowContext(ctx, "SELECT "+courseColumns+" WHERE c.id = $1", id))
	if noRows(err) {
		return c, db.fail(courseNotFound(id), "")
	}
	if err != nil {
		return c, db.fail(err, "reading course %d", id)
	}
	cs, err := db.sessionsOf(ctx, []int64{id})
	c.Sessions = cs[id]
	return c, db.fail(err, "reading course %d", id)
}

// sessionsOf are the sessions of courses, by course, each by start.
func (db *DB) sessionsOf(ctx context.Context, ids []int64) (map[int64][]booking.CourseSession, error) {
	out := map[int64][]booking.CourseSession{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+sessionColumns+" WHERE course_id IN ("+idList(ids)+") ORDER BY course_id, start_at, id")
	ss, err := list(rows, err, scanSession)
	for _, s := range ss {
		out[s.Course] = append(out[s.Course], s)
	}
	return out, err
}

// idList writes ids for an IN list: integers, so nothing is injected.
func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ", ")
}

// Courses lists courses by id.
func (db *DB) Courses(ctx context.Context, q booking.CourseQuery) ([]booking.Course, error) {
	where, args := " WHERE c.id > $1", []any{q.After, q.Limit}
	if !q.Past {
		args = append(args, db.t(q.Now))
		where += fmt.Sprintf(" AND (c.ends_at IS NULL OR c.ends_at > $%d)", len(args))
	}
	if q.Mine {
		args = append(args, q.UserID)
		where += fmt.Sprintf(" AND EXISTS (SELECT 1 FROM course_enrolments e WHERE e.course_id = c.id AND e.user_id = $%d)", len(args))
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+courseColumns+where+" ORDER BY c.id LIMIT $2", args...)
	cs, err := list(rows, err, scanCourse)
	if err != nil {
		return nil, db.fail(err, "listing courses")
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	ss, err := db.sessionsOf(ctx, ids)
	for i := range cs {
		cs[i].Sessions = ss[cs[i].ID]
	}
	return cs, db.fail(err, "listing courses")
}

// endHolds cancels the live bookings of the sessions that where selects
// (a condition on course_sessions, its parameters args).
func endHolds(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'cancelled' WHERE status IN ('confirmed', 'pending')
		AND id IN (SELECT booking_id FROM course_sessions WHERE `+where+")", args...)
	return err
}

// DeleteCourse removes a course, cancelling its sessions' bookings.
func (db *DB) DeleteCourse(ctx context.Context, id int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.lockCourse(ctx, tx, id); err != nil {
			return err
		}
		if err := endHolds(ctx, tx, "course_id = $1", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM courses WHERE id = $1", id)
		return err
	})
	return db.fail(err, "deleting course %d", id)
}

// AddSession adds a session to a course, holding its court.
func (db *DB) AddSession(ctx context.Context, course int64, s booking.CourseSession, holder int64) (booking.CourseSession, error) {
	if err := booking.CheckSession("start", s.Start, s.End); err != nil {
		return s, err
	}
	var court string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.lockCourse(ctx, tx, course)
		if err != nil {
			return err
		}
		court = c.Court
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM course_sessions WHERE course_id = $1", course).Scan(&n); err != nil {
			return err
		}
		if n >= booking.MaxCourseSessions {
			return served{booking.ErrTooManySessions}
		}
		if err := db.holdCourt(ctx, tx, c, &s, holder, time.Now()); err != nil {
			return err
		}
		return setEnds(ctx, tx, course)
	})
	if court != "" {
		err = db.sessionRefused(ctx, err, court, "start", s)
	}
	if err != nil && db.d.IsForeignKey(err) {
		return s, served{booking.CourseErr(booking.ErrCourseNotFound, "not_found", "", "no account %d", "没有编号为 %d 的账号", holder)}
	}
	return s, db.fail(err, "adding a session to course %d", course)
}

// RemoveSession removes a session of a course, cancelling its booking.
func (db *DB) RemoveSession(ctx context.Context, course, session int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.lockCourse(ctx, tx, course); err != nil {
			return err
		}
		if err := endHolds(ctx, tx, "id = $1 AND course_id = $2", session, course); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM course_sessions WHERE id = $1 AND course_id = $2", session, course)
		if n, err := affected(res, err); err != nil {
			return err
		} else if n == 0 {
			return served{booking.CourseNotFound("course has no session", "课程没有此节课：", session)}
		}
		return setEnds(ctx, tx, course)
	})
	return db.fail(err, "removing session %d", session)
}

const enrolmentColumns = "id, course_id, user_id, status, created, enrolled_at FROM course_enrolments"

func scanEnrolment(r row) (booking.Enrolment, error) {
	var e booking.Enrolment
	var at *time.Time
	err := r.Scan(&e.ID, &e.Course, &e.UserID, &e.Status, timeOf{&e.Created}, maybeTimeOf{&at})
	if at != nil {
		e.EnrolledAt = *at
	}
	return e, err
}

// position is an enrolment's place on its waiting list (0: enrolled).
func position(ctx context.Context, q querier, e *booking.Enrolment) error {
	if e.Status != booking.CourseWaiting {
		e.Position = 0
		return nil
	}
	return q.QueryRowContext(ctx, "SELECT count(*) FROM course_enrolments WHERE course_id = $1 AND status = 'waiting' AND id <= $2",
		e.Course, e.ID).Scan(&e.Position)
}

// Enrol enrols a person, or puts them on the waiting list.
func (db *DB) Enrol(ctx context.Context, course, userID int64, now time.Time) (booking.Enrolment, error) {
	e := booking.Enrolment{Course: course, UserID: userID, Created: stamp(now)}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		lock := ""
		if db.d.ForUpdate != "" {
			lock = " FOR NO KEY UPDATE"
		}
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = $1"+lock, userID).Scan(&one)
		if noRows(err) {
			return served{booking.CourseErr(booking.ErrCourseNotFound, "not_found", "", "no account %d", "没有编号为 %d 的账号", userID)}
		}
		if err != nil {
			return err
		}
		c, err := db.lockCourse(ctx, tx, course)
		if err != nil {
			return err
		}
		var mine, held int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM course_enrolments WHERE course_id = $1 AND user_id = $2", course, userID).Scan(&mine); err != nil {
			return err
		}
		if mine > 0 {
			return served{booking.ErrAlreadyEnrolled}
		}
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM course_enrolments e JOIN courses c ON c.id = e.course_id
			WHERE e.user_id = $1 AND (c.ends_at IS NULL OR c.ends_at > $2)`, userID, db.t(now)).Scan(&held)
		if err != nil {
			return err
		}
		if held >= booking.MaxEnrolments {
			return served{booking.ErrTooManyEnrolments}
		}
		var enrolled, waiting int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(CASE WHEN status = 'enrolled' THEN 1 ELSE 0 END), 0),
			coalesce(sum(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0) FROM course_enrolments WHERE course_id = $1`, course).Scan(&enrolled, &waiting); err != nil {
			return err
		}
		var at any
		switch {
		case enrolled < c.Capacity && waiting == 0:
			e.Status, e.EnrolledAt, at = booking.CourseEnrolled, e.Created, db.d.Time(e.Created)
		case waiting < booking.MaxCourseWaiting:
			e.Status = booking.CourseWaiting
		default:
			return served{booking.ErrCourseFull}
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO course_enrolments (course_id, user_id, status, created, enrolled_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			course, userID, e.Status, db.d.Time(e.Created), at).Scan(&e.ID); err != nil {
			return err
		}
		return position(ctx, tx, &e)
	})
	return e, db.fail(err, "enrolling in course %d", course)
}

// CancelEnrolment removes an enrolment; the waiting list moves up.
func (db *DB) CancelEnrolment(ctx context.Context, course, userID int64, now time.Time) (booking.Enrolment, *booking.Enrolment, error) {
	var gone booking.Enrolment
	var promoted *booking.Enrolment
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.lockCourse(ctx, tx, course)
		if err != nil {
			return err
		}
		gone, err = scanEnrolment(tx.QueryRowContext(ctx, "SELECT "+enrolmentColumns+" WHERE course_id = $1 AND user_id = $2", course, userID))
		if noRows(err) {
			return served{booking.ErrNotEnrolled}
		}
		if err != nil {
			return err
		}
		if gone.Status == booking.CourseEnrolled && now.After(c.CancelUntil) {
			return served{booking.TooLate("cancel_until", c.CancelUntil, "an enrolment could be cancelled until", "取消报名的截止时间为")}
		}
		if err := position(ctx, tx, &gone); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM course_enrolments WHERE id = $1", gone.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM course_marks WHERE user_id = $1 AND session_id IN (SELECT id FROM course_sessions WHERE course_id = $2)",
			userID, course); err != nil {
			return err
		}
		// Fill the course's free places from the head of the waiting
		// list (one, unless the capacity was more than the enrolled).
		var enrolled int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM course_enrolments WHERE course_id = $1 AND status = 'enrolled'", course).Scan(&enrolled); err != nil {
			return err
		}
		for ; enrolled < c.Capacity; enrolled++ {
			next, err := scanEnrolment(tx.QueryRowContext(ctx, "SELECT "+enrolmentColumns+" WHERE course_id = $1 AND status = 'waiting' ORDER BY id LIMIT 1", course))
			if noRows(err) {
				break
			}
			if err != nil {
				return err
			}
			next.Status, next.EnrolledAt = booking.CourseEnrolled, stamp(now)
			if _, err := tx.ExecContext(ctx, "UPDATE course_enrolments SET status = 'enrolled', enrolled_at = $2 WHERE id = $1", next.ID, db.d.Time(next.EnrolledAt)); err != nil {
				return err
			}
			if promoted == nil {
				promoted = &next
			}
		}
		return nil
	})
	return gone, promoted, db.fail(err, "cancelling an enrolment in course %d", course)
}

// Enrolments are a person's enrolments among courses.
func (db *DB) Enrolments(ctx context.Context, userID int64, courses []int64) (map[int64]booking.Enrolment, error) {
	out := map[int64]booking.Enrolment{}
	if len(courses) == 0 {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT e.id, e.course_id, e.user_id, e.status, e.created, e.enrolled_at,
		(SELECT count(*) FROM course_enrolments w WHERE w.course_id = e.course_id AND w.status = 'waiting' AND w.id <= e.id)
		FROM course_enrolments e WHERE e.user_id = $1 AND e.course_id IN (`+idList(courses)+")", userID)
	es, err := list(rows, err, func(r row) (booking.Enrolment, error) {
		var e booking.Enrolment
		var at *time.Time
		err := r.Scan(&e.ID, &e.Course, &e.UserID, &e.Status, timeOf{&e.Created}, maybeTimeOf{&at}, &e.Position)
		if at != nil {
			e.EnrolledAt = *at
		}
		if e.Status != booking.CourseWaiting {
			e.Position = 0
		}
		return e, err
	})
	for _, e := range es {
		out[e.Course] = e
	}
	return out, db.fail(err, "reading enrolments")
}

// Roster is a course's enrolments, enrolled then waiting.
func (db *DB) Roster(ctx context.Context, course int64) ([]booking.Enrolment, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+enrolmentColumns+" WHERE course_id = $1 ORDER BY status, id", course)
	es, err := list(rows, err, scanEnrolment)
	n := 0
	for i := range es {
		if es[i].Status == booking.CourseWaiting {
			n++
			es[i].Position = n
		}
	}
	return es, db.fail(err, "reading the roster of course %d", course)
}

func placedOf(p *bool) any {
	switch {
	case p == nil:
		return nil
	case *p:
		return 1
	}
	return 0
}

func scanMark(r row) (booking.SessionMark, error) {
	var m booking.SessionMark
	var placed sql.NullInt64
	err := r.Scan(&m.Session, &m.UserID, &m.Mark, timeOf{&m.At}, &placed)
	if placed.Valid {
		p := placed.Int64 == 1
		m.Placed = &p
	}
	return m, err
}

const markColumns = "session_id, user_id, mark, at, placed FROM course_marks"

// MarkSession records a check-in or leave.
func (db *DB) MarkSession(ctx context.Context, m booking.SessionMark) (booking.SessionMark, error) {
	if m.Mark != booking.CourseCheckedIn && m.Mark != booking.CourseLeave {
		return m, booking.CourseErr(booking.ErrCourseInvalid, "invalid", "", "a mark is checked_in or leave, not %q", "标记应为 checked_in 或 leave，而不是 %q", m.Mark)
	}
	m.At = stamp(m.At)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// The person's enrolment, taken: their marks of the course take
		// turns, and a cancellation waits for them or they for it.
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM course_enrolments
			WHERE course_id = (SELECT course_id FROM course_sessions WHERE id = $1) AND user_id = $2`+db.d.ForUpdate, m.Session, m.UserID).Scan(&status)
		switch {
		case noRows(err):
			return served{booking.ErrNotEnrolled}
		case err != nil:
			return err
		case status != booking.CourseEnrolled:
			return served{booking.ErrWaitingNotEnrolled}
		}
		was, err := scanMark(tx.QueryRowContext(ctx, "SELECT "+markColumns+" WHERE session_id = $1 AND user_id = $2", m.Session, m.UserID))
		switch {
		case noRows(err):
			_, err := tx.ExecContext(ctx, "INSERT INTO course_marks (session_id, user_id, mark, at, placed) VALUES ($1, $2, $3, $4, $5)",
				m.Session, m.UserID, m.Mark, db.d.Time(m.At), placedOf(m.Placed))
			if err != nil && db.d.IsForeignKey(err) {
				return served{booking.ErrNotEnrolled} // the session is gone
			}
			return err
		case err != nil:
			return err
		case was.Mark == m.Mark:
			m = was // done before
			return nil
		case was.Mark == booking.CourseCheckedIn:
			return served{booking.ErrCheckedIn}
		}
		// Leave, then came all the same: the check-in stands.
		_, err = tx.ExecContext(ctx, "UPDATE course_marks SET mark = $3, at = $4, placed = $5 WHERE session_id = $1 AND user_id = $2",
			m.Session, m.UserID, m.Mark, db.d.Time(m.At), placedOf(m.Placed))
		return err
	})
	return m, db.fail(err, "marking session %d", m.Session)
}

// Marks are a person's marks of a course's sessions.
func (db *DB) Marks(ctx context.Context, course, userID int64) (map[int64]booking.SessionMark, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+markColumns+" WHERE user_id = $1 AND session_id IN (SELECT id FROM course_sessions WHERE course_id = $2)", userID, course)
	ms, err := list(rows, err, scanMark)
	out := make(map[int64]booking.SessionMark, len(ms))
	for _, m := range ms {
		out[m.Session] = m
	}
	return out, db.fail(err, "reading marks")
}

// CourseAttendance is a person's attendance of their courses' sessions.
func (db *DB) CourseAttendance(ctx context.Context, userID int64, since, now time.Time) ([]booking.CourseAttendance, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT c.id, c.name_en, c.name_zh, c.court, s.id, s.start_at, s.end_at, c.checkin_after_min,
		m.mark, m.at, m.placed
		FROM course_enrolments e
		JOIN courses c ON c.id = e.course_id
		JOIN course_sessions s ON s.course_id = c.id
		LEFT JOIN course_marks m ON m.session_id = s.id AND m.user_id = e.user_id
		WHERE e.user_id = $1 AND e.status = 'enrolled' AND s.start_at >= $2 AND s.start_at <= $3
			AND (m.mark IS NOT NULL OR s.start_at >= e.enrolled_at)
		ORDER BY s.start_at DESC, s.id DESC LIMIT $4`, userID, db.t(since), db.t(now), booking.MaxCourseAttendance*2)
	type line struct {
		a     booking.CourseAttendance
		after int
	}
	ls, err := list(rows, err, func(r row) (line, error) {
		var l line
		var en, zh string
		var mark sql.NullString
		var at *time.Time
		var placed sql.NullInt64
		err := r.Scan(&l.a.Course, &en, &zh, &l.a.Court, &l.a.Session, timeOf{&l.a.Start}, timeOf{&l.a.End}, &l.after, &mark, maybeTimeOf{&at}, &placed)
		l.a.Name = geo.Labels{"en": en, "zh-Hans": zh}
		l.a.Status = mark.String
		if at != nil {
			l.a.At = *at
		}
		if placed.Valid {
			p := placed.Int64 == 1
			l.a.Placed = &p
		}
		return l, err
	})
	if err != nil {
		return nil, db.fail(err, "reading attendance")
	}
	out := []booking.CourseAttendance{}
	for _, l := range ls {
		if l.a.Status == "" {
			if now.Before(l.a.Start.Add(time.Duration(l.after) * time.Minute)) {
				continue // its check-in window is still open
			}
			l.a.Status = booking.CourseNoShow
		}
		if out = append(out, l.a); len(out) == booking.MaxCourseAttendance {
			break
		}
	}
	return out, nil
}

// CourseHolding is the course a booking holds a session's court for.
func (db *DB) CourseHolding(ctx context.Context, booking int64) (int64, error) {
	var course int64
	err := db.sql.QueryRowContext(ctx, "SELECT course_id FROM course_sessions WHERE booking_id = $1", booking).Scan(&course)
	if noRows(err) {
		return 0, nil
	}
	return course, db.fail(err, "reading the course of booking %d", booking)
}
