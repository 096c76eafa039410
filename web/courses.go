package web

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// The sports hall's courses (services/booking, courses.go): the sports
// desk sets them up; people list them, enrol, cancel, check in or ask
// for leave per session.

// courseRoutes adds the courses' routes.
func (s *Server) courseRoutes(api *echo.Group, get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	get("/courses", s.listCourses, noStore)
	post("/courses", s.createCourse, noStore, s.idempotent)
	get("/courses/:id", s.getCourse, noStore)
	api.DELETE("/courses/:id", s.deleteCourse, s.viewer, noStore)
	post("/courses/:id/sessions", s.addCourseSession, noStore, s.idempotent)
	api.DELETE("/courses/:id/sessions/:session", s.removeCourseSession, s.viewer, noStore)
	post("/courses/:id/enrol", s.enrolCourse, noStore, s.idempotent)
	api.DELETE("/courses/:id/enrolment", s.cancelEnrolment, s.viewer, noStore)
	post("/courses/:id/sessions/:session/checkin", s.courseCheckin, noStore)
	post("/courses/:id/sessions/:session/leave", s.courseLeave, noStore)
}

// courseStatus is the status of the courses' errors (errorStatus asks).
func courseStatus(err error) (int, bool) {
	switch {
	case errors.Is(err, booking.ErrCourseNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, booking.ErrCourseForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, booking.ErrCourseConflict):
		return http.StatusConflict, true
	case errors.Is(err, booking.ErrCourseRule):
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, booking.ErrCourseInvalid):
		return http.StatusBadRequest, true
	}
	return 0, false
}

// courseUser is the signed-in person asking about courses.
func (s *Server) courseUser(c echo.Context) (auth.User, error) {
	if s.d.Courses == nil {
		return auth.User{}, problem(http.StatusNotFound, "", "courses are not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, err
	}
	return *u, nil
}

// plainBody reads the request's body and refuses it unless its text is
// valid UTF-8 without NUL characters (escaped as \u0000 too): the body
// is given to the handler again. Courses keep text, and a scan or an
// empty body is checked as strictly.
func plainBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, echo.ErrStatusRequestEntityTooLarge
		}
		return nil, badParam("body", "the body could not be read")
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	if !utf8.Valid(body) {
		return nil, badParam("body", "the body is not valid UTF-8")
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		if at, ok := nulAt(v, ""); ok {
			return nil, badParam(at, "%s holds a NUL character (U+0000)", at)
		}
	}
	return body, nil
}

// nulAt is where a JSON value (at path) holds a NUL character in a
// string or a key: "name.en", "sessions[0].start".
func nulAt(v any, path string) (string, bool) {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return cmp.Or(path, "body"), true
		}
	case []any:
		for i, e := range v {
			if at, ok := nulAt(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return at, true
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			at := k
			if path != "" {
				at = path + "." + k
			}
			if strings.IndexByte(k, 0) >= 0 {
				return cmp.Or(path, "body"), true
			}
			if at, ok := nulAt(v[k], at); ok {
				return at, true
			}
		}
	}
	return "", false
}

// decodePlain is decodeBody of a plainBody.
func decodePlain(c echo.Context, v any) error {
	if _, err := plainBody(c); err != nil {
		return err
	}
	return decodeBody(c, v)
}

// The JSON of courses.

type courtJSON struct {
	ID    string `json:"id"`
	Ref   string `json:"ref"`
	Name  string `json:"name"`
	Place string `json:"place"` // "SH, 2/F, 201"
}

