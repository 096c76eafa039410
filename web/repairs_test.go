package web

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/store"
)

// repairNow is the repair tests' clock: 1 December 2026, 09:05 in
// Shanghai.
var repairNow = time.Date(2026, 12, 1, 9, 5, 0, 0, shanghai)

// repairRoom is a classroom role may see.
func repairRoom(t testing.TB, role geo.Role) *geo.Unit {
	t.Helper()
	w := campusDeps.Venue.View(role)
	for _, b := range campusDeps.Venue.Buildings {
		for _, l := range b.Levels {
			for _, u := range l.Units {
				if _, ok := w.Feature(u.ID); ok && u.Category == "classroom" && u.Ref != "" {
					return u
				}
			}
		}
	}
	t.Fatal("no classroom")
	return nil
}

// fakeLocator places every scan of device "lost" nowhere, and every
// other in the unit it holds.
type fakeLocator struct{ unit *geo.Unit }

func (f fakeLocator) Locate(w geo.View, lang string, scans []beacons.Scan) (repair.Located, error) {
	if scans[0].Device == "lost" {
		return repair.Located{}, fmt.Errorf("locating %d scans: %w", len(scans), repair.ErrNoLocation)
	}
	u := f.unit
	o := u.Level.Ordinal
	p := repair.Place{Building: u.Level.Building().ID, Level: u.Level.ID, Ordinal: &o, Floor: u.Level.ShortName.In(lang), Unit: u.ID,
		Ref: u.Ref, Lon: u.Display.Lon(), Lat: u.Display.Lat()}
	return repair.Located{Place: p, AccuracyM: 3}, nil
}

func scanBody(device string) string {
	return fmt.Sprintf(`{"device":%q,"t":"2026-12-01T09:05:00+08:00","scans":[{"beacon":"b1","rssi":-70}]}`, device)
}

// fakeRepairs is the repair service over db at a clock the test moves.
func fakeRepairs(db *store.DB, now *atomic.Pointer[time.Time]) *repair.Service {
	return repair.New(campusDeps.Venue, db, repair.Options{PublicURL: "https://map.example.edu", Now: func() time.Time { return *now.Load() }})
}

type repairView struct {
	ID          int64
	Number      string
	Status      string
	Category    string
	Location    repair.Location
	DuplicateOf *int64 `json:"duplicate_of"`
	Duplicates  int
	Assignee    string
	Stars       *int
	Reporter    string
	History     []repair.EventView
}

type repairsPage struct {
	Items []repairView
	Next  *string
}

// TestRepairsOverHTTP walks tickets through their life on both stores:
// reports, duplicates, the desk, mail, the reporter's reopening and
// rating, the 7-day close.
func TestRepairsOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testRepairsOverHTTP(t, engine) })
	}
}

// repairSite is a server with the repair service on a store of engine,
// its mail box, its clock and a classroom students see.
type repairSite struct {
	*labServer
	svc  *repair.Service
	box  *mailBox
	now  *atomic.Pointer[time.Time]
	room *geo.Unit
}

