package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/store"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// bookingNow is the clock of the booking tests: Tuesday 1 December 2026,
// 09:05 in Shanghai.
var bookingNow = time.Date(2026, 12, 1, 9, 5, 0, 0, shanghai)

// webRules are the booking tests' rules (not the archive's, which may
// change): meeting rooms, classrooms approved by the desk, courts.
const webRules = `{"version": 1, "kinds": [
 {"type": "meeting", "name": {"en": "Meeting room", "zh-Hans": "会议室"}, "units": {"categories": ["conferenceroom"]},
  "hours": [{"from": "08:00", "to": "22:00"}], "slot_min": 30, "ahead_days": 14, "longest_min": 240, "checkin": true},
 {"type": "classroom", "name": {"en": "Classroom", "zh-Hans": "教室"}, "units": {"categories": ["classroom"]}, "approver": "desk"},
 {"type": "court", "name": {"en": "Court", "zh-Hans": "场地"}, "units": {"categories": ["fieldofplay"]}, "roles": ["staff", "student", "family"],
  "hours": [{"from": "07:00", "to": "22:00"}], "slot_min": 60, "ahead_days": 7, "longest_min": 120, "accept_rules": true,
  "rules": {"en": "Sports shoes only.", "zh-Hans": "请穿运动鞋。"}, "cancel_before_min": 120, "checkin": true}]}`