type courseSessionJSON struct {
	ID    int64     `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// The session's windows: check in within [checkin_from,
	// checkin_until], ask for leave until leave_until.
	CheckinFrom  time.Time `json:"checkin_from"`
	CheckinUntil time.Time `json:"checkin_until"`
	LeaveUntil   time.Time `json:"leave_until"`
	// Mark is the asker's: checked_in, leave, or null (nothing yet, or
	// not enrolled).
	Mark *string `json:"mark"`
}

type courseWindowsJSON struct {
	EnrolUntil       time.Time `json:"enrol_until"`
	CancelUntil      time.Time `json:"cancel_until"`
	CheckinBeforeMin int       `json:"checkin_before_min"`
	CheckinAfterMin  int       `json:"checkin_after_min"`
	LeaveUntilMin    int       `json:"leave_until_min"`
}

type enrolmentJSON struct {
	Course     int64      `json:"course"`
	Status     string     `json:"status"`   // enrolled, waiting
	Position   *int       `json:"position"` // on the waiting list, from 1; null when enrolled
	Created    time.Time  `json:"created"`
	EnrolledAt *time.Time `json:"enrolled_at"`
}

type courseJSON struct {
	ID        int64               `json:"id"`
	Name      geo.Labels          `json:"name"` // {"en", "zh-Hans"}
	Court     *courtJSON          `json:"court"`
	Capacity  int                 `json:"capacity"`
	Enrolled  int                 `json:"enrolled"`
	Waiting   int                 `json:"waiting"`
	Sessions  []courseSessionJSON `json:"sessions"`
	Windows   courseWindowsJSON   `json:"windows"`
	Rules     geo.Labels          `json:"rules"`     // the hall's rules an enrolment accepts; null: none written
	Enrolment *enrolmentJSON      `json:"enrolment"` // the asker's; null: none
}

func (s *Server) court(sp *booking.Space, lang string) *courtJSON {
	if sp == nil {
		return nil
	}
	return &courtJSON{ID: sp.ID, Ref: sp.Ref, Name: sp.Name.In(lang), Place: booking.Place(sp, lang)}
}

func (s *Server) enrolmentJSON(e booking.Enrolment) *enrolmentJSON {
	z := s.d.Courses.Catalogue().Zone()
	j := &enrolmentJSON{Course: e.Course, Status: e.Status, Created: e.Created.In(z)}
	if e.Status == booking.CourseWaiting {
		j.Position = &e.Position
	}
	if !e.EnrolledAt.IsZero() {
		at := e.EnrolledAt.In(z)
		j.EnrolledAt = &at
	}
	return j
}

func (s *Server) courseJSON(v booking.CourseView, lang string) courseJSON {
	z := s.d.Courses.Catalogue().Zone()
	j := courseJSON{ID: v.ID, Name: v.Name, Court: s.court(v.Space, lang), Capacity: v.Capacity, Enrolled: v.Enrolled, Waiting: v.Waiting,
		Sessions: []courseSessionJSON{}, Windows: courseWindowsJSON{EnrolUntil: v.EnrolUntil.In(z), CancelUntil: v.CancelUntil.In(z),
			CheckinBeforeMin: v.CheckinBeforeMin, CheckinAfterMin: v.CheckinAfterMin, LeaveUntilMin: v.LeaveUntilMin}}
	if v.Space != nil && len(v.Space.Kind.Rules) > 0 {
		j.Rules = v.Space.Kind.Rules
	}
	for _, ss := range v.Sessions {
		from, until := v.CheckinWindow(ss)
		sj := courseSessionJSON{ID: ss.ID, Start: ss.Start.In(z), End: ss.End.In(z), CheckinFrom: from.In(z), CheckinUntil: until.In(z), LeaveUntil: v.LeaveUntil(ss).In(z)}
		if m, ok := v.Marks[ss.ID]; ok {
			sj.Mark = &m.Mark
		}
		j.Sessions = append(j.Sessions, sj)
	}
	if v.Mine != nil {
		j.Enrolment = s.enrolmentJSON(*v.Mine)
	}
	return j
}

// boolParam reads a query parameter true or false (absent: false).
func boolParam(c echo.Context, name string) (bool, error) {
	switch v := c.QueryParam(name); strings.ToLower(v) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, badParam(name, "%s %q is not true or false", name, v)
	}
}

const (
	coursesDefault = 50
	coursesMax     = 200
)

// listCourses lists courses by id: those not yet over (past=true: all),
// only the asker's (mine=true: enrolled or waiting), paged by cursor.
func (s *Server) listCourses(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", coursesDefault, 1, coursesMax)
	if err != nil {
		return err
	}
	q := booking.CourseQuery{Limit: limit + 1}
	if cur := c.QueryParam("cursor"); cur != "" {
		if q.After, err = strconv.ParseInt(cur, 10, 64); err != nil || q.After < 1 {
			return badParam("cursor", "cursor %q is not one this list gave", cur)
		}
	}
	if q.Past, err = boolParam(c, "past"); err != nil {
		return err
	}
	if q.Mine, err = boolParam(c, "mine"); err != nil {
		return err
	}
	vs, err := s.d.Courses.List(c.Request().Context(), u, q)
	if err != nil {
		return err
	}
	page := struct {
		Items []courseJSON `json:"items"`
		Next  *string      `json:"next"`
	}{Items: []courseJSON{}}
	for i, v := range vs {
		if i == limit {
			next := strconv.FormatInt(vs[limit-1].ID, 10)
			page.Next = &next
			break
		}
		page.Items = append(page.Items, s.courseJSON(v, lang))
	}
	return ok(c, page)
}

func (s *Server) getCourse(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.d.Courses.Get(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return ok(c, s.courseJSON(v, lang))
}

type courseSessionRequest struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (r courseSessionRequest) read(field string) (booking.CourseSession, error) {
	start, err := timeField(field+"start", r.Start, true)
	if err != nil {
		return booking.CourseSession{}, err
	}
	end, err := timeField(field+"end", r.End, true)
	return booking.CourseSession{Start: start, End: end}, err
}

// createCourse is the sports desk setting up a course.
func (s *Server) createCourse(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Name     geo.Labels             `json:"name"`
		Court    string                 `json:"court"`
		Capacity *int                   `json:"capacity"`
		Sessions []courseSessionRequest `json:"sessions"`
		Enrol    string                 `json:"enrol_until"`
		Cancel   string                 `json:"cancel_until"`
		Checkin  *struct {
			BeforeMin *int `json:"before_min"`
			AfterMin  *int `json:"after_min"`
		} `json:"checkin"`
		LeaveUntilMin *int `json:"leave_until_min"`
	}
	if err := decodePlain(c, &req); err != nil {
		return err
	}
	if req.Capacity == nil {
		return badParam("capacity", "%s is required", "capacity")
	}
	if req.Court == "" {
		return badParam("court", "%s is required", "court")
	}
	if len(req.Sessions) > booking.MaxCourseSessions {
		return booking.ErrTooManySessions
	}
	co := booking.Course{Name: req.Name, Court: req.Court, Capacity: *req.Capacity,
		CheckinBeforeMin: booking.DefaultCheckinBeforeMin, CheckinAfterMin: booking.DefaultCheckinAfterMin, LeaveUntilMin: booking.DefaultLeaveUntilMin}
	if co.EnrolUntil, err = timeField("enrol_until", req.Enrol, true); err != nil {
		return err
	}
	if co.CancelUntil, err = timeField("cancel_until", req.Cancel, true); err != nil {
		return err
	}
	if req.Checkin != nil {
		if req.Checkin.BeforeMin != nil {
			co.CheckinBeforeMin = *req.Checkin.BeforeMin
		}
		if req.Checkin.AfterMin != nil {
			co.CheckinAfterMin = *req.Checkin.AfterMin
		}
	}
	if req.LeaveUntilMin != nil {
		co.LeaveUntilMin = *req.LeaveUntilMin
	}
	for i, r := range req.Sessions {
		ss, err := r.read("sessions[" + strconv.Itoa(i) + "].")
		if err != nil {
			return err
		}
		co.Sessions = append(co.Sessions, ss)
	}
	ctx := c.Request().Context()
	made, err := s.d.Courses.Create(ctx, u, co)
	if err != nil {
		return err
	}
	v, err := s.d.Courses.Get(ctx, u, made.ID)
	if err != nil {
		return err
	}
	lang, _ := langParam(c)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/courses/"+strconv.FormatInt(made.ID, 10))
	return c.JSON(http.StatusCreated, s.courseJSON(v, lang))
}

func (s *Server) deleteCourse(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.d.Courses.Delete(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) addCourseSession(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req courseSessionRequest
	if err := decodePlain(c, &req); err != nil {
		return err
	}
	in, err := req.read("")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ss, err := s.d.Courses.AddSession(ctx, u, id, in.Start, in.End)
	if err != nil {
		return err
	}
	v, err := s.d.Courses.Get(ctx, u, id)
	if err != nil {
		return err
	}
	from, until := v.CheckinWindow(ss)
	z := s.d.Courses.Catalogue().Zone()
	return c.JSON(http.StatusCreated, courseSessionJSON{ID: ss.ID, Start: ss.Start.In(z), End: ss.End.In(z),
		CheckinFrom: from.In(z), CheckinUntil: until.In(z), LeaveUntil: v.LeaveUntil(ss).In(z)})
}

func (s *Server) removeCourseSession(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	session, err := pathID(c, "session")
	if err != nil {
		return err
	}
	if err := s.d.Courses.RemoveSession(c.Request().Context(), u, id, session); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// enrolCourse enrols the asker: 201 enrolled or waiting.
func (s *Server) enrolCourse(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		AcceptRules bool `json:"accept_rules"`
	}
	if err := decodePlain(c, &req); err != nil {
		return err
	}
	e, err := s.d.Courses.Enrol(c.Request().Context(), u, id, req.AcceptRules)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.enrolmentJSON(e))
}

// cancelEnrolment cancels the asker's enrolment or place on the waiting
// list.
func (s *Server) cancelEnrolment(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, _, err := s.d.Courses.Cancel(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// courseMarkJSON answers a check-in or leave.
type courseMarkJSON struct {
	Course  int64     `json:"course"`
	Session int64     `json:"session"`
	Status  string    `json:"status"` // checked_in, leave
	At      time.Time `json:"at"`
	// Scan says whether the check-in's beacon scan placed the person at
	// the court: agreed, disagreed; null without a scan.
	Scan *string `json:"scan"`
}

func (s *Server) markJSON(course int64, m booking.SessionMark) courseMarkJSON {
	j := courseMarkJSON{Course: course, Session: m.Session, Status: m.Mark, At: m.At.In(s.d.Courses.Catalogue().Zone())}
	if m.Placed != nil {
		scan := booking.ScanDisagreed
		if *m.Placed {
			scan = booking.ScanAgreed
		}
		j.Scan = &scan
	}
	return j
}

// courseFix is where a check-in's beacon scan (the body, as /position
// takes it; none: no scan) places the asker; nil without a scan or a
// positioner.
func (s *Server) courseFix(c echo.Context) (*booking.Fix, error) {
	body, err := plainBody(c)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 || s.d.Positioner == nil {
		return nil, nil
	}
	scan, err := beacons.ParseScan(body)
	if err != nil {
		return nil, badParam("body", "%v", err)
	}
	f := s.d.Positioner.Fix(s.view(c), &scan)
	fix := &booking.Fix{}
	if f.Unit != nil {
		fix.Unit = *f.Unit
	}
	if f.Lon != nil && f.Lat != nil && f.Ordinal != nil {
		fix.At = geo.Position{Lon: *f.Lon, Lat: *f.Lat, Ordinal: *f.Ordinal}
	}
	if f.AccuracyM != nil {
		fix.AccuracyM = *f.AccuracyM
	}
	return fix, nil
}

func (s *Server) courseCheckin(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	session, err := pathID(c, "session")
	if err != nil {
		return err
	}
	fix, err := s.courseFix(c)
	if err != nil {
		return err
	}
	m, err := s.d.Courses.CheckIn(c.Request().Context(), u, id, session, fix)
	if err != nil {
		return err
	}
	return ok(c, s.markJSON(id, m))
}

func (s *Server) courseLeave(c echo.Context) error {
	u, err := s.courseUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	session, err := pathID(c, "session")
	if err != nil {
		return err
	}
	// No body, or an empty object.
	if body, err := plainBody(c); err != nil {
		return err
	} else if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeBody(c, &struct{}{}); err != nil {
			return err
		}
	}
	m, err := s.d.Courses.Leave(c.Request().Context(), u, id, session)
	if err != nil {
		return err
	}
	return ok(c, s.markJSON(id, m))
}

// CourseAttendanceJSON is one session of a person's courses in their
// attendance (GET /api/v1/me/attendance composes it with the rooms').
type CourseAttendanceJSON struct {
	Course  int64      `json:"course"`
	Name    geo.Labels `json:"name"` // the course's, {"en", "zh-Hans"}
	Court   *courtJSON `json:"court"`
	Session int64      `json:"session"`
	Start   time.Time  `json:"start"`
	End     time.Time  `json:"end"`
	Status  string     `json:"status"` // checked_in, leave, no_show
	At      *time.Time `json:"at"`     // when they checked in or asked for leave
	Scan    *string    `json:"scan"`   // a check-in's scan: agreed, disagreed; null without one
}

// courseAttendance is person u's attendance of their courses' sessions
// (booking.Courses.Attendance), court names in lang; empty when courses
// are off.
func (s *Server) courseAttendance(c echo.Context, u auth.User, lang string) ([]CourseAttendanceJSON, error) {
	out := []CourseAttendanceJSON{}
	if s.d.Courses == nil {
		return out, nil
	}
	as, err := s.d.Courses.Attendance(c.Request().Context(), u.ID)
	if err != nil {
		return nil, err
	}
	z := s.d.Courses.Catalogue().Zone()
	for _, a := range as {
		j := CourseAttendanceJSON{Course: a.Course, Name: a.Name, Session: a.Session, Start: a.Start.In(z), End: a.End.In(z), Status: a.Status}
		if sp, ok := s.d.Courses.Catalogue().Space(a.Court); ok {
			j.Court = s.court(sp, lang)
		}
		if !a.At.IsZero() {
			at := a.At.In(z)
			j.At = &at
		}
		if a.Placed != nil {
			scan := booking.ScanDisagreed
			if *a.Placed {
				scan = booking.ScanAgreed
			}
			j.Scan = &scan
		}
		out = append(out, j)
	}
	return out, nil
}
