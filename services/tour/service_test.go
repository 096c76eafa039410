package tour_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/tour"
)

var (
	campusOnce sync.Once
	venue      *geo.Venue
	graph      *routing.Graph
)

// site is the tours over a fresh SQLite store, with a clock and the
// texts sent.
type site struct {
	svc   *tour.Service
	db    *sqlite.DB
	now   *atomic.Pointer[time.Time]
	texts *texts
}

type texts struct {
	mu  sync.Mutex
	all []tour.Text
}

func (x *texts) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if m, ok := args.(tour.Text); ok && kind == tour.KindText {
		x.all = append(x.all, m)
	}
	return nil
}

func (x *texts) take() []tour.Text {
	x.mu.Lock()
	defer x.mu.Unlock()
	all := x.all
	x.all = nil
	return all
}

// friday is Friday 4 December 2026, 09:00 in Shanghai.
var friday = time.Date(2026, 12, 4, 9, 0, 0, 0, time.FixedZone("+08", 8*3600))

func newSite(t *testing.T) site {
	t.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		venue, graph = v, routing.Build(v)
	})
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box := &texts{}
	db.SetQueue(box)
	var now atomic.Pointer[time.Time]
	now.Store(&friday)
	svc, err := tour.New(venue, graph, db.DB, tour.Options{Now: func() time.Time { return *now.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	return site{svc, db, &now, box}
}

func (s site) user(t *testing.T, email string, role auth.Role) auth.User {
	t.Helper()
	u, err := s.db.CreateUser(t.Context(), auth.User{Email: email, Role: role, Created: friday}, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func code(err error) string {
	var e *tour.Error
	if errors.As(err, &e) {
		return e.Field + ":" + e.Code
	}
	return ""
}

func TestDays(t *testing.T) {
	s := newSite(t)
	d, err := s.svc.ParseDays("", "")
	if err != nil || d.From.Format(time.DateOnly) != "2026-12-04" || d.To.Format(time.DateOnly) != "2026-12-10" {
		t.Errorf("the default: %v %v", d, err)
	}
	for _, c := range []struct{ from, to, want string }{
		{"2026-12-03", "", "from:"},
		{"2027-01-04", "", "from:"},
		{"2026-12-10", "2026-12-09", "to:"},
		{"2026-12-04", "2026-12-18", "to:"}, // 15 days
		{"2026-12-30", "2027-01-04", "to:"}, // beyond 30 days
		{"04/12/2026", "", "from:"},
		{"", "tomorrow", "to:"},
	} {
		if _, err := s.svc.ParseDays(c.from, c.to); code(err) != c.want || !errors.Is(err, tour.ErrInvalid) {
			t.Errorf("from %q to %q: %v, want %s", c.from, c.to, err, c.want)
		}
	}
	if d, err := s.svc.ParseDays("2026-12-30", ""); err != nil || d.To.Format(time.DateOnly) != "2027-01-03" {
		t.Errorf("a default end beyond the horizon is cut to it: %v %v", d, err)
	}
}

func TestBookListCancel(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	ann := s.user(t, "tel:+8613900000001", auth.Visitor)
	bo := s.user(t, "tel:+85291234567", auth.Visitor)
	staff := s.user(t, "lee@hkust-gz.edu.cn", auth.Staff)
	slot := "campus-highlights-20261205-1000"

	if _, err := s.svc.Book(ctx, staff, slot, 1, "en"); !errors.Is(err, tour.ErrForbidden) {
		t.Errorf("staff booking: %v", err)
	}
	for _, c := range []struct {
		slot   string
		people int
		want   string
	}{
		{slot, 0, "people:"},
		{slot, tour.MaxPeople + 1, "people:"},
		{"campus-highlights-20261205-1100", 1, "slot:"},
		{"campus-highlights-20261202-1500", 1, "slot:started"}, // Wednesday, past
		{"campus-highlights-20270106-1500", 1, "slot:too_far"}, // 33 days ahead
		{"campus-walk-20261205-0930", 21, "people:"},           // more than the tour takes at once
	} {
		if _, err := s.svc.Book(ctx, ann, c.slot, c.people, "en"); code(err) != c.want {
			t.Errorf("%s for %d: %v, want %s", c.slot, c.people, err, c.want)
		}
	}
	b, err := s.svc.Book(ctx, ann, slot, 4, "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != tour.Booked || b.TourName != "校园精华游" || b.Meet == nil || b.Meet.Name != "2号门" || b.Start.Format(time.RFC3339) != "2026-12-05T10:00:00+08:00" ||
		b.End.Format(time.RFC3339) != "2026-12-05T11:15:00+08:00" {
		t.Errorf("booked: %+v", b)
	}
	if ts := s.texts.take(); len(ts) != 1 || ts[0].Phone != "+8613900000001" ||
		!strings.Contains(ts[0].Body, "校园精华游，2026年12月5日（周六）10:00–11:15，4人，请准时到2号门集合") {
		t.Errorf("the text: %+v", ts)
	}
	if _, err := s.svc.Book(ctx, bo, slot, 2, "en"); err != nil {
		t.Fatal(err)
	}
	if ts := s.texts.take(); len(ts) != 1 || ts[0].Phone != "+85291234567" ||
		!strings.Contains(ts[0].Body, "Campus highlights, Sat 5 Dec 2026 10:00–11:15, 2 people. Meet at Gate 2.") {
		t.Errorf("the text in English: %+v", ts)
	}
	// The list: Friday has no slots; Saturday's
	// first has 24 places left.
	d, _ := s.svc.ParseDays("", "2026-12-06")
	vs, err := s.svc.List(ctx, d, "en")
	if err != nil || len(vs) != 2 {
		t.Fatalf("List: %v %v", vs, err)
	}
	hl := vs[0]
	if hl.ID != "campus-highlights" || hl.Name != "Campus highlights" || len(hl.Stops) != 6 || hl.Route == nil || hl.Route.DistanceM == 0 {
		t.Errorf("the tour: %+v", hl)
	}
	left := map[string]int{}
	for _, sl := range hl.Slots {
		left[sl.ID] = sl.Left
	}
	if len(hl.Slots) != 4 || left[slot] != 24 || left["campus-highlights-20261205-1430"] != 30 {
		t.Errorf("the slots: %+v", hl.Slots)
	}
	// At 10:00 on Saturday the first slot is gone from the list, and can
	// no longer be booked or cancelled.
	sat := time.Date(2026, 12, 5, 10, 0, 0, 0, friday.Location())
	s.now.Store(&sat)
	d, _ = s.svc.ParseDays("", "")
	vs, _ = s.svc.List(ctx, d, "zh")
	if len(vs[0].Slots) == 0 || vs[0].Slots[0].ID != "campus-highlights-20261205-1430" || vs[0].Name != "校园精华游" {
		t.Errorf("Saturday at 10:00: %+v", vs[0].Slots)
	}
	if _, err := s.svc.Cancel(ctx, ann, b.ID, "en"); code(err) != "slot:started" {
		t.Errorf("cancelling a started tour: %v", err)
	}
	s.now.Store(&friday)
	if _, err := s.svc.Cancel(ctx, bo, b.ID, "en"); code(err) != "id:" || !errors.Is(err, tour.ErrNotFound) {
		t.Errorf("cancelling another's: %v", err)
	}
	c, err := s.svc.Cancel(ctx, ann, b.ID, "en")
	if err != nil || c.Status != tour.Cancelled || c.Cancelled == nil || c.TourName != "Campus highlights" {
		t.Fatalf("Cancel: %+v %v", c, err)
	}
	if ts := s.texts.take(); len(ts) != 1 || !strings.Contains(ts[0].Body, "已取消") {
		t.Errorf("the cancel's text (in the booking's language): %+v", ts)
	}
	d, _ = s.svc.ParseDays("2026-12-05", "2026-12-05")
	vs, _ = s.svc.List(ctx, d, "en")
	if vs[0].Slots[0].ID != slot || vs[0].Slots[0].Left != 28 {
		t.Errorf("after the cancel: %+v", vs[0].Slots)
	}
	mine, err := s.svc.Mine(ctx, ann, 0, 10, "en")
	if err != nil || len(mine) != 1 || mine[0].Status != tour.Cancelled {
		t.Errorf("Mine: %+v %v", mine, err)
	}
	// An account without a phone books without a text.
	wx := s.user(t, "wx-visitor@example.edu", auth.Visitor)
	if _, err := s.svc.Book(ctx, wx, slot, 1, "en"); err != nil {
		t.Fatal(err)
	}
	if ts := s.texts.take(); len(ts) != 0 {
		t.Errorf("texts to an account without a phone: %+v", ts)
	}
}

// TestPurge: bookings are deleted Keep after their slot, not before.
func TestPurge(t *testing.T) {
	s := newSite(t)
	ann := s.user(t, "tel:+8613900000001", auth.Visitor)
	if _, err := s.svc.Book(t.Context(), ann, "campus-highlights-20261205-1000", 1, "en"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{tour.Keep, 0}, {tour.Keep + 26*time.Hour, 1}} {
		at := friday.Add(c.after)
		s.now.Store(&at)
		if n, err := s.svc.Purge(t.Context()); err != nil || n != c.want {
			t.Errorf("%v later: %d purged, %v; want %d", c.after, n, err, c.want)
		}
	}
}
