package web

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/tour"
)

// tourNow is Friday 4 December 2026, 09:00 in Shanghai.
var tourNow = time.Date(2026, 12, 4, 9, 0, 0, 0, time.FixedZone("+08", 8*3600))

// tourSite is a server with the tours on a store of engine, phone
// sign-in, the texts sent and the tours' clock.
type tourSite struct {
	*labServer
	codes  *codeBook
	texts  *textBox
	now    *atomic.Pointer[time.Time]
	phones atomic.Int64
}

// textBox is a job queue that keeps the text messages it is given.
type textBox struct {
	mu    sync.Mutex
	texts []tour.Text
}

func (b *textBox) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m, ok := args.(tour.Text); ok && kind == tour.KindText {
		b.texts = append(b.texts, m)
	}
	return nil
}

func (b *textBox) take() []tour.Text {
	b.mu.Lock()
	defer b.mu.Unlock()
	ts := b.texts
	b.texts = nil
	return ts
}

// fakeTours is the campus's tours on db, at the time now holds.
func fakeTours(t testing.TB, db *store.DB, now *atomic.Pointer[time.Time]) *tour.Service {
	t.Helper()
	svc, err := tour.New(campusDeps.Venue, campusDeps.Graph, db, tour.Options{Now: func() time.Time { return *now.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func newTourSite(t *testing.T, engine string) *tourSite {
	testServer(t) // loads the campus once
	s := &tourSite{labServer: &labServer{db: openPayStore(t, engine)}, codes: &codeBook{codes: map[string]string{}}, texts: &textBox{},
		now: &atomic.Pointer[time.Time]{}}
	s.now.Store(&tourNow)
	s.auth = auth.New(s.db, auth.Options{SMS: s.codes, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	s.db.SetQueue(s.texts)
	d := campusDeps
	d.Auth, d.Phone, d.Idempotency, d.Audit, d.Tours = s.auth, s.auth, s.db, s.db, fakeTours(t, s.db, s.now)
	s.Server = httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(s.Close)
	return s
}

// visitor signs a new phone in, as a visitor would (from an address of
// its own): its token and phone.
func (s *tourSite) visitor(t *testing.T) (string, string) {
	t.Helper()
	n := s.phones.Add(1)
	phone := fmt.Sprintf("+86139%08d", n)
	addr := fmt.Sprintf("10.9.%d.%d", n/200, n%200+1)
	if _, _, err := s.auth.StartPhone(t.Context(), phone, addr); err != nil {
		t.Fatal(err)
	}
	sess, err := s.auth.VerifyPhone(t.Context(), phone, s.codes.code(phone), addr)
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token, phone
}

// call makes a request, with a token when one is given ("": none).
func (s *tourSite) call(t *testing.T, token, key, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type toursAnswer struct {
	Items []struct {
		ID          string
		Name        string
		DurationMin int `json:"duration_min"`
		Capacity    int
		Stops       []tour.StopView
		Route       struct {
			DistanceM    float64 `json:"distance_m"`
			DurationS    float64 `json:"duration_s"`
			Instructions []struct{ Type, Text string }
		}
		Slots []tour.SlotView
	}
	Next     *string
	From, To string
}

type tourBooking struct {
	ID        int64
	Slot      string
	TourName  string `json:"tour_name"`
	Start     time.Time
	People    int
	Status    string
	Cancelled *time.Time
	Meet      *tour.StopView
}

func TestToursOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testToursOverHTTP(t, engine) })
	}
}

func testToursOverHTTP(t *testing.T, engine string) {
	s := newTourSite(t, engine)
	ann, annPhone := s.visitor(t)
	bo, _ := s.visitor(t)
	lee := s.person(t, "lee@hkust-gz.edu.cn", auth.Staff)
	slot := "campus-highlights-20261205-1000"

	// Anyone lists the tours, in their language, with the week's slots.
	code, b := s.call(t, "", "", "GET", "/api/v1/tours?lang=zh&to=2026-12-06", "")
	list := decode[toursAnswer](t, "tours", b)
	if code != 200 || len(list.Items) != 2 || list.Next != nil || list.From != "2026-12-04" || list.To != "2026-12-06" {
		t.Fatalf("the tours: %d %s", code, b)
	}
	hl := list.Items[0]
	if hl.Name != "校园精华游" || hl.Stops[0].Name != "2号门" || hl.Stops[0].Kind != "gate" || hl.Route.DistanceM < 100 ||
		!strings.Contains(hl.Route.Instructions[0].Text, "出发") || len(hl.Slots) != 4 || hl.Slots[0].ID != slot || hl.Slots[0].Left != 30 {
		t.Errorf("the highlights in Chinese: %+v", hl)
	}
	for _, c := range []struct{ query, param string }{{"from=2026-12-01", "from"}, {"from=2026-12-05&to=2026-12-30", "to"}, {"to=someday", "to"}, {"lang=fr", "lang"}} {
		code, b := s.call(t, "", "", "GET", "/api/v1/tours?"+c.query, "")
		bookingProblem(t, c.query, 400, c.param, "", code, b)
	}

	// Booking: signed in by phone, as a visitor; the key replays.
	book := func(token, key, slot, body string) (int, []byte) {
		return s.call(t, token, key, "POST", "/api/v1/tours/"+slot+"/bookings?lang=zh", body)
	}
	code, b = book("", "", slot, `{"people":2}`)
	bookingProblem(t, "not signed in", 401, "Authorization", "", code, b)
	code, b = book(lee, "", slot, `{"people":2}`)
	bookingProblem(t, "staff", 403, "Authorization", "visitors_only", code, b)
	code, b = book(ann, "k1", slot, `{"people":3}`)
	first := decode[tourBooking](t, "booking", b)
	if code != http.StatusCreated || first.Status != tour.Booked || first.People != 3 || first.TourName != "校园精华游" || first.Meet == nil ||
		first.Start.Format(time.RFC3339) != "2026-12-05T10:00:00+08:00" {
		t.Fatalf("booked: %d %s", code, b)
	}
	if code, h, _ := keyed(t, s.URL, ann, "k1", "POST", "/api/v1/tours/"+slot+"/bookings?lang=zh", `{"people":3}`); code != 201 || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the replay: %d", code)
	}
	if ts := s.texts.take(); len(ts) != 1 || ts[0].Phone != annPhone || !strings.Contains(ts[0].Body, "3人") {
		t.Errorf("one text, in Chinese: %+v", ts)
	}
	for _, c := range []struct {
		token, slot, body, param, code string
		status                         int
	}{
		{ann, slot, `{"people":1}`, "slot", "already_booked", 409},
		{bo, slot, `{}`, "people", "", 400},
		{bo, slot, `{"people":0}`, "people", "", 400},
		{bo, slot, `{"people":"two"}`, "body", "", 400},
		{bo, slot, `{"people":2,"name":"x"}`, "body", "", 400},
		{bo, "campus-highlights-20261205-1100", `{"people":2}`, "slot", "", 404},
		{bo, "nowhere", `{"people":2}`, "slot", "", 404},
		{bo, "campus-highlights-20261202-1500", `{"people":2}`, "slot", "started", 409},
	} {
		code, b := book(c.token, "", c.slot, c.body)
		bookingProblem(t, c.slot+" "+c.body, c.status, c.param, c.code, code, b)
	}

	// Many at once on the campus walk (20 places): exactly as many as fit.
	walk := "campus-walk-20261205-0930"
	const n, people = 12, 3
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i], _ = s.visitor(t)
	}
	var won, full atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, b := book(tokens[i], fmt.Sprintf("w%d", i), walk, fmt.Sprintf(`{"people":%d}`, people))
			switch {
			case code == 201:
				won.Add(1)
			case code == 409 && strings.Contains(string(b), `"code":"full"`):
				full.Add(1)
			default:
				t.Errorf("booking at once: %d %s", code, b)
			}
		})
	}
	wg.Wait()
	if won.Load() != 20/people || full.Load() != n-20/people {
		t.Errorf("%d booked and %d full, want %d and %d", won.Load(), full.Load(), 20/people, n-20/people)
	}
	_, b = s.call(t, "", "", "GET", "/api/v1/tours?from=2026-12-05&to=2026-12-05", "")
	list = decode[toursAnswer](t, "tours", b)
	if w := list.Items[1]; w.ID != "campus-walk" || w.Slots[0].ID != walk || w.Slots[0].Left != 20-people*int(won.Load()) {
		t.Errorf("the walk after the rush: %+v", w.Slots)
	}
	s.texts.take()

	// My tours, paged; cancelling frees the places, once, and only mine.
	if code, b := book(ann, "", "campus-walk-20261206-1600", `{"people":1}`); code != 201 {
		t.Fatalf("a second booking: %d %s", code, b)
	}
	s.texts.take()
	code, b = s.do(t, ann, "GET", "/api/v1/me/tours?limit=1", "")
	page := decode[listPage[tourBooking]](t, "my tours", b)
	if code != 200 || len(page.Items) != 1 || page.Next == nil || page.Items[0].Slot != "campus-walk-20261206-1600" {
		t.Fatalf("my tours: %d %s", code, b)
	}
	_, b = s.do(t, ann, "GET", "/api/v1/me/tours?limit=1&cursor="+*page.Next, "")
	if page := decode[listPage[tourBooking]](t, "my tours", b); len(page.Items) != 1 || page.Items[0].ID != first.ID || page.Next != nil {
		t.Errorf("the second page: %s", b)
	}
	if code, b := s.call(t, "", "", "GET", "/api/v1/me/tours", ""); code != 401 {
		t.Errorf("my tours, not signed in: %d %s", code, b)
	}
	cancel := fmt.Sprintf("/api/v1/tours/bookings/%d/cancel", first.ID)
	code, b = s.do(t, bo, "POST", cancel, "")
	bookingProblem(t, "another's", 404, "id", "", code, b)
	code, b = s.do(t, ann, "POST", cancel, "")
	if c := decode[tourBooking](t, "cancel", b); code != 200 || c.Status != tour.Cancelled || c.Cancelled == nil || c.TourName != "Campus highlights" {
		t.Errorf("cancel: %d %s", code, b)
	}
	code, b = s.do(t, ann, "POST", cancel, "")
	bookingProblem(t, "again", 409, "id", "cancelled", code, b)
	code, b = s.do(t, ann, "POST", "/api/v1/tours/bookings/x/cancel", "")
	bookingProblem(t, "a bad id", 400, "id", "", code, b)
	if ts := s.texts.take(); len(ts) != 1 || !strings.Contains(ts[0].Body, "已取消") {
		t.Errorf("the cancel's text, in the booking's language: %+v", ts)
	}
	_, b = s.call(t, "", "", "GET", "/api/v1/tours?from=2026-12-05&to=2026-12-05", "")
	if l := decode[toursAnswer](t, "tours", b); l.Items[0].Slots[0].Left != 30 {
		t.Errorf("the highlights after the cancel: %+v", l.Items[0].Slots[0])
	}
	// Once it has started, neither booked nor cancelled.
	sat := time.Date(2026, 12, 6, 16, 0, 0, 0, tourNow.Location())
	s.now.Store(&sat)
	code, b = s.do(t, ann, "POST", fmt.Sprintf("/api/v1/tours/bookings/%d/cancel", page.Items[0].ID), "")
	bookingProblem(t, "cancel at the start", 409, "slot", "started", code, b)
	code, b = book(bo, "", "campus-walk-20261206-1600", `{"people":1}`)
	bookingProblem(t, "book at the start", 409, "slot", "started", code, b)

	es, err := s.db.AuditEntries(t.Context(), audit.Query{Kind: tour.AuditCancelled})
	if err != nil || len(es) != 1 || es[0].Subject != "tel:"+annPhone || es[0].Place != slot {
		t.Errorf("the cancel's audit entry: %+v %v", es, err)
	}
	if es, _ := s.db.AuditEntries(t.Context(), audit.Query{Kind: tour.AuditBooked}); len(es) != 2+int(won.Load()) {
		t.Errorf("%d bookings in the audit log, want %d", len(es), 2+won.Load())
	}
}
