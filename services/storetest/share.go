package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/store"
)

// Shares runs the contract of share.Store on stores made by newStore.
func Shares(t *testing.T, newStore func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *store.DB)
	}{
		{"PersonShare", testSharePerson},
		{"Groups", testShareGroups},
		{"Bounds", testShareBounds},
		{"Expiry", testShareExpiry},
		{"Tickets", testShareTickets},
		{"DisabledAccount", testShareDisabled},
		{"TrackAndAlerts", testShareTrack},
		{"AlertEvents", testShareAlertEvents},
		{"HistoryOnAndOff", testShareHistory},
		{"ViewsAudited", testShareViews},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// shareNow is the tests' present.
var shareNow = time.Date(2026, 12, 9, 2, 0, 0, 0, time.UTC)

func mustShare(t *testing.T, s *store.DB, sh share.Share) share.Share {
	t.Helper()
	if sh.Created.IsZero() {
		sh.Created = shareNow
	}
	if sh.Ends.IsZero() {
		sh.Ends = sh.Created.Add(time.Hour)
	}
	if sh.Status == "" {
		sh.Status = share.Active
		if sh.WithID != 0 {
			sh.Status = share.Pending
		}
	}
	got, err := s.CreateShare(t.Context(), sh)
	if err != nil {
		t.Fatalf("CreateShare: %v", err)
	}
	return got
}

// changedShares are the shares of the change log after id after.
func changedShares(t *testing.T, s *store.DB, after int64) map[int64]bool {
	t.Helper()
	cs, err := s.Changes(t.Context(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, c := range cs {
		if c.ShareID != 0 {
			out[c.ShareID] = true
		}
		if c.UserID != 0 {
			out[-c.UserID] = true
		}
	}
	return out
}

func viewerIDs(t *testing.T, s *store.DB, id int64, now time.Time) []int64 {
	t.Helper()
	vs, err := s.ShareViewers(t.Context(), id, now)
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func testSharePerson(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob, eve := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Staff), mustCreate(t, s, "eve", auth.Student)
	if u, err := s.ShareAccount(ctx, bob.Email); err != nil || u.ID != bob.ID || u.Role != auth.Staff {
		t.Fatalf("ShareAccount: %+v %v", u, err)
	}
	if _, err := s.ShareAccount(ctx, email("nobody")); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("ShareAccount of nobody: %v", err)
	}
	last, _ := s.LastChange(ctx)
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID, History: true})
	if sh.ID == 0 || sh.Status != share.Pending || changedShares(t, s, last)[sh.ID] {
		t.Errorf("pending share %+v: want no change row before acceptance", sh)
	}
	for _, who := range []auth.User{ann, bob} {
		got, err := s.Shares(ctx, who.ID, shareNow, 0, 10)
		if err != nil || len(got) != 1 || got[0].ID != sh.ID || got[0].Sharer != ann.Email || got[0].With != bob.Email || !got[0].History {
			t.Errorf("Shares of %s: %+v %v", who.Email, got, err)
		}
	}
	if got, _ := s.Shares(ctx, eve.ID, shareNow, 0, 10); len(got) != 0 {
		t.Errorf("Shares of a stranger: %+v", got)
	}
	if vs := viewerIDs(t, s, sh.ID, shareNow); len(vs) != 0 {
		t.Errorf("viewers of a pending share: %v", vs)
	}
	if _, err := s.AcceptShare(ctx, sh.ID, eve.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("accepted by a stranger: %v", err)
	}
	if _, err := s.AcceptShare(ctx, sh.ID, ann.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("accepted by its sharer: %v", err)
	}
	got, err := s.AcceptShare(ctx, sh.ID, bob.ID, shareNow.Add(time.Minute))
	if err != nil || got.Status != share.Active || got.Accepted == nil || !sameTime(*got.Accepted, shareNow.Add(time.Minute)) {
		t.Fatalf("AcceptShare: %+v %v", got, err)
	}
	if !changedShares(t, s, last)[sh.ID] {
		t.Error("acceptance wrote no change row")
	}
	if vs := viewerIDs(t, s, sh.ID, shareNow); len(vs) != 1 || vs[0] != bob.ID {
		t.Errorf("viewers: %v, want bob", vs)
	}
	for _, who := range []int64{ann.ID, bob.ID} {
		if ls, err := s.LiveShares(ctx, who, shareNow); err != nil || len(ls) != 1 || ls[0].ID != sh.ID {
			t.Errorf("LiveShares of %d: %+v %v", who, ls, err)
		}
	}
	if _, err := s.EndShare(ctx, sh.ID, eve.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("ended by a stranger: %v", err)
	}
	last, _ = s.LastChange(ctx)
	ended, err := s.EndShare(ctx, sh.ID, bob.ID, shareNow.Add(2*time.Minute)) // the person it is shown to may end it
	if err != nil || ended.Status != share.Ended || ended.Ended == nil {
		t.Fatalf("EndShare: %+v %v", ended, err)
	}
	if !changedShares(t, s, last)[sh.ID] {
		t.Error("the end wrote no change row")
	}
	if got, err := s.Share(ctx, sh.ID); err != nil || got.Status != share.Ended || got.Live(shareNow) {
		t.Errorf("Share after its end: %+v %v", got, err)
	}
	if vs := viewerIDs(t, s, sh.ID, shareNow); len(vs) != 0 {
		t.Errorf("viewers of an ended share: %v", vs)
	}
	if _, err := s.EndShare(ctx, sh.ID, ann.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("ended twice: %v", err)
	}
	if _, err := s.Share(ctx, sh.ID+1000); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("no such share: %v", err)
	}
}

