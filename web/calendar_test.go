package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/store"
)

// fakeCalendars is the calendar feeds over st with the bookings' source,
// the spaces svc's, the clock now's, and a feed of the student's (id 7
// of fakeAccessDB): it answers the service and the feed's path.
func fakeCalendars(t testing.TB, st *store.DB, svc *booking.Service, now *atomic.Pointer[time.Time]) (*booking.Calendars, string) {
	t.Helper()
	cals := &booking.Calendars{Store: st, Sources: []booking.Source{booking.BookingEvents{Store: st, Catalogue: svc.Catalogue}},
		Now: func() time.Time { return *now.Load() }}
	secret, err := cals.NewFeed(t.Context(), 7)
	if err != nil {
		t.Fatal(err)
	}
	return cals, calendarPath + secret + ".ics"
}

// calendarsOver is the calendar feeds over st with the bookings' source,
// its spaces the campus's, and those spaces by reference.
func calendarsOver(t testing.TB, st *store.DB) (*booking.Calendars, *booking.Service, map[string]*booking.Space) {
	t.Helper()
	svc, err := booking.New(campusDeps.Venue, st, booking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spaces := map[string]*booking.Space{}
	for _, sp := range svc.Catalogue().Spaces() {
		spaces[sp.Ref] = sp
	}
	for _, ref := range []string{"C1-108", "C1-118", "C1-122", "C1-131"} {
		if spaces[ref] == nil {
			t.Fatalf("the campus has no space %s", ref)
		}
	}
	return &booking.Calendars{Store: st, Sources: []booking.Source{booking.BookingEvents{Store: st, Catalogue: svc.Catalogue}}}, svc, spaces
}

// logBuffer is a log written to memory, safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fetchFeed GETs a feed's URL, without signing in, and parses it with
// the library that wrote it; a status other than 200 is answered with
// no calendar.
func fetchFeed(t *testing.T, url string, header ...string) (int, http.Header, *ics.Calendar) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, resp.Header, nil
	}
	if !bytes.Contains(b.Bytes(), []byte("\r\nEND:VCALENDAR\r\n")) {
		t.Errorf("the feed's lines do not end in CRLF:\n%q", b.Bytes())
	}
	cal, err := ics.ParseCalendar(&b)
	if err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	return resp.StatusCode, resp.Header, cal
}

// eventsByUID are a calendar's events by UID.
func eventsByUID(cal *ics.Calendar) map[string]*ics.VEvent {
	out := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		out[e.Id()] = e
	}
	return out
}

func propOf(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestCalendarOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testCalendarOverHTTP(t, engine) })
	}
}

