package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/visitor"
)

// Visits runs the contract of visitor.Store on stores made by newStore.
func Visits(t *testing.T, newStore func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *store.DB)
	}{
		{"CreateAndRead", testVisitCreate},
		{"Bounds", testVisitBounds},
		{"BoundsAtOnce", testVisitBoundsAtOnce},
		{"Change", testVisitChange},
		{"SummaryCalendarActive", testVisitSummary},
		{"Invitations", testInvitations},
		{"InvitationAcceptedOnce", testInvitationOnce},
		{"Watchlist", testWatchlist},
		{"Gates", testVisitGates},
		{"Purge", testVisitPurge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// visitNow is the visits' clock: 1 December 2026, 09:00 in Shanghai.
var visitNow = time.Date(2026, 12, 1, 9, 0, 0, 0, visitor.Shanghai)

// idHash is a stand-in for an ID number's keyed hash.
func idHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// aVisit is a pending visit of visitor to host on day (days after
// visitNow's) from 14:00 to 16:00, of the people named.
func aVisit(visitorID, hostID int64, day int, people ...string) visitor.Visit {
	d := time.Date(2026, 12, 1+day, 0, 0, 0, 0, visitor.Shanghai)
	v := visitor.Visit{VisitorID: visitorID, HostID: hostID, Type: "business", Reason: "a meeting", Date: d.Format(time.DateOnly),
		From: d.Add(14 * time.Hour), To: d.Add(16 * time.Hour), Mode: visitor.Foot, Status: visitor.Pending, Source: visitor.SourceSelf,
		Created: visitNow, Lang: "en"}
	if len(people) == 0 {
		people = []string{unique("Li Lei")}
	}
	for _, p := range people {
		v.People = append(v.People, visitor.Person{Name: p, Phone: "+8613800000000", IDHash: idHash(p), IDKind: visitor.IDPRC})
	}
	return v
}

func mustVisit(t *testing.T, s *store.DB, v visitor.Visit) visitor.Visit {
	t.Helper()
	got, err := s.CreateVisit(t.Context(), v, visitor.Create{Now: visitNow})
	if err != nil {
		t.Fatalf("CreateVisit: %v", err)
	}
	return got
}

func testVisitCreate(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	in := aVisit(vis.ID, host.ID, 2, "Li Lei", "Han Meimei")
	in.Mode, in.Plate = visitor.Car, "粤A12345"
	in.Place = visitor.Place{Ref: "C1-201", Building: "b-c1", Unit: "u-201"}
	var jobs []visitor.Job
	box := &jobBox{}
	s.SetQueue(box)
	v, err := s.CreateVisit(ctx, in, visitor.Create{Now: visitNow,
		Jobs: func(v visitor.Visit) []visitor.Job {
			jobs = []visitor.Job{{Kind: "text", Args: map[string]any{"visit": v.ID}}}
			return jobs
		},
		Audit: func(v visitor.Visit) []audit.Entry {
			return []audit.Entry{{At: visitNow, Actor: v.VisitorID, Subject: v.Visitor, Kind: "visit_test", Decision: audit.Allow}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if v.ID == 0 || v.Visitor != vis.Email || v.Host != host.Email || len(box.kinds) != 1 || box.kinds[0] != "text" {
		t.Fatalf("created %+v, jobs %v", v, box.kinds)
	}
	got, err := s.Visit(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != visitor.Pending || got.Date != in.Date || !sameTime(got.From, in.From) || !sameTime(got.To, in.To) ||
		got.Plate != "粤A12345" || got.Place != in.Place || len(got.People) != 2 || got.People[1].Name != "Han Meimei" ||
		!bytes.Equal(got.People[0].IDHash, idHash("Li Lei")) || got.People[0].Entered != nil || got.Visitor != vis.Email || got.Host != host.Email {
		t.Errorf("Visit: %+v", got)
	}
	if _, err := s.Visit(ctx, v.ID+1000); !errors.Is(err, visitor.ErrNotFound) {
		t.Errorf("no such visit: %v", err)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: vis.Email, Kind: "visit_test"})
	if err != nil || len(es) != 1 {
		t.Errorf("audit entries %+v %v", es, err)
	}
	// Lists: the visitor's, the host's, by status, paged.
	second := mustVisit(t, s, aVisit(vis.ID, host.ID, 3))
	mine, err := s.Visits(ctx, visitor.Query{VisitorID: vis.ID, Limit: 1})
	if err != nil || len(mine) != 1 || mine[0].ID != second.ID || len(mine[0].People) != 1 {
		t.Fatalf("first page: %+v %v", mine, err)
	}
	more, err := s.Visits(ctx, visitor.Query{VisitorID: vis.ID, Before: second.ID, Limit: 5})
	if err != nil || len(more) != 1 || more[0].ID != v.ID || len(more[0].People) != 2 {
		t.Errorf("second page: %+v %v", more, err)
	}
	other := mustCreate(t, s, "other", auth.Staff)
	if hs, err := s.Visits(ctx, visitor.Query{HostID: other.ID, Limit: 5}); err != nil || len(hs) != 0 {
		t.Errorf("another host's: %+v %v", hs, err)
	}
	if hs, err := s.Visits(ctx, visitor.Query{HostID: host.ID, Status: visitor.Approved, Limit: 5}); err != nil || len(hs) != 0 {
		t.Errorf("approved: %+v %v", hs, err)
	}
	if hs, err := s.Visits(ctx, visitor.Query{HostID: host.ID, Status: visitor.Pending, Limit: 5}); err != nil || len(hs) != 2 {
		t.Errorf("pending: %+v %v", hs, err)
	}
}

func testVisitBounds(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	for i := range visitor.MaxPendingPerVisitor {
		mustVisit(t, s, aVisit(vis.ID, host.ID, i+1))
	}
	if _, err := s.CreateVisit(ctx, aVisit(vis.ID, host.ID, 9), visitor.Create{Now: visitNow}); !errors.Is(err, visitor.ErrTooManyPending) {
		t.Fatalf("one pending too many: %v", err)
	}
	// Approved ones count against the upcoming bound only.
	for i := visitor.MaxPendingPerVisitor; i < visitor.MaxUpcomingPerVisitor; i++ {
		v := aVisit(vis.ID, host.ID, i+1)
		v.Status = visitor.Approved
		mustVisit(t, s, v)
	}
	v := aVisit(vis.ID, host.ID, 20)
	v.Status = visitor.Approved
	if _, err := s.CreateVisit(ctx, v, visitor.Create{Now: visitNow}); !errors.Is(err, visitor.ErrTooManyUpcoming) {
		t.Fatalf("one upcoming too many: %v", err)
	}
	// Once over, they count no more.
	later := visitNow.AddDate(0, 0, 19)
	v = aVisit(vis.ID, host.ID, 20)
	if _, err := s.CreateVisit(ctx, v, visitor.Create{Now: later}); err != nil {
		t.Errorf("after the others are over: %v", err)
	}
}

// testVisitBoundsAtOnce: a visitor's pending visits made at once stop
// at the bound.
func testVisitBoundsAtOnce(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	won := race(t, "register", 2*visitor.MaxPendingPerVisitor, visitor.ErrConflict, func(i int) error {
		_, err := s.CreateVisit(ctx, aVisit(vis.ID, host.ID, 1+i%20), visitor.Create{Now: visitNow})
		return err
	})
	if won != visitor.MaxPendingPerVisitor {
		t.Errorf("%d visits made at once, want %d", won, visitor.MaxPendingPerVisitor)
	}
}

func testVisitChange(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	v := mustVisit(t, s, aVisit(vis.ID, host.ID, 1))
	refused := errors.New("no")
	if _, err := s.ChangeVisit(ctx, v.ID, visitor.Change{Apply: func(*visitor.Visit) error { return refused }}); !errors.Is(err, refused) {
		t.Errorf("refused change: %v", err)
	}
	at := visitNow.Add(time.Minute)
	got, err := s.ChangeVisit(ctx, v.ID, visitor.Change{Apply: func(v *visitor.Visit) error {
		v.Status, v.Note, v.DecidedBy, v.Decided = visitor.Approved, "welcome", host.ID, &at
		v.Place = visitor.Place{Ref: "C1", Building: "b-c1"}
		return nil
	}, Audit: func(v visitor.Visit) []audit.Entry {
		return []audit.Entry{{At: at, Actor: host.ID, Subject: v.Visitor, Kind: "visit_decided", Decision: audit.Approve}}
	}})
	if err != nil || got.Status != visitor.Approved {
		t.Fatalf("ChangeVisit: %+v %v", got, err)
	}
	again, _ := s.Visit(ctx, v.ID)
	if again.Status != visitor.Approved || again.Note != "welcome" || again.DecidedBy != host.ID || again.Decided == nil ||
		!sameTime(*again.Decided, at) || again.Place.Building != "b-c1" {
		t.Errorf("after the change: %+v", again)
	}
	if _, err := s.ChangeVisit(ctx, v.ID+1000, visitor.Change{Apply: func(*visitor.Visit) error { return nil }}); !errors.Is(err, visitor.ErrNotFound) {
		t.Errorf("no such visit: %v", err)
	}
}

func testVisitSummary(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	today := aVisit(vis.ID, host.ID, 0) // 14:00 to 16:00 today
	today.Status, today.Place = visitor.Approved, visitor.Place{Ref: "C1", Building: "b-c1", Unit: "u-1"}
	mustVisit(t, s, today)
	mustVisit(t, s, aVisit(vis.ID, host.ID, 2, "a", "b"))
	mustVisit(t, s, aVisit(vis.ID, host.ID, 2))
	noPlace := aVisit(vis.ID, host.ID, 5)
	noPlace.Status = visitor.Approved
	mustVisit(t, s, noPlace)
	dayStart := time.Date(2026, 12, 1, 0, 0, 0, 0, visitor.Shanghai)
	sum, err := s.HostSummary(ctx, host.ID, visitNow, dayStart, dayStart.AddDate(0, 0, 1))
	if err != nil || sum != (visitor.Summary{Pending: 2, Today: 1, Upcoming: 2}) {
		t.Errorf("summary %+v %v", sum, err)
	}
	days, err := s.HostCalendar(ctx, host.ID, "2026-12-01", "2026-12-31")
	want := []visitor.Day{{Date: "2026-12-01", Approved: 1, People: 1}, {Date: "2026-12-03", Pending: 2, People: 3}, {Date: "2026-12-06", Approved: 1, People: 1}}
	if err != nil || len(days) != len(want) {
		t.Fatalf("calendar %+v %v", days, err)
	}
	for i := range want {
		if days[i] != want[i] {
			t.Errorf("day %d: %+v, want %+v", i, days[i], want[i])
		}
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{today.From.Add(-time.Second), 0}, {today.From, 1}, {today.To.Add(-time.Second), 1}, {today.To, 0}, {noPlace.From.Add(time.Minute), 0}} {
		as, err := s.ActiveVisits(ctx, vis.ID, c.at)
		if err != nil || len(as) != c.want || c.want == 1 && (as[0].Building != "b-c1" || as[0].Unit != "u-1" || !sameTime(as[0].From, today.From)) {
			t.Errorf("active at %s: %+v %v, want %d", c.at, as, err, c.want)
		}
	}
	// The host of an approved visit invited its visitor; nobody else did.
	other := mustCreate(t, s, "other host", auth.Staff)
	for _, c := range []struct {
		host, guest int64
		want        bool
	}{{host.ID, vis.ID, true}, {other.ID, vis.ID, false}, {vis.ID, host.ID, false}} {
		if got, err := s.Hosted(ctx, c.host, c.guest); err != nil || got != c.want {
			t.Errorf("Hosted(%d, %d): %v %v, want %v", c.host, c.guest, got, err, c.want)
		}
	}
}

// jobBox is a job queue that keeps the kinds and arguments it is given.
type jobBox struct {
	mu    sync.Mutex
	kinds []string
	args  []any
}

func (o *jobBox) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.kinds, o.args = append(o.kinds, kind), append(o.args, args)
	return nil
}

func anInvitation(hostID int64, day int) visitor.Invitation {
	v := aVisit(0, hostID, day)
	return visitor.Invitation{HostID: hostID, CodeHash: idHash(unique("code")), Name: "Wang Fang", Phone: "+8613900000001", Type: "business",
		Reason: "defence", Date: v.Date, From: v.From, To: v.To, Place: visitor.Place{Ref: "C1", Building: "b-c1"}, Status: visitor.InvitationOpen,
		Expires: v.To, Created: visitNow}
}

func testInvitations(t *testing.T, s *store.DB) {
	ctx := t.Context()
	host := mustCreate(t, s, "host", auth.Staff)
	fang := mustCreate(t, s, "fang", auth.Visitor)
	box := &jobBox{}
	s.SetQueue(box)
	first, err := s.CreateInvitation(ctx, anInvitation(host.ID, 1), visitNow, func(i visitor.Invitation) []visitor.Job {
		return []visitor.Job{{Kind: "text", Args: i.Phone}}
	})
	if err != nil || first.ID == 0 || first.Host != host.Email || len(box.kinds) != 1 {
		t.Fatalf("CreateInvitation: %+v %v %v", first, err, box.kinds)
	}
	for i := 1; i < visitor.MaxOpenInvitations; i++ {
		if _, err := s.CreateInvitation(ctx, anInvitation(host.ID, 1+i%20), visitNow, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateInvitation(ctx, anInvitation(host.ID, 2), visitNow, nil); !errors.Is(err, visitor.ErrTooManyInvitations) {
		t.Errorf("one invitation too many: %v", err)
	}
	// Expired ones count no more.
	if _, err := s.CreateInvitation(ctx, anInvitation(host.ID, 25), visitNow.AddDate(0, 0, 22), nil); err != nil {
		t.Errorf("once the others expired: %v", err)
	}
	is, err := s.Invitations(ctx, host.ID, 0, 2)
	if err != nil || len(is) != 2 || is[0].ID < is[1].ID {
		t.Fatalf("Invitations: %+v %v", is, err)
	}
	more, err := s.Invitations(ctx, host.ID, is[1].ID, 1000)
	if err != nil || len(more) != visitor.MaxOpenInvitations-1 || more[len(more)-1].ID != first.ID || !bytes.Equal(more[len(more)-1].CodeHash, first.CodeHash) {
		t.Errorf("the rest: %d %v", len(more), err)
	}
	// Accepting makes the visit; withdrawing then moves both.
	v, err := s.AcceptInvitation(ctx, first.CodeHash, func(inv visitor.Invitation) (visitor.Visit, visitor.Create, error) {
		v := aVisit(fang.ID, inv.HostID, 1)
		v.Status, v.Source, v.InvitationID = visitor.Approved, visitor.SourceInvitation, inv.ID
		return v, visitor.Create{Now: visitNow}, nil
	})
	if err != nil || v.InvitationID != first.ID || v.Status != visitor.Approved {
		t.Fatalf("AcceptInvitation: %+v %v", v, err)
	}
	if _, err := s.AcceptInvitation(ctx, idHash("no such code"), nil); !errors.Is(err, visitor.ErrNotFound) {
		t.Errorf("no such code: %v", err)
	}
	other := mustCreate(t, s, "other", auth.Staff)
	noop := visitor.InvitationChange{Apply: func(*visitor.Invitation, *visitor.Visit) error { return nil }}
	if _, err := s.ChangeInvitation(ctx, first.ID, other.ID, noop); !errors.Is(err, visitor.ErrNotFound) {
		t.Errorf("another host's: %v", err)
	}
	got, err := s.ChangeInvitation(ctx, first.ID, host.ID, visitor.InvitationChange{Apply: func(inv *visitor.Invitation, v *visitor.Visit) error {
		if inv.Status != visitor.InvitationAccepted || v == nil || v.ID == 0 {
			t.Errorf("to change: %+v %+v", inv, v)
			return errors.New("no")
		}
		inv.Status, v.Status = visitor.InvitationWithdrawn, visitor.Withdrawn
		return nil
	}})
	if err != nil || got.Status != visitor.InvitationWithdrawn || got.VisitID != v.ID {
		t.Fatalf("ChangeInvitation: %+v %v", got, err)
	}
	if after, _ := s.Visit(ctx, v.ID); after.Status != visitor.Withdrawn {
		t.Errorf("its visit: %+v", after)
	}
}

// testInvitationOnce: accepted by several at once, one invitation makes
// one visit.
func testInvitationOnce(t *testing.T, s *store.DB) {
	ctx := t.Context()
	host := mustCreate(t, s, "host", auth.Staff)
	inv, err := s.CreateInvitation(ctx, anInvitation(host.ID, 1), visitNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	used := errors.New("used")
	var visitors []int64
	for range 6 {
		visitors = append(visitors, mustCreate(t, s, "v", auth.Visitor).ID)
	}
	won := race(t, "accept", 6, used, func(i int) error {
		_, err := s.AcceptInvitation(ctx, inv.CodeHash, func(inv visitor.Invitation) (visitor.Visit, visitor.Create, error) {
			if inv.Status != visitor.InvitationOpen {
				return visitor.Visit{}, visitor.Create{}, used
			}
			v := aVisit(visitors[i], inv.HostID, 1)
			v.Status, v.Source, v.InvitationID = visitor.Approved, visitor.SourceInvitation, inv.ID
			return v, visitor.Create{Now: visitNow}, nil
		})
		return err
	})
	if won != 1 {
		t.Errorf("%d accepted, want 1", won)
	}
}

func testWatchlist(t *testing.T, s *store.DB) {
	ctx := t.Context()
	guard := mustCreate(t, s, "guard", auth.Staff)
	if _, err := s.SetDuty(ctx, auth.DutyChange{Email: guard.Email, Duty: auth.Security, Grant: true, At: visitNow}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "bystander", auth.Staff)
	entry := func(w visitor.Watch) audit.Entry {
		return audit.Entry{At: visitNow, Actor: guard.ID, Kind: visitor.AuditWatchlist, Decision: audit.Grant, Detail: audit.Detail(map[string]any{"entry": w.ID})}
	}
	plate := unique("粤A")
	w, err := s.AddWatch(ctx, visitor.Watch{Kind: visitor.WatchPlate, Value: plate, Note: "n", Created: visitNow}, guard.ID, entry)
	if err != nil || w.ID == 0 || w.AddedBy != guard.Email {
		t.Fatalf("AddWatch: %+v %v", w, err)
	}
	if _, err := s.AddWatch(ctx, visitor.Watch{Kind: visitor.WatchPlate, Value: plate, Created: visitNow}, guard.ID, entry); !errors.Is(err, visitor.ErrWatchExists) {
		t.Errorf("the same twice: %v", err)
	}
	name := unique("zhang san")
	if _, err := s.AddWatch(ctx, visitor.Watch{Kind: visitor.WatchName, Value: name, Created: visitNow}, guard.ID, entry); err != nil {
		t.Fatal(err)
	}
	got, err := s.WatchMatch(ctx, []visitor.WatchKey{{Kind: visitor.WatchPhone, Value: "+8613800000000"}, {Kind: visitor.WatchName, Value: name},
		{Kind: visitor.WatchPlate, Value: plate}, {Kind: visitor.WatchPlate, Value: "粤A00000"}})
	if err != nil || len(got) != 2 || got[0].ID != w.ID || got[1].Value != name {
		t.Errorf("WatchMatch: %+v %v, want the two entries", got, err)
	}
	if got, err := s.WatchMatch(ctx, []visitor.WatchKey{{Kind: visitor.WatchName, Value: plate}, {Kind: visitor.WatchPlate, Value: name}}); err != nil || len(got) != 0 {
		t.Errorf("kinds crossed: %v %v", got, err)
	}
	if got, err := s.WatchMatch(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no keys: %v %v", got, err)
	}
	box := &jobBox{}
	s.SetQueue(box)
	if err := s.WatchHit(ctx, audit.Entry{At: visitNow, Subject: "tel:+8613800000000", Kind: visitor.AuditRefused, Decision: audit.Deny},
		func(to string) visitor.Job { return visitor.Job{Kind: "mail", Args: to} }); err != nil {
		t.Fatal(err)
	}
	alerted := false
	for _, a := range box.args {
		if a == guard.Email {
			alerted = true
		}
	}
	if !alerted || len(box.args) > visitor.MaxAlerted {
		t.Errorf("alerts to %v, want %s among them", box.args, guard.Email)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: "tel:+8613800000000", Kind: visitor.AuditRefused})
	if err != nil || len(es) == 0 {
		t.Errorf("the match's audit entry: %v %v", es, err)
	}
	ws, err := s.Watchlist(ctx, 0, 1)
	if err != nil || len(ws) != 1 || ws[0].Value != name {
		t.Errorf("Watchlist: %+v %v", ws, err)
	}
	if err := s.RemoveWatch(ctx, w.ID, entry); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveWatch(ctx, w.ID, entry); !errors.Is(err, visitor.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	// The bound in all.
	var n int
	s.SQL().QueryRowContext(ctx, "SELECT count(*) FROM watchlist").Scan(&n)
	_, err = s.SQL().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO watchlist (kind, value, note, created) SELECT 'name', 'filler ' || i, '', CAST($2 AS `+s.Dialect().TimeType+`) FROM n`,
		visitor.MaxWatchlist-n, s.Dialect().Time(visitNow.UTC()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddWatch(ctx, visitor.Watch{Kind: visitor.WatchName, Value: unique("one more"), Created: visitNow}, guard.ID, entry); !errors.Is(err, visitor.ErrWatchFull) {
		t.Errorf("one entry too many: %v", err)
	}
}

func testVisitGates(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	a, b := unique("a"), unique("b")
	in := aVisit(vis.ID, host.ID, 0, a, b)
	in.Status, in.Mode, in.Plate = visitor.Approved, visitor.Car, unique("粤A")
	v := mustVisit(t, s, in)
	later := mustVisit(t, s, aVisit(vis.ID, host.ID, 3, a))
	day := visitor.GateQuery{From: v.From.Add(-time.Hour), To: v.To.Add(time.Hour)}
	for name, q := range map[string]visitor.GateQuery{"visit": {Visit: v.ID}, "id": {IDHash: idHash(b)}, "plate": {Plate: v.Plate}} {
		q.From, q.To = day.From, day.To
		got, err := s.GateVisits(ctx, q)
		if err != nil || len(got) != 1 || got[0].ID != v.ID || len(got[0].People) != 2 {
			t.Errorf("by %s: %+v %v", name, got, err)
		}
	}
	if got, err := s.GateVisits(ctx, visitor.GateQuery{IDHash: idHash(a), From: day.From, To: later.To}); err != nil || len(got) != 2 || got[0].ID != v.ID {
		t.Errorf("both days: %+v %v", got, err)
	}
	if got, err := s.GateVisits(ctx, visitor.GateQuery{Visit: v.ID, From: v.To.Add(time.Minute), To: v.To.Add(time.Hour)}); err != nil || len(got) != 0 {
		t.Errorf("after its window: %+v %v", got, err)
	}
	at := v.From.Add(-10 * time.Minute)
	entry := func(d string) audit.Entry {
		return audit.Entry{At: at, Subject: vis.Email, Kind: visitor.AuditGate, Place: "r1", Decision: d}
	}
	if err := s.RecordGate(ctx, visitor.GateRecord{Visit: v.ID, People: []int{0, 1}, Reader: "r1", At: at, Audit: entry(audit.Allow)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordGate(ctx, visitor.GateRecord{Reader: "r1", At: at, Audit: entry(audit.Deny)}); err != nil {
		t.Fatal(err)
	}
	on, err := s.Onsite(ctx, at.Add(-time.Hour), 0, 1)
	if err != nil || len(on) != 1 || on[0].Visit.ID != v.ID || on[0].Person.N != 1 || on[0].Person.Gate != "r1" || on[0].Person.Entered == nil ||
		!sameTime(*on[0].Person.Entered, at) || on[0].Visit.Plate != v.Plate {
		t.Fatalf("Onsite: %+v %v", on, err)
	}
	if on, err := s.Onsite(ctx, at.Add(-time.Hour), v.ID*16+1, 10); err != nil || len(on) != 1 || on[0].Person.N != 0 {
		t.Errorf("Onsite's second page: %+v %v", on, err)
	}
	if on, err := s.Onsite(ctx, at.Add(time.Second), 0, 10); err != nil || len(on) != 0 {
		t.Errorf("entered before since: %+v %v", on, err)
	}
	out := at.Add(time.Hour)
	if err := s.RecordGate(ctx, visitor.GateRecord{Visit: v.ID, People: []int{0}, Exit: true, Reader: "r2", At: out, Audit: entry(audit.Allow)}); err != nil {
		t.Fatal(err)
	}
	if on, err := s.Onsite(ctx, at.Add(-time.Hour), 0, 10); err != nil || len(on) != 1 || on[0].Person.N != 1 {
		t.Errorf("after one left: %+v %v", on, err)
	}
	got, _ := s.Visit(ctx, v.ID)
	if p := got.People[0]; p.Left == nil || !sameTime(*p.Left, out) || p.Gate != "r1" {
		t.Errorf("the one who left: %+v", p)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: vis.Email, Kind: visitor.AuditGate})
	if err != nil || len(es) != 3 {
		t.Errorf("gate entries: %d %v", len(es), err)
	}
}

func testVisitPurge(t *testing.T, s *store.DB) {
	ctx := t.Context()
	vis := mustCreate(t, s, "visitor", auth.Visitor)
	host := mustCreate(t, s, "host", auth.Staff)
	var ids []int64
	for day := range 3 {
		in := aVisit(vis.ID, host.ID, day, unique("a"), unique("b"))
		in.Mode, in.Plate = visitor.Car, unique("粤A")
		ids = append(ids, mustVisit(t, s, in).ID)
	}
	inv, err := s.CreateInvitation(ctx, anInvitation(host.ID, 0), visitNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Visits of days 0 and 1 ended before 2 December, 17:00.
	cut := time.Date(2026, 12, 2, 17, 0, 0, 0, visitor.Shanghai)
	if n, err := s.PurgeVisits(ctx, cut, 1); err != nil || n != 1 {
		t.Fatalf("a batch of one: %d %v", n, err)
	}
	if n, err := s.PurgeVisits(ctx, cut, 10); err != nil || n != 1 {
		t.Fatalf("the rest: %d %v", n, err)
	}
	if n, err := s.PurgeVisits(ctx, cut, 10); err != nil || n != 0 {
		t.Errorf("again: %d %v", n, err)
	}
	for i, id := range ids {
		v, err := s.Visit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		purged := i < 2
		if v.Purged != purged || (v.Plate == "") != purged || len(v.People) != 2 || (v.People[1].Name == "") != purged ||
			(v.People[0].IDHash == nil) != purged || (v.People[0].Phone == "") != purged {
			t.Errorf("visit of day %d: %+v, purged %v", i, v, purged)
		}
	}
	is, _ := s.Invitations(ctx, host.ID, 0, 5)
	if len(is) != 1 || is[0].ID != inv.ID || !is[0].Purged || is[0].Name != "" || is[0].Phone != "" {
		t.Errorf("the invitation: %+v", is)
	}
}
