package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/sqlite"
)

// courseClock is a clock a test sets.
type courseClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *courseClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *courseClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// courseNow is the tests' present: a Monday, 09:00 in Shanghai.
var courseNow = time.Date(2030, 3, 4, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// fakeCourses is the courses over db (the accounts of fakeAccessDB) on
// the test campus, at a clock set to courseNow, and a court.
func fakeCourses(t testing.TB, db *sqlite.DB) (*booking.Courses, *courseClock, *booking.Space) {
	cs, clock, court, _ := fakeCoursesOf(t, db)
	return cs, clock, court
}

// fakeCoursesOf is fakeCourses with its booking service.
func fakeCoursesOf(t testing.TB, db *sqlite.DB) (*booking.Courses, *courseClock, *booking.Space, *booking.Service) {
	t.Helper()
	clock := &courseClock{t: courseNow}
	svc, err := booking.New(campusDeps.Venue, db, booking.Options{Graph: campusDeps.Graph, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var court *booking.Space
	for _, sp := range svc.Catalogue().Spaces() {
		if sp.Kind.Type == booking.CourtType && sp.Unit.Level.Building() != nil && sp.Unit.Level.Building().Ref == "SH" {
			court = sp
			break
		}
	}
	if court == nil {
		t.Fatal("the test campus has no court in the sports hall")
	}
	return booking.NewCourses(db, svc), clock, court, svc
}

// courseBody is a course on court with sessions starting at the hours
// after courseNow given, 90 minutes each.
func courseBody(court string, capacity int, hours ...float64) string {
	var ss []string
	for _, h := range hours {
		start := courseNow.Add(time.Duration(h * float64(time.Hour)))
		ss = append(ss, fmt.Sprintf(`{"start":%q,"end":%q}`, start.Format(time.RFC3339), start.Add(90*time.Minute).Format(time.RFC3339)))
	}
	return fmt.Sprintf(`{"name":{"en":"Badminton for beginners","zh-Hans":"羽毛球入门"},"court":%q,"capacity":%d,"sessions":[%s],`+
		`"enrol_until":%q,"cancel_until":%q,"checkin":{"before_min":15,"after_min":15},"leave_until_min":120}`,
		court, capacity, strings.Join(ss, ","), courseNow.Add(6*time.Hour).Format(time.RFC3339), courseNow.Add(3*time.Hour).Format(time.RFC3339))
}

// courseProblem reads a problem's code, param and detail.
func courseProblem(t *testing.T, body []byte) (code, param, detail string) {
	t.Helper()
	var p struct{ Code, Param, Detail string }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	return p.Code, p.Param, p.Detail
}

type courseAnswer struct {
	ID                          int64
	Name                        map[string]string
	Court                       struct{ ID, Ref, Name, Place string }
	Capacity, Enrolled, Waiting int
	Sessions                    []struct {
		ID           int64
		Start, End   time.Time
		CheckinFrom  time.Time `json:"checkin_from"`
		CheckinUntil time.Time `json:"checkin_until"`
		LeaveUntil   time.Time `json:"leave_until"`
		Mark         *string
	}
	Windows struct {
		EnrolUntil    time.Time `json:"enrol_until"`
		CancelUntil   time.Time `json:"cancel_until"`
		LeaveUntilMin int       `json:"leave_until_min"`
	}
	Enrolment *struct {
		Status   string
		Position *int
	}
}

// TestCourses drives every course route over HTTP: the desk's, people's,
// and their problems.
func TestCourses(t *testing.T) {
	_, _, _, db := fakeAccessDB(t)
	courses, clock, court, bookings := fakeCoursesOf(t, db)
	ts := testServerWith(t, func(d *Deps) { d.Courses, d.Bookings, d.Idempotency = courses, bookings, db })
	ctx := t.Context()

	// The desk sets up a course: sessions tomorrow and the day after at 18:00.
	status, _, body := call(t, ts, "admin", "POST", "/api/v1/courses", courseBody(court.Ref, 1, 33, 57))
	if status != http.StatusCreated {
		t.Fatalf("creating a course: %d %s", status, body)
	}
	var c courseAnswer
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.Court.ID != court.ID || c.Court.Ref != court.Ref || c.Court.Place == "" || c.Name["zh-Hans"] != "羽毛球入门" || len(c.Sessions) != 2 ||
		!c.Sessions[0].CheckinFrom.Equal(c.Sessions[0].Start.Add(-15*time.Minute)) || !c.Sessions[0].LeaveUntil.Equal(c.Sessions[0].Start.Add(-2*time.Hour)) ||
		c.Windows.LeaveUntilMin != 120 || c.Enrolment != nil || c.Capacity != 1 {
		t.Fatalf("the course: %s", body)
	}
	if _, off := c.Sessions[0].Start.Zone(); off != 8*3600 {
		t.Errorf("times not in Shanghai: %v", c.Sessions[0].Start)
	}
	id := fmt.Sprint(c.ID)
	s1, s2 := c.Sessions[0], c.Sessions[1]
	live, _ := db.SpaceBookings(ctx, court.ID, s1.Start, s2.End)
	if len(live) != 2 || live[0].Title != "Badminton for beginners / 羽毛球入门" {
		t.Errorf("the court's bookings: %+v", live)
	}

	problems := []struct {
		role, method, path, body string
		status                   int
		code, param              string
	}{
		{"staff", "POST", "/api/v1/courses", courseBody(court.Ref, 5, 30), 403, "duty", ""},
		{"admin", "POST", "/api/v1/courses", courseBody("C3-607", 5, 30), 400, "court", "court"},
		{"admin", "POST", "/api/v1/courses", courseBody(court.ID, 0, 30), 400, "invalid", "capacity"},
		{"admin", "POST", "/api/v1/courses", courseBody(court.ID, 5, -1), 400, "past", "sessions[0]"},
		{"admin", "POST", "/api/v1/courses", courseBody(court.ID, 5, 33.5), 409, "booked", "sessions[0]"},
		{"admin", "POST", "/api/v1/courses", strings.Replace(courseBody(court.ID, 5, 30), `"capacity":5,`, "", 1), 400, "", "capacity"},
		{"admin", "POST", "/api/v1/courses", strings.Replace(courseBody(court.ID, 5, 30), `"enrol_until":"2030`, `"enrol_until":"March 2030`, 1), 400, "", "enrol_until"},
		{"admin", "POST", "/api/v1/courses", strings.Replace(courseBody(court.ID, 5, 30), `"en":"Badminton for beginners"`, `"en":"a\u0000b"`, 1), 400, "", "name.en"},
		{"admin", "POST", "/api/v1/courses", `{"name":1}`, 400, "", "body"},
		{"admin", "POST", "/api/v1/courses/" + id + "/sessions", `{"start":"2030-03-05T17:30:00+08:00","end":"2030-03-05T18:00:00+08:00"}`, 409, "booked", "start"},
		{"admin", "POST", "/api/v1/courses/" + id + "/sessions", `{"start":"2030-03-05T18:30:00+08:00","end":"2030-03-05T18:00:00+08:00"}`, 400, "invalid", "start"},
		{"admin", "POST", "/api/v1/courses/" + id + "/sessions", `{"start":"2030-03-05T18:30:00+08:00"}`, 400, "", "end"},
		{"admin", "POST", "/api/v1/courses/999/sessions", `{"start":"2030-03-09T18:30:00+08:00","end":"2030-03-09T19:00:00+08:00"}`, 404, "not_found", ""},
		{"student", "POST", "/api/v1/courses/" + id + "/sessions", `{"start":"2030-03-09T18:30:00+08:00","end":"2030-03-09T19:00:00+08:00"}`, 403, "duty", ""},
		{"admin", "DELETE", "/api/v1/courses/" + id + "/sessions/999", "", 404, "not_found", ""},
		{"admin", "DELETE", "/api/v1/courses/" + id + "/sessions/x", "", 400, "", "session"},
		{"student", "DELETE", "/api/v1/courses/" + id, "", 403, "duty", ""},
		{"admin", "DELETE", "/api/v1/courses/999", "", 404, "not_found", ""},
		{"student", "POST", "/api/v1/courses/" + id + "/enrol", `{"accept_rules":false}`, 422, "accept_rules", "accept_rules"},
		{"student", "POST", "/api/v1/courses/" + id + "/enrol", `{}`, 422, "accept_rules", "accept_rules"},
		{"student", "POST", "/api/v1/courses/" + id + "/enrol", `{"accept":true}`, 400, "", "body"},
		{"visitor", "POST", "/api/v1/courses/" + id + "/enrol", `{"accept_rules":true}`, 403, "roles", ""},
		{"student", "POST", "/api/v1/courses/999/enrol", `{"accept_rules":true}`, 404, "not_found", ""},
		{"", "POST", "/api/v1/courses/" + id + "/enrol", `{"accept_rules":true}`, 401, "", "Authorization"},
		{"student", "GET", "/api/v1/courses?past=maybe", "", 400, "", "past"},
		{"student", "GET", "/api/v1/courses?cursor=0", "", 400, "", "cursor"},
		{"student", "GET", "/api/v1/courses/999", "", 404, "not_found", ""},
		{"student", "GET", "/api/v1/courses/x", "", 400, "", "id"},
		{"", "GET", "/api/v1/courses", "", 401, "", "Authorization"},
		{"student", "DELETE", "/api/v1/courses/" + id + "/enrolment", "", 404, "not_enrolled", ""},
		{"student", "POST", "/api/v1/courses/" + id + "/sessions/" + fmt.Sprint(s1.ID) + "/checkin", "", 422, "too_early", "checkin"},
		{"student", "POST", "/api/v1/courses/" + id + "/sessions/999/checkin", "", 404, "not_found", ""},
		{"student", "POST", "/api/v1/courses/" + id + "/sessions/" + fmt.Sprint(s1.ID) + "/leave", "", 404, "not_enrolled", ""},
	}
	// A room booking where a session would go.
	if _, err := db.Book(ctx, booking.Booking{Space: court.ID, UserID: 7, Start: s1.Start.Add(-time.Hour), End: s1.Start, Status: booking.Confirmed}); err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		status, ct, body := call(t, ts, p.role, p.method, p.path, p.body)
		if status != p.status || !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s %s %s: %d %s, want %d", p.role, p.method, p.path, status, body, p.status)
			continue
		}
		if code, param, _ := courseProblem(t, body); code != p.code || param != p.param {
			t.Errorf("%s %s %s: code %q param %q, want %q %q: %s", p.role, p.method, p.path, code, param, p.code, p.param, body)
		}
	}
	// The conflict names the booking in the way.
	_, _, body = call(t, ts, "admin", "POST", "/api/v1/courses", courseBody(court.ID, 5, 33.5))
	if _, _, detail := courseProblem(t, body); !strings.Contains(detail, "2030-03-05 18:00–19:30") {
		t.Errorf("the conflict's detail: %s", detail)
	}
	_, _, body = call(t, ts, "admin", "POST", "/api/v1/courses/"+id+"/sessions", `{"start":"2030-03-05T17:30:00+08:00","end":"2030-03-05T18:00:00+08:00"}`)
	if _, _, detail := courseProblem(t, body); !strings.Contains(detail, "2030-03-05 17:00–18:00") {
		t.Errorf("the conflict with a room's booking: %s", detail)
	}
	// In Chinese.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/courses/"+id+"/enrol", strings.NewReader(`{"accept_rules":false}`))
	req.Header.Set("Authorization", "Bearer token-student")
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var zh struct{ Detail string }
	json.NewDecoder(resp.Body).Decode(&zh)
	resp.Body.Close()
	if !strings.Contains(zh.Detail, "课程须知") {
		t.Errorf("the Chinese detail: %q", zh.Detail)
	}

	// A session added and removed frees its interval.
	status, _, body = call(t, ts, "admin", "POST", "/api/v1/courses/"+id+"/sessions", `{"start":"2030-03-09T18:30:00+08:00","end":"2030-03-09T19:00:00+08:00"}`)
	var added struct{ ID int64 }
	if json.Unmarshal(body, &added); status != http.StatusCreated || added.ID == 0 {
		t.Fatalf("adding a session: %d %s", status, body)
	}
	if status, _, body := call(t, ts, "admin", "DELETE", fmt.Sprintf("/api/v1/courses/%s/sessions/%d", id, added.ID), ""); status != http.StatusNoContent {
		t.Errorf("removing it: %d %s", status, body)
	}
	if bs, _ := db.SpaceBookings(ctx, court.ID, courseNow.Add(5*24*time.Hour), courseNow.Add(6*24*time.Hour)); len(bs) != 0 {
		t.Errorf("the removed session holds the court: %+v", bs)
	}

	// Enrol: the student takes the place (again with the same key: the
	// same answer), staff waits.
	enrol := func(role, key string) (int, []byte) {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/courses/"+id+"/enrol", strings.NewReader(`{"accept_rules":true}`))
		req.Header.Set("Authorization", "Bearer token-"+role)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b json.RawMessage
		json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	st1, b1 := enrol("student", "k1")
	st2, b2 := enrol("student", "k1")
	if st1 != http.StatusCreated || st2 != http.StatusCreated || string(b1) != string(b2) || !strings.Contains(string(b1), `"status":"enrolled"`) {
		t.Errorf("enrolling, and again with its key: %d %s, %d %s", st1, b1, st2, b2)
	}
	if st, b := enrol("student", ""); st != http.StatusConflict || !strings.Contains(string(b), "already_enrolled") {
		t.Errorf("enrolling twice: %d %s", st, b)
	}
	if st, b := enrol("staff", "k2"); st != http.StatusCreated || !strings.Contains(string(b), `"status":"waiting"`) || !strings.Contains(string(b), `"position":1`) {
		t.Errorf("enrolling into a full course: %d %s", st, b)
	}
	list := func(role, query string) []courseAnswer {
		status, _, body := call(t, ts, role, "GET", "/api/v1/courses"+query, "")
		var page struct {
			Items []courseAnswer
			Next  *string
		}
		if err := json.Unmarshal(body, &page); status != http.StatusOK || err != nil {
			t.Fatalf("listing courses: %d %s", status, body)
		}
		return page.Items
	}
	if cs := list("student", ""); len(cs) != 1 || cs[0].Enrolled != 1 || cs[0].Waiting != 1 || cs[0].Enrolment == nil || cs[0].Enrolment.Status != "enrolled" || cs[0].Enrolment.Position != nil {
		t.Errorf("the student's list: %+v", cs)
	}
	if cs := list("staff", "?lang=zh"); len(cs) != 1 || cs[0].Enrolment == nil || cs[0].Enrolment.Status != "waiting" || *cs[0].Enrolment.Position != 1 || cs[0].Court.Name != court.Name.In("zh") {
		t.Errorf("the waiting list's view: %+v", cs)
	}
	if cs := list("family", "?mine=true"); len(cs) != 0 {
		t.Errorf("mine, with none: %+v", cs)
	}
	if st, _, b := call(t, ts, "staff", "GET", "/api/v1/courses/"+id, ""); st != http.StatusOK || !strings.Contains(string(b), `"waiting"`) {
		t.Errorf("one course: %d %s", st, b)
	}

	// Leave from the second session, by its leave_until.
	sess := func(s int64, what string) string {
		return fmt.Sprintf("/api/v1/courses/%s/sessions/%d/%s", id, s, what)
	}
	if st, _, b := call(t, ts, "student", "POST", sess(s2.ID, "leave"), ""); st != http.StatusOK || !strings.Contains(string(b), `"status":"leave"`) {
		t.Errorf("leave: %d %s", st, b)
	}
	if st, _, b := call(t, ts, "staff", "POST", sess(s2.ID, "leave"), ""); st != http.StatusConflict || !strings.Contains(string(b), `"code":"waiting"`) {
		t.Errorf("leave while waiting: %d %s", st, b)
	}
	// Check in to the first: in its window, with a scan at the court.
	clock.Set(s1.Start.Add(-10 * time.Minute))
	if st, _, b := call(t, ts, "student", "POST", sess(s1.ID, "leave"), ""); st != 422 || !strings.Contains(string(b), `"param":"leave_until"`) {
		t.Errorf("leave too late: %d %s", st, b)
	}
	if st, _, b := call(t, ts, "student", "POST", sess(s1.ID, "checkin"), `{"device":"d"`); st != http.StatusBadRequest {
		t.Errorf("a check-in with a broken scan: %d %s", st, b)
	}
	st, _, b := call(t, ts, "student", "POST", sess(s1.ID, "checkin"), scanAt(t, court.Unit))
	var mark struct {
		Status string
		Scan   *string
	}
	if json.Unmarshal(b, &mark); st != http.StatusOK || mark.Status != "checked_in" || mark.Scan == nil || *mark.Scan != "agreed" {
		t.Errorf("a check-in at the court: %d %s", st, b)
	}
	if st, _, b := call(t, ts, "student", "POST", sess(s1.ID, "checkin"), ""); st != http.StatusOK || !strings.Contains(string(b), `"scan":"agreed"`) {
		t.Errorf("checking in again answers the first: %d %s", st, b)
	}
	if st, _, b := call(t, ts, "staff", "POST", sess(s1.ID, "checkin"), ""); st != http.StatusConflict {
		t.Errorf("a check-in while waiting: %d %s", st, b)
	}
	// Too late to cancel the place.
	if st, _, b := call(t, ts, "student", "DELETE", "/api/v1/courses/"+id+"/enrolment", ""); st != 422 || !strings.Contains(string(b), `"param":"cancel_until"`) {
		t.Errorf("cancelling after cancel_until: %d %s", st, b)
	}
	clock.Set(s1.Start.Add(20 * time.Minute))
	if st, _, b := call(t, ts, "student", "POST", sess(s1.ID, "checkin"), ""); st != 422 || !strings.Contains(string(b), `"code":"too_late"`) {
		t.Errorf("a check-in after its window: %d %s", st, b)
	}
	if cs := list("student", ""); *cs[0].Sessions[0].Mark != "checked_in" || *cs[0].Sessions[1].Mark != "leave" {
		t.Errorf("the marks in the list: %+v", cs[0].Sessions)
	}
	// Attendance: the first session checked in (the second is to come).
	clock.Set(s2.Start.Add(time.Hour))
	srv := New(Deps{Courses: courses}, Config{})
	ec := srv.e.NewContext(httptest.NewRequest("GET", "/api/v1/me/attendance", nil), httptest.NewRecorder())
	att, err := srv.courseAttendance(ec, auth.User{ID: 7, Role: auth.Student}, "en")
	if err != nil || len(att) != 2 || att[0].Status != "leave" || att[1].Status != "checked_in" || att[1].Scan == nil || *att[1].Scan != "agreed" || att[1].Court == nil {
		t.Errorf("attendance: %+v %v", att, err)
	}
	status, _, body = call(t, ts, "student", "GET", "/api/v1/me/attendance?lang=zh", "")
	var record struct{ Courses []CourseAttendanceJSON }
	if json.Unmarshal(body, &record); status != http.StatusOK || len(record.Courses) != 2 || record.Courses[1].Status != "checked_in" ||
		record.Courses[1].Court.Name != court.Name.In("zh") || record.Courses[1].Name["en"] != "Badminton for beginners" {
		t.Errorf("GET /me/attendance: %d %s", status, body)
	}
	// A waiting place may go at any time; the desk ends the course.
	if st, _, b := call(t, ts, "staff", "DELETE", "/api/v1/courses/"+id+"/enrolment", ""); st != http.StatusNoContent {
		t.Errorf("leaving the waiting list: %d %s", st, b)
	}
	if st, _, b := call(t, ts, "admin", "DELETE", "/api/v1/courses/"+id, ""); st != http.StatusNoContent {
		t.Errorf("deleting the course: %d %s", st, b)
	}
	if bs, _ := db.SpaceBookings(ctx, court.ID, s1.Start, s2.End); len(bs) != 0 {
		t.Errorf("the deleted course's sessions hold the court: %+v", bs)
	}
}

// TestCoursesWaitingListMovesUp: a cancel within the window gives the
// place to the first waiting, over HTTP.
func TestCoursesWaitingListMovesUp(t *testing.T) {
	_, _, _, db := fakeAccessDB(t)
	courses, _, court := fakeCourses(t, db)
	ts := testServerWith(t, func(d *Deps) { d.Courses = courses })
	status, _, body := call(t, ts, "admin", "POST", "/api/v1/courses", courseBody(court.ID, 1, 30))
	var c courseAnswer
	if json.Unmarshal(body, &c); status != http.StatusCreated {
		t.Fatalf("%d %s", status, body)
	}
	path := fmt.Sprintf("/api/v1/courses/%d", c.ID)
	for _, role := range []string{"student", "staff"} {
		if st, _, b := call(t, ts, role, "POST", path+"/enrol", `{"accept_rules":true}`); st != http.StatusCreated {
			t.Fatalf("%s enrolling: %d %s", role, st, b)
		}
	}
	// Family members use the hall's courts too (booking.json's court kind).
	if st, _, b := call(t, ts, "family", "POST", path+"/enrol", `{"accept_rules":true}`); st != http.StatusCreated || !strings.Contains(string(b), `"position":2`) {
		t.Fatalf("family enrolling: %d %s", st, b)
	}
	if st, _, b := call(t, ts, "student", "DELETE", path+"/enrolment", ""); st != http.StatusNoContent {
		t.Fatalf("cancelling: %d %s", st, b)
	}
	_, _, body = call(t, ts, "staff", "GET", path, "")
	if json.Unmarshal(body, &c); c.Enrolment == nil || c.Enrolment.Status != "enrolled" || c.Enrolled != 1 || c.Waiting != 1 || !strings.Contains(string(body), `"rules":{"en":"Sports hall rules`) {
		t.Errorf("after the cancel: %s", body)
	}
	if st, _, b := call(t, ts, "student", "DELETE", path+"/enrolment", ""); st != http.StatusNotFound {
		t.Errorf("cancelling twice: %d %s", st, b)
	}
}

// TestCoursesOff: without the service, its routes say so.
func TestCoursesOff(t *testing.T) {
	ts := testServer(t)
	if st, _, b := call(t, ts, "student", "GET", "/api/v1/courses", ""); st != http.StatusNotFound || !strings.Contains(string(b), "courses are not available") {
		t.Errorf("%d %s", st, b)
	}
}

// scanAt is a scan a phone standing in unit u would make: the beacons
// of its level within 25 m, each heard as the path loss of its distance.
func scanAt(t *testing.T, u *geo.Unit) string {
	t.Helper()
	v := campusDeps.Venue
	at := v.Projection.ToLocal(u.Display[0], u.Display[1])
	var hs []string
	for _, b := range beacons.FromVenue(v).Beacons {
		if b.Ordinal != u.Level.Ordinal {
			continue
		}
		d := math.Hypot(b.Point[0]-at[0], b.Point[1]-at[1])
		if d > 25 {
			continue
		}
		hs = append(hs, fmt.Sprintf(`{"beacon":%q,"rssi":%.1f}`, b.ID, b.MeasuredPower-20*math.Log10(math.Max(d, 1))))
	}
	if len(hs) < 3 {
		t.Fatalf("%d beacons near %s", len(hs), u.Ref)
	}
	return fmt.Sprintf(`{"device":"phone","t":%q,"scans":[%s]}`, time.Now().UTC().Format(time.RFC3339), strings.Join(hs, ","))
}