func testCalendarOverHTTP(t *testing.T, engine string) {
	testServer(t) // loads the campus
	ctx := t.Context()
	db := openPayStore(t, engine)
	authn := auth.New(db, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	cals, bookings, spaces := calendarsOver(t, db)
	d := campusDeps
	d.Auth, d.Places, d.Idempotency, d.Calendars, d.Bookings = authn, db, db, cals, bookings
	var log logBuffer
	ts := httptest.NewServer(New(d, Config{Logger: slog.New(slog.NewTextHandler(&log, nil))}).Handler())
	t.Cleanup(ts.Close)
	signIn := func(email string) (string, auth.User) {
		u, err := authn.AddUser(ctx, email, "correct horse battery", auth.Student)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := authn.Login(ctx, email, "correct horse battery", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return sess.Token, u
	}
	ann, annUser := signIn("ann@example.edu")
	ben, benUser := signIn("ben@example.edu")

	// A feed is a signed-in person's.
	if st, _, _ := callToken(t, &httptest.Server{URL: ts.URL}, "", "POST", "/api/v1/me/calendar", ""); st != http.StatusUnauthorized {
		t.Errorf("a feed without signing in: %d, want 401", st)
	}
	newFeed := func(token string, header ...string) calendarFeedAnswer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/me/calendar", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("POST /me/calendar: %d %q %s", resp.StatusCode, resp.Header.Get("Cache-Control"), b.Bytes())
		}
		return decode[calendarFeedAnswer](t, "a feed", b.Bytes())
	}
	feed := newFeed(ann)
	if !strings.HasPrefix(feed.URL, ts.URL+calendarPath) || !strings.HasSuffix(feed.URL, ".ics") || feed.WebCal != "webcal://"+strings.TrimPrefix(feed.URL, "http://") {
		t.Fatalf("the feed: %+v", feed)
	}
	secret := strings.TrimSuffix(strings.TrimPrefix(feed.URL, ts.URL+calendarPath), ".ics")
	if len(secret) < 43 {
		t.Errorf("a secret of %d characters", len(secret))
	}

	// Ann's bookings: one ahead, one pending, one past, one past the
	// window's end; Ben's own.
	now := time.Now().Truncate(time.Minute)
	book := func(u auth.User, space string, start time.Time, status, title string) booking.Booking {
		t.Helper()
		b, err := db.Book(ctx, booking.Booking{Space: space, UserID: u.ID, Start: start, End: start.Add(time.Hour), Title: title, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	meeting, classroom := spaces["C1-122"].ID, spaces["C1-108"].ID
	ahead := book(annUser, meeting, now.Add(48*time.Hour), booking.Confirmed, "Group work")
	pending := book(annUser, classroom, now.Add(72*time.Hour), booking.Pending, "")
	past := book(annUser, meeting, now.Add(-10*24*time.Hour), booking.Confirmed, "Last week's")
	beyond := book(annUser, meeting, now.Add(200*24*time.Hour), booking.Confirmed, "Too far")
	bens := book(benUser, spaces["C1-118"].ID, now.Add(48*time.Hour), booking.Confirmed, "Ben's")

	st, h, cal := fetchFeed(t, feed.URL)
	if st != http.StatusOK {
		t.Fatalf("the feed: %d", st)
	}
	if ct := h.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := h.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if resp, err := http.Head(feed.URL); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Errorf("HEAD the feed: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	evs := eventsByUID(cal)
	uid := func(b booking.Booking) string { return booking.EventUID("booking", b.ID) }
	if len(evs) != 3 || evs[uid(ahead)] == nil || evs[uid(pending)] == nil || evs[uid(past)] == nil {
		t.Fatalf("the feed's events: %v, want %s, %s and %s (not %s, beyond the window, nor Ben's %s)",
			keys(evs), uid(ahead), uid(pending), uid(past), uid(beyond), uid(bens))
	}
	e := evs[uid(ahead)]
	if s, err := e.GetStartAt(); err != nil || !s.Equal(ahead.Start) {
		t.Errorf("DTSTART %v %v, want %v", s, err, ahead.Start)
	}
	if end, err := e.GetEndAt(); err != nil || !end.Equal(ahead.End) {
		t.Errorf("DTEND %v %v, want %v", end, err, ahead.End)
	}
	if got := propOf(e, ics.ComponentPropertyDtStart); !strings.HasSuffix(got, "Z") {
		t.Errorf("DTSTART %q is not UTC", got)
	}
	for p, want := range map[ics.ComponentProperty]string{ics.ComponentPropertyStatus: "CONFIRMED", ics.ComponentPropertySummary: "Group work",
		ics.ComponentPropertySequence: "0", ics.ComponentPropertyLocation: "C1, 1/F, 122 (Meeting Room 1)"} {
		if got := propOf(e, p); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
	if d := propOf(e, ics.ComponentPropertyDescription); !strings.Contains(d, "Booking: Meeting Room 1") || !strings.Contains(d, "C1, 1楼, 122（1号会议室）") {
		t.Errorf("DESCRIPTION %q: want the space's name, and the place in Chinese", d)
	}
	if g := propOf(e, ics.ComponentPropertyGeo); !strings.HasPrefix(g, "22.") || !strings.Contains(g, ";113.") {
		t.Errorf("GEO %q, want the room's latitude;longitude", g)
	}
	if p := evs[uid(pending)]; propOf(p, ics.ComponentPropertyStatus) != "TENTATIVE" || propOf(p, ics.ComponentPropertySummary) != "Booking: C1-108" {
		t.Errorf("a pending booking: STATUS %q SUMMARY %q, want TENTATIVE, Booking: C1-108",
			propOf(p, ics.ComponentPropertyStatus), propOf(p, ics.ComponentPropertySummary))
	}

	// Moved, then cancelled: the same UID, its new times, a higher
	// SEQUENCE, then STATUS:CANCELLED.
	if _, err := db.MoveBooking(ctx, ahead.ID, annUser.ID, ahead.Start.Add(time.Hour), ahead.End.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, _, cal = fetchFeed(t, feed.URL)
	e = eventsByUID(cal)[uid(ahead)]
	if s, _ := e.GetStartAt(); e == nil || !s.Equal(ahead.Start.Add(time.Hour)) || propOf(e, ics.ComponentPropertySequence) != "1" {
		t.Errorf("moved: DTSTART %v SEQUENCE %q, want %v and 1", s, propOf(e, ics.ComponentPropertySequence), ahead.Start.Add(time.Hour))
	}
	if _, err := db.EndBooking(ctx, ahead.ID, annUser.ID, booking.Cancelled); err != nil {
		t.Fatal(err)
	}
	_, _, cal = fetchFeed(t, feed.URL)
	e = eventsByUID(cal)[uid(ahead)]
	if e == nil || propOf(e, ics.ComponentPropertyStatus) != "CANCELLED" || propOf(e, ics.ComponentPropertySequence) != "2" {
		t.Fatalf("cancelled: %v, want STATUS:CANCELLED, SEQUENCE:2", e)
	}
	if m, err := e.GetLastModifiedAt(); err != nil || m.Before(ahead.Created.Truncate(time.Second)) {
		t.Errorf("LAST-MODIFIED %v %v, want after %v", m, err, ahead.Created)
	}

	// In Chinese, asked by the URL or by Accept-Language.
	for _, c := range []struct{ url, header string }{{feed.URL + "?lang=zh", ""}, {feed.URL, "zh-CN,zh;q=0.9"}} {
		_, _, cal := fetchFeed(t, c.url, "Accept-Language", c.header)
		if got := propOf(eventsByUID(cal)[uid(pending)], ics.ComponentPropertySummary); got != "预约：C1-108" {
			t.Errorf("%s (Accept-Language %q): SUMMARY %q, want 预约：C1-108", c.url, c.header, got)
		}
	}
	if zh := newFeed(ann, "Accept-Language", "zh-CN"); !strings.HasSuffix(zh.URL, ".ics?lang=zh") {
		t.Errorf("a feed asked for in Chinese: %s", zh.URL)
	} else {
		feed = zh
	}
	if st, _, _ := fetchFeed(t, strings.TrimSuffix(feed.URL, "?lang=zh")+"?lang=fr"); st != http.StatusBadRequest {
		t.Errorf("lang=fr: %d, want 400", st)
	}

	// A new URL ends the old one; Ben's feed is his alone.
	old := feed
	feed = newFeed(ann)
	if st, h, _ := fetchFeed(t, old.URL); st != http.StatusNotFound || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
		t.Errorf("the replaced URL: %d %s, want a 404 problem", st, h.Get("Content-Type"))
	}
	benFeed := newFeed(ben)
	if _, _, cal := fetchFeed(t, benFeed.URL); cal == nil || len(cal.Events()) != 1 || cal.Events()[0].Id() != uid(bens) {
		t.Errorf("Ben's feed: %v", cal)
	}
	// Booked and cancelled through the bookings' API: in the feed, then
	// CANCELLED.
	tomorrow := time.Now().In(bookings.Catalogue().Zone()).AddDate(0, 0, 1)
	ten := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 10, 0, 0, 0, tomorrow.Location())
	st, _, body := callToken(t, &httptest.Server{URL: ts.URL}, ann, "POST", "/api/v1/bookings",
		`{"space":"`+spaces["C1-131"].ID+`","start":"`+ten.Format(time.RFC3339)+`","end":"`+ten.Add(time.Hour).Format(time.RFC3339)+`","title":"Reading group"}`)
	if st != http.StatusCreated {
		t.Fatalf("POST /bookings: %d %s", st, body)
	}
	booked := decode[struct{ ID int64 }](t, "a booking", body)
	viaAPI := booking.EventUID("booking", booked.ID)
	_, _, cal = fetchFeed(t, feed.URL)
	if e := eventsByUID(cal)[viaAPI]; e == nil || propOf(e, ics.ComponentPropertyStatus) != "CONFIRMED" || propOf(e, ics.ComponentPropertySummary) != "Reading group" {
		t.Fatalf("the booking made over HTTP in the feed: %v", e)
	}
	if st, _, body := callToken(t, &httptest.Server{URL: ts.URL}, ann, "DELETE", fmt.Sprintf("/api/v1/bookings/%d", booked.ID), ""); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("DELETE /bookings/%d: %d %s", booked.ID, st, body)
	}
	_, _, cal = fetchFeed(t, feed.URL)
	if e := eventsByUID(cal)[viaAPI]; e == nil || propOf(e, ics.ComponentPropertyStatus) != "CANCELLED" || propOf(e, ics.ComponentPropertySequence) != "1" {
		t.Errorf("the booking cancelled over HTTP: %v, want STATUS:CANCELLED, SEQUENCE:1", e)
	}

	for _, bad := range []string{calendarPath + "nothing.ics", calendarPath + secret, calendarPath + strings.Repeat("A", 43) + ".ics"} {
		if st, _, _ := fetchFeed(t, ts.URL+bad); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}

	// Revoked: 404 at once, in this process and any other.
	if st, _, b := callToken(t, &httptest.Server{URL: ts.URL}, ann, "DELETE", "/api/v1/me/calendar", ""); st != http.StatusNoContent {
		t.Fatalf("DELETE /me/calendar: %d %s", st, b)
	}
	if st, _, _ := fetchFeed(t, feed.URL); st != http.StatusNotFound {
		t.Errorf("the revoked feed: %d, want 404", st)
	}
	other := httptest.NewServer(New(d, Config{}).Handler()) // another replica
	defer other.Close()
	if st, _, _ := fetchFeed(t, strings.Replace(feed.URL, ts.URL, other.URL, 1)); st != http.StatusNotFound {
		t.Errorf("the revoked feed on another replica: %d, want 404", st)
	}
	if st, _, _ := fetchFeed(t, strings.Replace(benFeed.URL, ts.URL, other.URL, 1)); st != http.StatusOK {
		t.Errorf("Ben's feed on another replica: %d, want 200", st)
	}

	// The log shows the feeds' route, never a secret.
	logged := log.String()
	for _, s := range []string{secret, strings.TrimSuffix(strings.TrimPrefix(benFeed.URL, ts.URL+calendarPath), ".ics")} {
		if strings.Contains(logged, s) {
			t.Errorf("the log holds a feed's secret:\n%s", logged)
		}
	}
	if !strings.Contains(logged, "path=/api/v1/calendar/:feed") {
		t.Errorf("the log does not show the feeds' route:\n%.2000s", logged)
	}
}

func keys[V any](m map[string]V) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}