func newRepairSite(t *testing.T, engine string) repairSite {
	testServer(t) // loads the campus once
	s := &labServer{db: openPayStore(t, engine)}
	s.auth = auth.New(s.db, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	box := &mailBox{}
	s.db.SetQueue(box)
	var now atomic.Pointer[time.Time]
	now.Store(&repairNow)
	svc := fakeRepairs(s.db, &now)
	room := repairRoom(t, geo.Student)
	d := campusDeps
	d.Auth, d.Idempotency, d.Audit, d.Repairs, d.RepairLocator = s.auth, s.db, s.db, svc, fakeLocator{room}
	s.Server = httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(s.Close)
	return repairSite{s, svc, box, &now, room}
}

func testRepairsOverHTTP(t *testing.T, engine string) {
	site := newRepairSite(t, engine)
	s, svc, box, now, room := site.labServer, site.svc, site.box, site.now, site.room

	ann := s.person(t, "ann@example.edu", auth.Student)
	bo := s.person(t, "bo@example.edu", auth.Staff)
	desk := s.person(t, "desk@example.edu", auth.Staff, auth.Desk)
	eve := s.person(t, "eve@example.edu", auth.Student)
	vic := s.person(t, "vic@example.edu", auth.Visitor)

	report := func(token, key, body string) (int, []byte) {
		lang := "zh"
		if token == bo {
			lang = "en"
		}
		code, _, b := keyed(t, s.URL, token, key, "POST", "/api/v1/repairs?lang="+lang, body)
		return code, b
	}
	code, b := report(ann, "r1", fmt.Sprintf(`{"category":"it.printer","description":"卡纸","unit":%q,"contact":"ext 1234"}`, room.ID))
	if code != http.StatusCreated {
		t.Fatalf("report: %d %s", code, b)
	}
	first := decode[repairView](t, "ticket", b)
	if !strings.HasPrefix(first.Number, "R-2026-") || first.Status != repair.Submitted || first.Location.Source != repair.SourceManual ||
		first.Location.Ref != room.Ref || first.DuplicateOf != nil {
		t.Errorf("the ticket: %s", b)
	}
	// The same key replays; the same fault by another (from beacons) is
	// its duplicate.
	if code, h, _ := keyed(t, s.URL, ann, "r1", "POST", "/api/v1/repairs?lang=zh", fmt.Sprintf(`{"category":"it.printer","description":"卡纸","unit":%q,"contact":"ext 1234"}`, room.ID)); code != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d", code)
	}
	code, b = report(bo, "r2", `{"category":"it.printer","description":"paper jam","scans":[`+scanBody("p1")+`]}`)
	dup := decode[repairView](t, "duplicate", b)
	if code != http.StatusCreated || dup.DuplicateOf == nil || *dup.DuplicateOf != first.ID || dup.Location.Source != repair.SourceBeacons || dup.Location.Unit != room.ID {
		t.Errorf("the duplicate: %d %s", code, b)
	}
	// Refusals name the field.
	for _, c := range []struct {
		body, param string
		status      int
	}{
		{`{"category":"nope","description":"x","unit":"` + room.ID + `"}`, "category", 400},
		{`{"category":"water","description":"","unit":"` + room.ID + `"}`, "description", 400},
		{`{"category":"water","description":"` + strings.Repeat("水", repair.MaxDescription+1) + `","unit":"` + room.ID + `"}`, "description", 400},
		{`{"category":"water","description":"x"}`, "unit", 400},
		{`{"category":"water","description":"x","unit":"no-such-room"}`, "unit", 404},
		{`{"category":"water","description":"x","scans":[` + scanBody("lost") + `]}`, "scans", 422},
		{`{"category":"water","description":"x","at":{"lon":113.48}}`, "at", 400},
	} {
		code, b := report(ann, "", c.body)
		bookingProblem(t, c.param, c.status, c.param, "", code, b)
	}
	// A room a visitor may not see is unknown to them.
	code, b = report(vic, "", `{"category":"water","description":"x","unit":"`+hiddenUnit(t, geo.Visitor)+`"}`)
	bookingProblem(t, "hidden unit", 404, "unit", "", code, b)

	// The desk's list: one item, with its duplicate counted.
	if code, b := s.do(t, bo, "GET", "/api/v1/repairs", ""); code != http.StatusForbidden {
		t.Errorf("the list to a non-desk: %d %s", code, b)
	}
	code, b = s.do(t, desk, "GET", "/api/v1/repairs?status=open&category=it", "")
	page := decode[repairsPage](t, "desk list", b)
	if code != 200 || len(page.Items) != 1 || page.Items[0].ID != first.ID || page.Items[0].Duplicates != 1 || page.Items[0].Reporter != "ann@example.edu" {
		t.Errorf("the desk's list: %d %s", code, b)
	}
	code, b = s.do(t, desk, "GET", "/api/v1/repairs/map", "")
	var fc struct {
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties struct {
				Category string
				AgeH     float64 `json:"age_h"`
			}
		}
	}
	if code != 200 || json.Unmarshal(b, &fc) != nil || len(fc.Features) != 1 || fc.Features[0].Properties.Category != "it.printer" ||
		len(fc.Features[0].Geometry.Coordinates) != 2 {
		t.Errorf("the map: %d %s", code, b)
	}

	id := fmt.Sprint(first.ID)
	act := func(token, action, body string) (int, []byte) {
		return s.do(t, token, "POST", "/api/v1/repairs/"+id+"/"+action, body)
	}
	// Not allowed from here: 409 naming both states.
	code, b = act(desk, "start", "")
	p := bookingProblem(t, "start a submitted ticket", 409, "", "status", code, b)
	if !strings.Contains(p.Detail, "submitted") || !strings.Contains(p.Detail, "dispatched") {
		t.Errorf("the refusal names both states: %q", p.Detail)
	}
	if code, b := act(bo, "dispatch", `{"assignee":"IT"}`); code != http.StatusForbidden {
		t.Errorf("dispatch by a non-desk: %d %s", code, b)
	}
	if code, b := act(desk, "dispatch", `{}`); code != 400 {
		t.Errorf("dispatch without an assignee: %d %s", code, b)
	}
	if code, b := act(desk, "dispatch", `{"assignee":"IT team"}`); code != 200 {
		t.Fatalf("dispatch: %d %s", code, b)
	}
	// Mail to both reporters, each in their language, with the number
	// and a link to their own ticket.
	ms := box.take()
	if len(ms) != 2 || ms[0].To != "ann@example.edu" || !strings.Contains(ms[0].Subject, first.Number) || !strings.Contains(ms[0].Text, "派单") ||
		!strings.Contains(ms[0].Text, "https://map.example.edu/api/v1/repairs/"+id) ||
		ms[1].To != "bo@example.edu" || !strings.Contains(ms[1].Text, dup.Number) || !strings.Contains(ms[1].Text, "dispatched") {
		t.Errorf("dispatch mails: %+v", ms)
	}
	for _, step := range []struct{ action, body string }{{"start", ""}, {"hold", `{"reason":"waiting for parts"}`}, {"start", ""}, {"complete", `{"note":"new roller"}`}} {
		if code, b := act(desk, step.action, step.body); code != 200 {
			t.Fatalf("%s: %d %s", step.action, code, b)
		}
	}
	if ms := box.take(); len(ms) != 2 || !strings.Contains(ms[0].Text, "完成") {
		t.Errorf("completion mails: %+v", ms)
	}
	// Only the reporter rates and reopens; once.
	if code, b := act(eve, "rate", `{"stars":1}`); code != 404 {
		t.Errorf("another's rating: %d %s", code, b)
	}
	if code, b := act(ann, "rate", `{"stars":6}`); code != 400 {
		t.Errorf("6 stars: %d %s", code, b)
	}
	if code, b := act(ann, "rate", `{"stars":4,"comment":"quick"}`); code != 200 {
		t.Errorf("rate: %d %s", code, b)
	}
	if code, b := act(ann, "rate", `{"stars":5}`); code != 409 {
		t.Errorf("rate twice: %d %s", code, b)
	}
	code, b = act(ann, "reopen", `{"reason":"jams again"}`)
	back := decode[repairView](t, "reopened", b)
	if code != 200 || back.Status != repair.Dispatched || back.Assignee != "IT team" {
		t.Errorf("reopen: %d %s", code, b)
	}
	// The fault is open again for everyone who reported it.
	if code, b := s.do(t, bo, "GET", fmt.Sprint("/api/v1/repairs/", dup.ID), ""); code != 200 || decode[repairView](t, "duplicate", b).Status != repair.Dispatched {
		t.Errorf("the duplicate after the original's reopening: %d %s", code, b)
	}
	for _, step := range []string{"start", "complete"} {
		if code, b := act(desk, step, ""); code != 200 {
			t.Fatalf("%s: %d %s", step, code, b)
		}
	}
	// History: every transition with who and when; the reporter and the
	// desk see it, nobody else.
	code, b = s.do(t, ann, "GET", "/api/v1/repairs/"+id, "")
	got := decode[repairView](t, "ticket", b)
	want := []string{"submitted", "dispatched", "in_progress", "on_hold", "in_progress", "completed", "completed", "dispatched", "in_progress", "completed"}
	if code != 200 || len(got.History) != len(want) || got.History[1].By != "desk@example.edu" || got.Reporter != "" {
		t.Fatalf("history: %d %s", code, b)
	}
	for i, w := range want {
		if got.History[i].To != w {
			t.Errorf("history[%d] to %s, want %s", i, got.History[i].To, w)
		}
	}
	if code, _ := s.do(t, eve, "GET", "/api/v1/repairs/"+id, ""); code != 404 {
		t.Errorf("another's ticket: %d", code)
	}
	// A duplicate's reporter reopening reopens the fault: the original
	// (its reason naming the duplicate), and the duplicate with it; it
	// stays out of the desk's list, which shows the original.
	dupPath := fmt.Sprint("/api/v1/repairs/", dup.ID, "/reopen")
	if code, b := s.do(t, eve, "POST", dupPath, `{"reason":"x"}`); code != 404 {
		t.Errorf("reopening another's duplicate: %d %s", code, b)
	}
	code, b = s.do(t, bo, "POST", dupPath, `{"reason":"still jams"}`)
	if again := decode[repairView](t, "reopened duplicate", b); code != 200 || again.ID != dup.ID || again.Status != repair.Dispatched || again.Reporter != "" {
		t.Errorf("reopening the duplicate: %d %s", code, b)
	}
	code, b = s.do(t, ann, "GET", "/api/v1/repairs/"+id, "")
	orig := decode[repairView](t, "the original", b)
	if last := orig.History[len(orig.History)-1]; code != 200 || orig.Status != repair.Dispatched || last.By != "bo@example.edu" ||
		!strings.Contains(last.Note, "still jams") || !strings.Contains(last.Note, dup.Number) {
		t.Errorf("the original after its duplicate's reopening: %d %s", code, b)
	}
	for _, step := range []string{"start", "complete"} {
		if code, b := act(desk, step, ""); code != 200 {
			t.Fatalf("%s: %d %s", step, code, b)
		}
	}
	// Seven days after completion the window has closed, and the job
	// closes the ticket and its duplicate.
	later := repairNow.Add(repair.Window + time.Minute)
	now.Store(&later)
	code, b = act(ann, "reopen", `{"reason":"again"}`)
	bookingProblem(t, "reopen after 7 days", 409, "", "window_closed", code, b)
	n, err := svc.CloseCompleted(t.Context())
	if err != nil || n != 1 {
		t.Errorf("CloseCompleted: %d %v, want the ticket (its duplicate follows)", n, err)
	}
	code, b = s.do(t, bo, "GET", "/api/v1/me/repairs", "")
	mine := decode[repairsPage](t, "bo's tickets", b)
	if code != 200 || len(mine.Items) != 1 || mine.Items[0].Status != repair.Closed {
		t.Errorf("bo's tickets: %d %s", code, b)
	}
}

// mailBox is a job queue that keeps the mails it is given.
type mailBox struct {
	mu    sync.Mutex
	mails []mail.Message
}

func (m *mailBox) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if msg, ok := args.(mail.Message); ok && kind == "mail" {
		m.mails = append(m.mails, msg)
	}
	return nil
}

// take is the mails kept since the last take.
func (m *mailBox) take() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms := m.mails
	m.mails = nil
	return ms
}

// hiddenUnit is a unit staff may see and role may not.
func hiddenUnit(t *testing.T, role geo.Role) string {
	staff, student := campusDeps.Venue.View(geo.Staff), campusDeps.Venue.View(role)
	for _, b := range campusDeps.Venue.Buildings {
		for _, l := range b.Levels {
			for _, u := range l.Units {
				_, s1 := staff.Feature(u.ID)
				_, s2 := student.Feature(u.ID)
				if s1 && !s2 {
					return u.ID
				}
			}
		}
	}
	t.Fatalf("no unit hidden from %v in this campus", role)
	return ""
}