func testShareGroups(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob, cat, dan := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Staff),
		mustCreate(t, s, "cat", auth.Visitor), mustCreate(t, s, "dan", auth.Family)
	code := unique("CODE")
	g, err := s.CreateGroup(ctx, share.Group{Name: "lunch", OwnerID: ann.ID, Code: code, Created: shareNow})
	if err != nil || g.ID == 0 || g.Owner != ann.Email || len(g.Members) != 1 || g.Members[0].ID != ann.ID {
		t.Fatalf("CreateGroup: %+v %v", g, err)
	}
	if _, err := s.CreateGroup(ctx, share.Group{Name: "again", OwnerID: bob.ID, Code: code, Created: shareNow}); !errors.Is(err, share.ErrConflict) {
		t.Errorf("a code taken: %v", err)
	}
	if _, err := s.JoinGroup(ctx, unique("NOPE"), bob.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("a code of no group: %v", err)
	}
	for i, u := range []auth.User{bob, cat, cat} { // joining twice is joining once
		if g, err = s.JoinGroup(ctx, code, u.ID, shareNow.Add(time.Duration(i+1)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.Members) != 3 || g.Members[2].ID != cat.ID || g.Members[2].Role != string(auth.Visitor) {
		t.Errorf("members: %+v", g.Members)
	}
	if same, err := s.SameGroup(ctx, bob.ID, cat.ID); err != nil || !same {
		t.Errorf("SameGroup(bob, cat): %v %v", same, err)
	}
	if same, _ := s.SameGroup(ctx, bob.ID, dan.ID); same {
		t.Error("SameGroup(bob, dan): dan is in no group")
	}
	if _, err := s.CreateShare(ctx, share.Share{SharerID: dan.ID, GroupID: g.ID, Status: share.Active, Created: shareNow, Ends: shareNow.Add(time.Hour)}); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("a share to a group of which the sharer is no member: %v", err)
	}
	byBob := mustShare(t, s, share.Share{SharerID: bob.ID, GroupID: g.ID})
	byCat := mustShare(t, s, share.Share{SharerID: cat.ID, GroupID: g.ID})
	if byBob.Status != share.Active || byBob.Group != "lunch" {
		t.Errorf("group share: %+v", byBob)
	}
	if vs := viewerIDs(t, s, byBob.ID, shareNow); fmt.Sprint(vs) != fmt.Sprint([]int64{ann.ID, cat.ID}) && fmt.Sprint(vs) != fmt.Sprint([]int64{cat.ID, ann.ID}) {
		t.Errorf("viewers of bob's share: %v, want ann and cat", vs)
	}
	if got, _ := s.Shares(ctx, ann.ID, shareNow, 0, 10); len(got) != 2 {
		t.Errorf("ann sees %d group shares, want 2", len(got))
	}
	// dan joins: bob's share now shows to dan too, and says so.
	last, _ := s.LastChange(ctx)
	if _, err := s.JoinGroup(ctx, code, dan.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if ch := changedShares(t, s, last); !ch[byBob.ID] || !ch[byCat.ID] {
		t.Errorf("joining wrote change rows of %v, want both shares", ch)
	}
	if vs := viewerIDs(t, s, byBob.ID, shareNow); len(vs) != 3 {
		t.Errorf("viewers after dan joined: %v", vs)
	}
	// cat leaves: cat's share ends, and nobody shows cat anything.
	last, _ = s.LastChange(ctx)
	if err := s.LeaveGroup(ctx, g.ID, cat.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Share(ctx, byCat.ID); got.Status != share.Ended {
		t.Errorf("cat's share after cat left: %s", got.Status)
	}
	if ch := changedShares(t, s, last); !ch[byBob.ID] || !ch[byCat.ID] {
		t.Errorf("leaving wrote change rows of %v, want both shares", ch)
	}
	for _, v := range viewerIDs(t, s, byBob.ID, shareNow) {
		if v == cat.ID {
			t.Error("cat still sees bob after leaving")
		}
	}
	if err := s.LeaveGroup(ctx, g.ID, cat.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("leaving twice: %v", err)
	}
	// Only the owner removes; the owner leaving closes the group.
	if err := s.RemoveMember(ctx, g.ID, bob.ID, dan.ID, shareNow); !errors.Is(err, share.ErrForbidden) {
		t.Errorf("removed by a member: %v", err)
	}
	if err := s.RemoveMember(ctx, g.ID, ann.ID, ann.ID, shareNow); !errors.Is(err, share.ErrInvalid) {
		t.Errorf("owner removing themself: %v", err)
	}
	if err := s.RemoveMember(ctx, g.ID, ann.ID, cat.ID, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("removing one who left: %v", err)
	}
	if err := s.RemoveMember(ctx, g.ID, ann.ID, dan.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if vs := viewerIDs(t, s, byBob.ID, shareNow); len(vs) != 1 || vs[0] != ann.ID {
		t.Errorf("viewers after dan was removed: %v", vs)
	}
	if gs, err := s.Groups(ctx, bob.ID); err != nil || len(gs) != 1 || gs[0].ID != g.ID {
		t.Errorf("Groups of bob: %+v %v", gs, err)
	}
	if err := s.LeaveGroup(ctx, g.ID, ann.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Share(ctx, byBob.ID); got.Status != share.Ended {
		t.Errorf("bob's share after the group closed: %s", got.Status)
	}
	if _, err := s.Group(ctx, g.ID); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("a closed group: %v", err)
	}
	if gs, err := s.Groups(ctx, bob.ID); err != nil || len(gs) != 0 {
		t.Errorf("Groups of bob after it closed: %+v %v", gs, err)
	}
}

func testShareBounds(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := mustCreate(t, s, "ann", auth.Student)
	others := make([]auth.User, share.MaxPendingPerPerson+1)
	for i := range others {
		others[i] = mustCreate(t, s, "o", auth.Student)
	}
	for i := range share.MaxSharesPerPerson {
		mustShare(t, s, share.Share{SharerID: ann.ID, WithID: others[i].ID})
	}
	if _, err := s.CreateShare(ctx, share.Share{SharerID: ann.ID, WithID: others[0].ID, Status: share.Pending, Created: shareNow, Ends: shareNow.Add(time.Hour)}); !errors.Is(err, share.ErrTooManyShares) {
		t.Errorf("share %d: %v, want ErrTooManyShares", share.MaxSharesPerPerson+1, err)
	}
	// An ended share frees its place; one whose end passed too.
	if _, err := s.CreateShare(ctx, share.Share{SharerID: ann.ID, WithID: others[0].ID, Status: share.Pending, Created: shareNow.Add(2 * time.Hour), Ends: shareNow.Add(3 * time.Hour)}); err != nil {
		t.Errorf("a share after the others' end: %v", err)
	}
	// Shares waiting for one person.
	bob := others[len(others)-1]
	for i := range share.MaxPendingPerPerson {
		mustShare(t, s, share.Share{SharerID: others[i].ID, WithID: bob.ID})
	}
	if _, err := s.CreateShare(ctx, share.Share{SharerID: ann.ID, WithID: bob.ID, Status: share.Pending, Created: shareNow.Add(2 * time.Hour), Ends: shareNow.Add(3 * time.Hour)}); err != nil {
		t.Errorf("pending after the others' end: %v", err)
	}
	if _, err := s.CreateShare(ctx, share.Share{SharerID: others[0].ID, WithID: bob.ID, Status: share.Pending, Created: shareNow, Ends: shareNow.Add(time.Hour)}); !errors.Is(err, share.ErrTooManyPending) {
		t.Errorf("pending %d: %v, want ErrTooManyPending", share.MaxPendingPerPerson+1, err)
	}
	// Groups owned.
	for range share.MaxGroupsOwned {
		if _, err := s.CreateGroup(ctx, share.Group{Name: "g", OwnerID: ann.ID, Code: unique("C"), Created: shareNow}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateGroup(ctx, share.Group{Name: "g", OwnerID: ann.ID, Code: unique("C"), Created: shareNow}); !errors.Is(err, share.ErrTooManyOwned) {
		t.Errorf("group %d: %v, want ErrTooManyOwned", share.MaxGroupsOwned+1, err)
	}
	// Members of a group.
	code := unique("M")
	g, err := s.CreateGroup(ctx, share.Group{Name: "big", OwnerID: bob.ID, Code: code, Created: shareNow})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < share.MaxMembers; i++ {
		u := others[0]
		if i < len(others)-1 {
			u = others[i]
		} else {
			u = mustCreate(t, s, "m", auth.Visitor)
		}
		if _, err := s.JoinGroup(ctx, code, u.ID, shareNow); err != nil {
			t.Fatalf("member %d: %v", i+1, err)
		}
	}
	if _, err := s.JoinGroup(ctx, code, ann.ID, shareNow); !errors.Is(err, share.ErrTooMany) {
		t.Errorf("member %d: %v, want ErrGroupFull", share.MaxMembers+1, err)
	}
	// Alerts of one viewer.
	sh := mustShare(t, s, share.Share{SharerID: bob.ID, GroupID: g.ID})
	viewer := others[1]
	for i := range share.MaxAlertsPerViewer {
		if _, err := s.AddAlert(ctx, share.Alert{ShareID: sh.ID, ViewerID: viewer.ID, Place: fmt.Sprintf("p%d", i), On: "enter", Created: shareNow}); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := s.AddAlert(ctx, share.Alert{ShareID: sh.ID, ViewerID: viewer.ID, Place: "p0", On: "enter", Created: shareNow}); err != nil || a.Place != "p0" {
		t.Errorf("the same alert again: %+v %v", a, err)
	}
	if _, err := s.AddAlert(ctx, share.Alert{ShareID: sh.ID, ViewerID: viewer.ID, Place: "p0", On: "leave", Created: shareNow}); !errors.Is(err, share.ErrTooManyAlerts) {
		t.Errorf("alert %d: %v, want ErrTooManyAlerts", share.MaxAlertsPerViewer+1, err)
	}
}

func testShareExpiry(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Student)
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID, History: true, Ends: shareNow.Add(10 * time.Minute)})
	if _, err := s.AcceptShare(ctx, sh.ID, bob.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPoint(ctx, sh.ID, share.Point{At: shareNow, Lon: 113.48, Lat: 22.89, Level: "L1", AccuracyM: 3}); err != nil {
		t.Fatal(err)
	}
	after := shareNow.Add(10 * time.Minute)
	// Its end passed: not live, before any job ends it.
	if got, _ := s.Shares(ctx, bob.ID, after, 0, 10); len(got) != 0 {
		t.Errorf("Shares after the end: %+v", got)
	}
	if vs := viewerIDs(t, s, sh.ID, after); len(vs) != 0 {
		t.Errorf("viewers after the end: %v", vs)
	}
	if _, err := s.AcceptShare(ctx, sh.ID, bob.ID, after); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("accepting after the end: %v", err)
	}
	last, _ := s.LastChange(ctx)
	n, err := s.EndExpired(ctx, after.Add(time.Second), time.Hour, 100)
	if err != nil || n < 1 {
		t.Fatalf("EndExpired: %d %v", n, err)
	}
	if got, _ := s.Share(ctx, sh.ID); got.Status != share.Ended || got.Ended == nil || !sameTime(*got.Ended, sh.Ends) {
		t.Errorf("expired share: %+v", got)
	}
	if ps, err := s.Track(ctx, sh.ID, 0, 10); err != nil || len(ps) != 0 {
		t.Errorf("track of an expired share: %+v %v", ps, err)
	}
	if !changedShares(t, s, last)[sh.ID] {
		t.Error("the expiry wrote no change row")
	}
}

func testShareTickets(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := mustCreate(t, s, "ann", auth.Family)
	hash := func(i int) string { return unique(fmt.Sprintf("hash%d", i)) }
	h := hash(0)
	if err := s.NewTicket(ctx, h, ann.ID, shareNow, shareNow.Add(share.TicketTTL)); err != nil {
		t.Fatal(err)
	}
	u, err := s.RedeemTicket(ctx, h, shareNow.Add(time.Second))
	if err != nil || u.ID != ann.ID || u.Role != auth.Family {
		t.Fatalf("RedeemTicket: %+v %v", u, err)
	}
	if _, err := s.RedeemTicket(ctx, h, shareNow.Add(time.Second)); !errors.Is(err, share.ErrNoTicket) {
		t.Errorf("a ticket used twice: %v", err)
	}
	late := hash(1)
	if err := s.NewTicket(ctx, late, ann.ID, shareNow, shareNow.Add(share.TicketTTL)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemTicket(ctx, late, shareNow.Add(share.TicketTTL)); !errors.Is(err, share.ErrNoTicket) {
		t.Errorf("an expired ticket: %v", err)
	}
	ann = mustCreate(t, s, "ann", auth.Student)
	for i := range share.MaxTicketsPerPerson {
		if err := s.NewTicket(ctx, hash(10+i), ann.ID, shareNow, shareNow.Add(share.TicketTTL)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.NewTicket(ctx, hash(99), ann.ID, shareNow, shareNow.Add(share.TicketTTL)); !errors.Is(err, share.ErrTooManyTickets) {
		t.Errorf("ticket %d: %v", share.MaxTicketsPerPerson+1, err)
	}
	// Expired ones are forgotten: room again 30 s later.
	later := shareNow.Add(share.TicketTTL)
	if err := s.NewTicket(ctx, hash(100), ann.ID, later, later.Add(share.TicketTTL)); err != nil {
		t.Errorf("a ticket once the others expired: %v", err)
	}
}

func testShareDisabled(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Student)
	now := time.Now()
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID, Created: now})
	if _, err := s.AcceptShare(ctx, sh.ID, bob.ID, now); err != nil {
		t.Fatal(err)
	}
	h := unique("t")
	if err := s.NewTicket(ctx, h, ann.ID, now, now.Add(share.TicketTTL)); err != nil {
		t.Fatal(err)
	}
	last, _ := s.LastChange(ctx)
	if err := s.SetDisabled(ctx, ann.Email, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Share(ctx, sh.ID); got.Status != share.Ended {
		t.Errorf("a disabled sharer's share: %s", got.Status)
	}
	if ch := changedShares(t, s, last); !ch[sh.ID] || !ch[-ann.ID] {
		t.Errorf("change rows %v: want the share and the account", ch)
	}
	if _, err := s.RedeemTicket(ctx, h, now); !errors.Is(err, share.ErrNoTicket) {
		t.Errorf("a disabled account's ticket: %v", err)
	}
	if _, err := s.ShareAccount(ctx, ann.Email); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("sharing with a disabled account: %v", err)
	}
}

func testShareTrack(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Student)
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID, History: true})
	o := 3
	for i := range 5 {
		p := share.Point{At: shareNow.Add(time.Duration(i) * share.TrackEvery), Lon: 113.48 + float64(i)/1e4, Lat: 22.89, AccuracyM: 4}
		if i%2 == 0 {
			p.Ordinal, p.Level = &o, "C3-L3"
		} else {
			p.Building = "C1"
		}
		if err := s.AddPoint(ctx, sh.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := s.Track(ctx, sh.ID, 0, 3)
	if err != nil || len(ps) != 3 || ps[0].Ordinal == nil || *ps[0].Ordinal != 3 || ps[1].Ordinal != nil || ps[1].Building != "C1" ||
		!sameTime(ps[2].At, shareNow.Add(2*share.TrackEvery)) {
		t.Fatalf("Track: %+v %v", ps, err)
	}
	if more, _ := s.Track(ctx, sh.ID, ps[2].ID, 10); len(more) != 2 {
		t.Errorf("the rest of the track: %d points, want 2", len(more))
	}
	a, err := s.AddAlert(ctx, share.Alert{ShareID: sh.ID, ViewerID: bob.ID, Place: "C3", On: "enter", Created: shareNow})
	if err != nil || a.ID == 0 {
		t.Fatal(err)
	}
	if as, err := s.Alerts(ctx, sh.ID); err != nil || len(as) != 1 || as[0].Place != "C3" || as[0].On != "enter" {
		t.Errorf("Alerts: %+v %v", as, err)
	}
	if _, err := s.EndShare(ctx, sh.ID, ann.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Track(ctx, sh.ID, 0, 10); len(ps) != 0 {
		t.Errorf("track after the end: %d points", len(ps))
	}
	if as, _ := s.Alerts(ctx, sh.ID); len(as) != 0 {
		t.Errorf("alerts after the end: %d", len(as))
	}
}

// testShareHistory: the sharer turns history on after creating the share
// and off again, which deletes the points; the person it is to may not,
// and a stranger is told there is no such share; each change is in the
// change log.
func testShareHistory(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob, cat := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Student), mustCreate(t, s, "cat", auth.Student)
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID})
	if sh.History {
		t.Fatal("a share made without history has it")
	}
	last, err := s.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SetHistory(ctx, sh.ID, ann.ID, true, shareNow)
	if err != nil || !got.History {
		t.Fatalf("SetHistory on: %+v %v", got, err)
	}
	if again, _ := s.Share(ctx, sh.ID); !again.History {
		t.Error("history on is not kept")
	}
	if !changedShares(t, s, last)[sh.ID] {
		t.Error("turning history on wrote no change row")
	}
	for i := range 3 {
		if err := s.AddPoint(ctx, sh.ID, share.Point{At: shareNow.Add(time.Duration(i) * share.TrackEvery), Lon: 113.48, Lat: 22.89}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetHistory(ctx, sh.ID, bob.ID, false, shareNow); !errors.Is(err, share.ErrForbidden) {
		t.Errorf("the person it is to turning history off: %v, want ErrForbidden", err)
	}
	if _, err := s.SetHistory(ctx, sh.ID, cat.ID, false, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("a stranger turning history off: %v, want ErrNotFound", err)
	}
	if ps, _ := s.Track(ctx, sh.ID, 0, 10); len(ps) != 3 {
		t.Fatalf("%d points kept, want 3", len(ps))
	}
	if got, err := s.SetHistory(ctx, sh.ID, ann.ID, false, shareNow); err != nil || got.History {
		t.Fatalf("SetHistory off: %+v %v", got, err)
	}
	if ps, _ := s.Track(ctx, sh.ID, 0, 10); len(ps) != 0 {
		t.Errorf("history off kept %d points", len(ps))
	}
	if _, err := s.EndShare(ctx, sh.ID, ann.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetHistory(ctx, sh.ID, ann.ID, true, shareNow); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("history on an ended share: %v, want ErrNotFound", err)
	}
}

// testShareAlertEvents: a fired alert is kept once (two processes
// keeping the same crossing agree), listed after an id, at most
// MaxAlertEventsPerViewer a viewer, and gone with its share.
func testShareAlertEvents(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Student)
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID})
	a, err := s.AddAlert(ctx, share.Alert{ShareID: sh.ID, ViewerID: bob.ID, Place: "C3", On: "enter", Created: shareNow})
	if err != nil {
		t.Fatal(err)
	}
	e := share.AlertEvent{AlertID: a.ID, Event: share.Enter, At: shareNow}
	one, err := s.AddAlertEvent(ctx, e)
	if err != nil || one.ID == 0 || one.ShareID != sh.ID || one.ViewerID != bob.ID || one.Place != "C3" {
		t.Fatalf("AddAlertEvent: %+v %v", one, err)
	}
	if again, err := s.AddAlertEvent(ctx, e); err != nil || again.ID != one.ID {
		t.Errorf("the same crossing again: %+v %v, want id %d", again, err, one.ID)
	}
	for i := 1; i <= share.MaxAlertEventsPerViewer+5; i++ {
		if _, err := s.AddAlertEvent(ctx, share.AlertEvent{AlertID: a.ID, Event: share.Enter, At: shareNow.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.AlertEvents(ctx, bob.ID, 0, 1000)
	if err != nil || len(es) != share.MaxAlertEventsPerViewer {
		t.Fatalf("AlertEvents: %d, %v; want %d", len(es), err, share.MaxAlertEventsPerViewer)
	}
	if !sameTime(es[len(es)-1].At, shareNow.Add(time.Duration(share.MaxAlertEventsPerViewer+5)*time.Minute)) || es[0].ID <= one.ID {
		t.Errorf("kept: the newest, oldest first: first %+v, last %+v", es[0], es[len(es)-1])
	}
	if after, _ := s.AlertEvents(ctx, bob.ID, es[len(es)-3].ID, 10); len(after) != 2 {
		t.Errorf("after an id: %d, want 2", len(after))
	}
	if mine, _ := s.AlertEvents(ctx, ann.ID, 0, 10); len(mine) != 0 {
		t.Errorf("the sharer is listed %d of the viewer's alerts", len(mine))
	}
	if _, err := s.EndShare(ctx, sh.ID, ann.ID, shareNow); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.AlertEvents(ctx, bob.ID, 0, 10); len(es) != 0 {
		t.Errorf("%d alert events after the share ended", len(es))
	}
	if gone, err := s.AddAlertEvent(ctx, share.AlertEvent{AlertID: a.ID, Event: share.Enter, At: shareNow.Add(time.Hour)}); err != nil || gone.ID != 0 {
		t.Errorf("an event of an alert gone: %+v %v, want nothing kept", gone, err)
	}
}

func testShareViews(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bob := mustCreate(t, s, "ann", auth.Student), mustCreate(t, s, "bob", auth.Student)
	sh := mustShare(t, s, share.Share{SharerID: ann.ID, WithID: bob.ID})
	v := share.Viewed{ShareID: sh.ID, ViewerID: bob.ID, At: shareNow}
	for range 2 {
		if err := s.RecordViews(ctx, []share.Viewed{v, v, {ShareID: sh.ID + 1000, ViewerID: bob.ID, At: shareNow}}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: ann.Email, Kind: share.AuditViewed})
	if err != nil || len(es) != 1 || es[0].Actor != bob.ID {
		t.Errorf("audit entries: %+v %v, want one: bob saw ann", es, err)
	}
}