// fakeBookings is the booking service over db at a clock the test moves.
func fakeBookings(t testing.TB, db booking.Store, now *atomic.Pointer[time.Time]) *booking.Service {
	t.Helper()
	svc, err := booking.New(campusDeps.Venue, db, booking.Options{Graph: campusDeps.Graph, Rules: []byte(webRules),
		Now: func() time.Time { return *now.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// firstSpace is the id of the first space of a type.
func firstSpace(svc *booking.Service, typ string, skip int) *booking.Space {
	for _, sp := range svc.Catalogue().Spaces() {
		if sp.Kind.Type == typ {
			if skip == 0 {
				return sp
			}
			skip--
		}
	}
	return nil
}

type bookServer struct {
	*httptest.Server
	db   *store.DB
	auth *auth.Service
	svc  *booking.Service
	now  atomic.Pointer[time.Time]
}

func newBookServer(t *testing.T, engine string) *bookServer {
	t.Helper()
	testServer(t)
	s := &bookServer{db: openPayStore(t, engine)}
	s.now.Store(&bookingNow)
	s.auth = auth.New(s.db, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	s.svc = fakeBookings(t, s.db, &s.now)
	d := campusDeps
	d.Auth, d.Idempotency, d.Bookings = s.auth, s.db, s.svc
	s.Server = httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(s.Close)
	return s
}

func (s *bookServer) signIn(t *testing.T, email string, role auth.Role) string {
	t.Helper()
	if _, err := s.auth.AddUser(t.Context(), email, "correct horse battery", role); err != nil {
		t.Fatal(err)
	}
	sess, err := s.auth.Login(t.Context(), email, "correct horse battery", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

func at12(h, m int) string { return time.Date(2026, 12, 1, h, m, 0, 0, shanghai).Format(time.RFC3339) }

// TestBookingsOverHTTP goes through a day of bookings over loopback, on
// both stores.
func TestBookingsOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testBookingsOverHTTP(t, engine) })
	}
}

func testBookingsOverHTTP(t *testing.T, engine string) {
	s := newBookServer(t, engine)
	student := s.signIn(t, "li@connect.example.edu", auth.Student)
	staff := s.signIn(t, "wang@example.edu", auth.Staff)
	room := firstSpace(s.svc, "meeting", 0)
	body := func(sp *booking.Space, h0, m0, h1, m1 int) string {
		return fmt.Sprintf(`{"space":%q,"start":%q,"end":%q,"title":"group work"}`, sp.ID, at12(h0, m0), at12(h1, m1))
	}

	code, _, b := keyed(t, s.URL, student, "k1", "POST", "/api/v1/bookings", body(room, 10, 0, 11, 0))
	if code != http.StatusCreated {
		t.Fatalf("book: %d %s", code, b)
	}
	bk := decode[bookingJSON](t, "booking", b)
	if bk.Status != "confirmed" || bk.SpaceRef != room.Ref || bk.Checkin == nil || bk.Place == "" {
		t.Errorf("booking: %+v", bk)
	}
	// The same key again replays; the same interval by another is a 409
	// naming the booking in the way; back to back is fine.
	if code, h, _ := keyed(t, s.URL, student, "k1", "POST", "/api/v1/bookings", body(room, 10, 0, 11, 0)); code != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %v", code, h)
	}
	code, _, b = keyed(t, s.URL, staff, "k2", "POST", "/api/v1/bookings", body(room, 10, 30, 11, 30))
	p := decode[Problem](t, "problem", b)
	if code != http.StatusConflict || p.Code != "booked" || p.Conflict == nil || !p.Conflict.Start.Equal(bk.Start) {
		t.Errorf("overlap: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, staff, "k3", "POST", "/api/v1/bookings", body(room, 11, 0, 12, 0)); code != http.StatusCreated {
		t.Errorf("back to back: %d %s", code, b)
	}
	// A rule broken is a 422 naming it, in Chinese when asked.
	code, _, b = keyed(t, s.URL, staff, "k4", "POST", "/api/v1/bookings?lang=zh", body(room, 12, 10, 13, 0))
	p = decode[Problem](t, "problem", b)
	if code != http.StatusUnprocessableEntity || p.Code != "slot_min" || p.Param != "start" || !strings.Contains(p.Detail, "时段") || p.Title != "不符合预约规则" {
		t.Errorf("off the slots: %d %s", code, b)
	}
	court := firstSpace(s.svc, "court", 0)
	code, _, b = keyed(t, s.URL, student, "k5", "POST", "/api/v1/bookings", body(court, 10, 0, 11, 0))
	if p = decode[Problem](t, "problem", b); code != http.StatusUnprocessableEntity || p.Param != "accept_rules" {
		t.Errorf("court without the rules: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, student, "k6", "POST", "/api/v1/bookings", strings.Replace(body(court, 10, 0, 11, 0), `}`, `,"accept_rules":true}`, 1)); code != http.StatusCreated {
		t.Errorf("court: %d %s", code, b)
	}

	// The room's timeline shows the two bookings as occupied, and the
	// nearest free meeting room from it is another.
	u := room.Unit
	q := url.Values{"type": {"meeting"}, "q": {room.Ref}, "start": {at12(10, 0)}, "end": {at12(10, 30)}}
	code, _, b = keyed(t, s.URL, student, "", "GET", "/api/v1/spaces?"+q.Encode(), "")
	sp := decode[spacesAnswer](t, "spaces", b)
	if code != http.StatusOK || len(sp.Items) != 1 || sp.Items[0].Available {
		t.Fatalf("spaces: %d %s", code, b)
	}
	// Where the room is, for the map page to fly and route to it, and
	// how it is booked.
	if it := sp.Items[0]; it.Unit != u.ID || it.Lon != u.Display[0] || it.Lat != u.Display[1] || it.Level != u.Level.ID ||
		it.Ordinal != u.Level.Ordinal || it.SlotMin != 30 || !it.Checkin {
		t.Errorf("where and how: %s", b)
	}
	occupied := 0
	for _, seg := range sp.Items[0].Timeline {
		if seg.State == booking.StateOccupied {
			occupied++
			if !seg.Start.Equal(bk.Start) || seg.End.Sub(seg.Start) != 2*time.Hour {
				t.Errorf("occupied %v-%v, want 10:00-12:00", seg.Start, seg.End)
			}
		}
	}
	if occupied != 1 {
		t.Errorf("%d occupied stretches: %+v", occupied, sp.Items[0].Timeline)
	}
	near := fmt.Sprintf("%.7f,%.7f,%d", u.Display[0], u.Display[1], u.Level.Ordinal)
	q = url.Values{"type": {"meeting"}, "capacity": {"6"}, "near": {near}, "available": {"true"}, "limit": {"3"}, "start": {at12(10, 0)}, "end": {at12(11, 0)}}
	code, _, b = keyed(t, s.URL, student, "", "GET", "/api/v1/spaces?"+q.Encode(), "")
	sp = decode[spacesAnswer](t, "spaces", b)
	if code != http.StatusOK || len(sp.Items) != 3 || sp.Items[0].ID == room.ID || sp.Items[0].WalkS == nil || sp.Next == nil {
		t.Errorf("nearest free: %d %s", code, b)
	}
	for _, bad := range []string{"start=yesterday", "near=1,2", "type=ballroom", "available=maybe", "building=Z9"} {
		if code, _, b := keyed(t, s.URL, student, "", "GET", "/api/v1/spaces?"+bad, ""); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, code, b)
		}
	}

	// Mine, moved, checked into (too early), cancelled.
	code, _, b = keyed(t, s.URL, student, "", "GET", "/api/v1/me/bookings", "")
	if mine := decode[bookingsAnswer](t, "mine", b); code != http.StatusOK || len(mine.Items) != 2 {
		t.Errorf("mine: %d %s", code, b)
	}
	path := fmt.Sprintf("/api/v1/bookings/%d", bk.ID)
	if code, _, b := keyed(t, s.URL, staff, "", "GET", path, ""); code != http.StatusNotFound {
		t.Errorf("another's booking: %d %s", code, b)
	}
	code, _, b = keyed(t, s.URL, student, "", "PATCH", path, fmt.Sprintf(`{"start":%q,"end":%q}`, at12(14, 0), at12(15, 0)))
	if m := decode[bookingJSON](t, "moved", b); code != http.StatusOK || !m.Start.Equal(time.Date(2026, 12, 1, 14, 0, 0, 0, shanghai)) {
		t.Errorf("move: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, student, "", "POST", path+"/checkin", ""); code != http.StatusUnprocessableEntity {
		t.Errorf("early check-in: %d %s", code, b)
	}
	later := time.Date(2026, 12, 1, 13, 55, 0, 0, shanghai)
	s.now.Store(&later)
	code, _, b = keyed(t, s.URL, student, "", "POST", path+"/checkin", "")
	if ci := decode[bookingJSON](t, "checked in", b); code != http.StatusOK || ci.Checkin == nil || ci.Checkin.CheckedIn == nil || ci.Checkin.Scan != nil {
		t.Errorf("check-in: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, student, "", "DELETE", path, ""); code != http.StatusOK || !strings.Contains(string(b), `"cancelled"`) {
		t.Errorf("cancel: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, student, "", "DELETE", path, ""); code != http.StatusNotFound {
		t.Errorf("cancel again: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, student, "", "GET", "/api/v1/me/attendance", ""); code != http.StatusOK || !strings.Contains(string(b), `"suspended_until":null`) {
		t.Errorf("attendance: %d %s", code, b)
	}
}

// TestHundredAtOnce: 100 requests at once for overlapping windows of one
// room give exactly one 201 and 99 409s, on each store.
func TestHundredAtOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			s := newBookServer(t, engine)
			room := firstSpace(s.svc, "meeting", 1)
			tokens := make([]string, 10)
			for i := range tokens {
				tokens[i] = s.signIn(t, fmt.Sprintf("p%d@example.edu", i), auth.Student)
			}
			var wg sync.WaitGroup
			var created, conflicts, other atomic.Int64
			for i := range 100 {
				wg.Go(func() {
					start := 10*60 + 30*(i%4) // 10:00, 10:30, 11:00, 11:30, each two hours long
					b := fmt.Sprintf(`{"space":%q,"start":%q,"end":%q}`, room.ID, at12(start/60, start%60), at12(start/60+2, start%60))
					code, _, body := keyed(t, s.URL, tokens[i%10], fmt.Sprintf("h%d", i), "POST", "/api/v1/bookings", b)
					switch code {
					case http.StatusCreated:
						created.Add(1)
					case http.StatusConflict:
						conflicts.Add(1)
					default:
						other.Add(1)
						t.Errorf("%d %s", code, body)
					}
				})
			}
			wg.Wait()
			if created.Load() != 1 || conflicts.Load() != 99 {
				t.Errorf("%d created, %d conflicts, %d other; want 1 and 99", created.Load(), conflicts.Load(), other.Load())
			}
		})
	}
}
