package share_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

// pair is a sharer and a viewer of one active person share, both
// attached.
type pair struct {
	sharer, viewer auth.User
	sh             share.View
	s, v           *fakeClient
}

func newPair(t *testing.T, w *world, history bool) pair {
	t.Helper()
	ctx := t.Context()
	p := pair{sharer: w.person(t, "sam", auth.Student), viewer: w.person(t, "vic", auth.Staff)}
	sh, err := w.svc.Create(ctx, p.sharer, share.Request{With: p.viewer.Email, Minutes: 30, History: history})
	if err != nil {
		t.Fatal(err)
	}
	p.s, p.v = newClient(p.sharer.ID, geo.Student), newClient(p.viewer.ID, geo.Staff)
	for _, c := range []*fakeClient{p.s, p.v} {
		w.attach(t, c)
	}
	// Pending: nothing shown yet.
	w.hub.Publish(p.sharer.ID, c3(t, w), time.Now())
	if _, ok := p.v.last(t, "location"); ok {
		t.Fatal("a pending share showed a location")
	}
	if p.sh, err = w.svc.Accept(ctx, p.viewer, sh.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "share_started after acceptance", func() bool { _, ok := p.v.last(t, share.ShareStarted); return ok })
	return p
}

func c3(t testing.TB, w *world) geo.Spot {
	u := roomOf(t, w.v, "C3")
	return w.v.SpotAt(u.Display[0], u.Display[1], u.Level.Ordinal, 3)
}

func (p pair) locations(t *testing.T) int {
	n := 0
	for _, m := range p.v.all(t) {
		if m.Type == "location" {
			n++
		}
	}
	return n
}

// ended waits for share_ended, then checks that no location follows.
func (p pair) ended(t *testing.T, w *world, how string) {
	t.Helper()
	eventually(t, how+": share_ended", func() bool { _, ok := p.v.last(t, share.ShareEnded); return ok })
	n := p.locations(t)
	w.hub.Publish(p.sharer.ID, c3(t, w), time.Now())
	if p.locations(t) != n {
		t.Errorf("%s: a location after the end", how)
	}
}

func TestEndings(t *testing.T) {
	t.Run("Revoked", func(t *testing.T) {
		w := newWorld(t)
		p := newPair(t, w, false)
		w.hub.Publish(p.sharer.ID, c3(t, w), time.Now())
		if p.locations(t) != 1 {
			t.Fatalf("%d locations, want 1", p.locations(t))
		}
		if err := w.svc.End(t.Context(), p.sharer, p.sh.ID); err != nil {
			t.Fatal(err)
		}
		p.ended(t, w, "revoked")
	})
	t.Run("Expired", func(t *testing.T) {
		w := newWorld(t)
		p := newPair(t, w, false)
		later := w.clock.Load().Add(31 * time.Minute)
		w.clock.Store(&later)
		p.ended(t, w, "expired")
	})
	t.Run("DisabledSharer", func(t *testing.T) {
		w := newWorld(t)
		p := newPair(t, w, false)
		// Disabled elsewhere (the command line): the change log tells.
		if err := w.db.SetDisabled(t.Context(), p.sharer.Email, true); err != nil {
			t.Fatal(err)
		}
		p.ended(t, w, "disabled")
		eventually(t, "the disabled sharer's socket closed", func() bool { return p.s.closed.Load() == share.CloseDisabled })
	})
	t.Run("LeftGroup", func(t *testing.T) {
		w := newWorld(t)
		ctx := t.Context()
		ann, bob := w.person(t, "ann", auth.Student), w.person(t, "bob", auth.Family)
		g, err := w.svc.NewGroup(ctx, ann, "g")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Join(ctx, bob, g.Code); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Create(ctx, ann, share.Request{Group: g.ID}); err != nil {
			t.Fatal(err)
		}
		p := pair{sharer: ann, viewer: bob, v: newClient(bob.ID, geo.Family)}
		w.attach(t, p.v)
		w.hub.Publish(ann.ID, c3(t, w), time.Now())
		if p.locations(t) != 1 {
			t.Fatalf("%d locations, want 1", p.locations(t))
		}
		if err := w.svc.Leave(ctx, bob, g.ID); err != nil {
			t.Fatal(err)
		}
		p.ended(t, w, "left the group")
	})
}

// TestLastOnConnect: a viewer connecting gets each share's last location
// at once; the audit log has one sight per share per viewer.
func TestLastOnConnect(t *testing.T) {
	w := newWorld(t)
	p := newPair(t, w, false)
	for range 3 {
		w.hub.Publish(p.sharer.ID, c3(t, w), time.Now())
	}
	late := newClient(p.viewer.ID, geo.Staff)
	w.attach(t, late)
	ms := late.all(t)
	if len(ms) != 2 || ms[0].Type != share.ShareStarted || ms[1].Type != "location" || ms[1].Share != p.sh.ID {
		t.Errorf("on connecting: %+v, want share_started then its last location", ms)
	}
	eventually(t, "the sight audited", func() bool {
		es, err := w.db.AuditEntries(t.Context(), audit.Query{Subject: p.sharer.Email, Kind: share.AuditViewed})
		return err == nil && len(es) == 1 && es[0].Actor == p.viewer.ID
	})
	time.Sleep(50 * time.Millisecond)
	if es, _ := w.db.AuditEntries(t.Context(), audit.Query{Subject: p.sharer.Email, Kind: share.AuditViewed}); len(es) != 1 {
		t.Errorf("%d audit entries, want one per share per viewer", len(es))
	}
}

// TestSlowViewer: a viewer whose queue is full is closed, CloseSlow; the
// others go on.
func TestSlowViewer(t *testing.T) {
	w := newWorld(t)
	p := newPair(t, w, false)
	slow := newClient(p.viewer.ID, geo.Staff)
	slow.room = 3
	w.attach(t, slow)
	for range 5 {
		w.hub.Publish(p.sharer.ID, c3(t, w), time.Now())
	}
	if got := slow.closed.Load(); got != share.CloseSlow {
		t.Errorf("slow viewer closed with %d, want %d", got, share.CloseSlow)
	}
	if p.v.closed.Load() != 0 || p.locations(t) != 5 {
		t.Errorf("the other viewer: closed %d, %d locations, want 5", p.v.closed.Load(), p.locations(t))
	}
}

// TestHistory: with history on, points are kept at most every
// TrackEvery and told as the asker sees them; gone with the share.
func TestHistory(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	p := newPair(t, w, true)
	start := time.Now()
	for i := range 6 {
		w.hub.Publish(p.sharer.ID, c3(t, w), start.Add(time.Duration(i)*share.TrackEvery/2))
	}
	var ls []share.Location
	eventually(t, "3 points kept", func() bool {
		var err error
		ls, err = w.svc.Track(ctx, p.viewer, w.v.View(geo.Staff), p.sh.ID, 0, 10)
		return err == nil && len(ls) == 3
	})
	if ls[0].Unit == nil || ls[0].Level == nil {
		t.Errorf("a point of C3 to staff: %+v", ls[0])
	}
	if _, err := w.svc.Track(ctx, w.person(t, "eve", auth.Staff), w.v.View(geo.Staff), p.sh.ID, 0, 10); !errors.Is(err, share.ErrNotFound) {
		t.Errorf("a stranger's track: %v", err)
	}
	if err := w.svc.End(ctx, p.sharer, p.sh.ID); err != nil {
		t.Fatal(err)
	}
	if ps, _ := w.db.Track(ctx, p.sh.ID, 0, 10); len(ps) != 0 {
		t.Errorf("%d points after the end", len(ps))
	}
}

// TestVisitorsPairOnlyByInvitationOrGroup: a visitor shares with nobody
// who did not invite them and is in no group with them.
func TestVisitorsPairOnlyByInvitationOrGroup(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	vis, host, other := w.person(t, "vis", auth.Visitor), w.person(t, "host", auth.Staff), w.person(t, "other", auth.Student)
	svc := share.New(w.v, w.db.DB, share.Options{Invited: func(_ context.Context, h, g int64) (bool, error) { return h == host.ID && g == vis.ID, nil }})
	for _, c := range []struct {
		from, to auth.User
		ok       bool
	}{{vis, host, true}, {host, vis, true}, {vis, other, false}, {other, vis, false}} {
		_, err := svc.Create(ctx, c.from, share.Request{With: c.to.Email})
		if c.ok != (err == nil) || !c.ok && !errors.Is(err, share.ErrForbidden) {
			t.Errorf("%s -> %s: %v", c.from.Email, c.to.Email, err)
		}
	}
	g, err := svc.NewGroup(ctx, other, "tour")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Join(ctx, vis, g.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, vis, share.Request{With: other.Email}); err != nil {
		t.Errorf("a visitor to a member of their group: %v", err)
	}
}

// TestHistoryTurnedOnLater: a share made without history keeps nothing
// until its sharer turns history on, then keeps the locations that come;
// off deletes them and keeps no more; the viewer may not turn it on.
func TestHistoryTurnedOnLater(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	p := newPair(t, w, false)
	start := time.Now()
	w.hub.Publish(p.sharer.ID, c3(t, w), start)
	if _, err := w.svc.SetHistory(ctx, p.viewer, p.sh.ID, true); !errors.Is(err, share.ErrForbidden) {
		t.Errorf("the viewer turning history on: %v, want ErrForbidden", err)
	}
	v, err := w.svc.SetHistory(ctx, p.sharer, p.sh.ID, true)
	if err != nil || !v.History {
		t.Fatalf("SetHistory: %+v %v", v, err)
	}
	// The hub learns it from the change log; then points are kept.
	eventually(t, "points kept once history is on", func() bool {
		w.hub.Publish(p.sharer.ID, c3(t, w), start.Add(time.Since(start)+share.TrackEvery))
		ps, _ := w.db.Track(ctx, p.sh.ID, 0, 10)
		return len(ps) > 0
	})
	if _, err := w.svc.SetHistory(ctx, p.sharer, p.sh.ID, false); err != nil {
		t.Fatal(err)
	}
	if ps, _ := w.db.Track(ctx, p.sh.ID, 0, 10); len(ps) != 0 {
		t.Fatalf("%d points after history off", len(ps))
	}
	// Once the hub has read the change, nothing more is kept.
	w.hub.Kick()
	time.Sleep(100 * time.Millisecond)
	for i := range 3 {
		w.hub.Publish(p.sharer.ID, c3(t, w), start.Add(time.Duration(10+i)*share.TrackEvery))
	}
	time.Sleep(100 * time.Millisecond)
	if ps, _ := w.db.Track(ctx, p.sh.ID, 0, 10); len(ps) != 0 {
		t.Errorf("%d points kept after history was turned off", len(ps))
	}
}

// TestJoinLimit: a person trying invite codes is stopped after
// JoinLimit.N tries within its period, right codes or wrong, and another
// person is not.
func TestJoinLimit(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	svc := share.New(w.v, w.db.DB, share.Options{Limits: w.db.DB})
	owner, guesser, friend := w.person(t, "own", auth.Student), w.person(t, "guess", auth.Student), w.person(t, "friend", auth.Student)
	g, err := svc.NewGroup(ctx, owner, "lab")
	if err != nil {
		t.Fatal(err)
	}
	for i := range share.JoinLimit.N {
		if _, err := svc.Join(ctx, guesser, "ABCDEFGHJK"); !errors.Is(err, share.ErrNotFound) {
			t.Fatalf("guess %d: %v, want ErrNotFound", i+1, err)
		}
	}
	_, err = svc.Join(ctx, guesser, g.Code)
	var r *share.Error
	if !errors.Is(err, share.ErrLimited) || !errors.As(err, &r) || r.Field != "code" {
		t.Errorf("the right code past the limit: %v, want ErrLimited naming code", err)
	}
	if _, err := svc.Join(ctx, friend, g.Code); err != nil {
		t.Errorf("another person joining: %v", err)
	}
}

// TestAlertsReachViewersAway: an arrival alert fires once per crossing
// to a viewer connected, with the id it is kept under; crossings while
// the viewer is away are kept and told when they connect again after
// the last id they saw (and only those); none is kept once the share
// ends.
func TestAlertsReachViewersAway(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	p := newPair(t, w, false)
	if _, err := w.svc.AddAlert(ctx, p.viewer, w.v.View(geo.Staff), p.sh.ID, "C3", share.Enter); err != nil {
		t.Fatal(err)
	}
	c1, c3 := w.v.SpotAt(roomOf(t, w.v, "C1").Display[0], roomOf(t, w.v, "C1").Display[1], roomOf(t, w.v, "C1").Level.Ordinal, 3), c3(t, w)
	walkIn := func() {
		for _, sp := range []geo.Spot{c1, c1, c3, c3} {
			w.hub.Publish(p.sharer.ID, sp, time.Now())
		}
	}
	// The hub learns the alert from the change log.
	eventually(t, "an alert on arriving at C3", func() bool {
		walkIn()
		_, ok := p.v.last(t, "alert")
		return ok
	})
	time.Sleep(100 * time.Millisecond) // any alert of an earlier walk in arrives
	first, _ := p.v.last(t, "alert")
	if first.Event != share.Enter || first.Place != buildingOf(t, w.v, "C3").ID || first.Share != p.sh.ID || first.ID == 0 {
		t.Fatalf("the alert: %+v", first)
	}
	// Away: the app is closed; the sharer comes and goes twice.
	w.hub.Detach(p.v)
	walkIn()
	walkIn()
	var kept []share.AlertEvent
	eventually(t, "2 alerts kept while the viewer is away", func() bool {
		kept, _ = w.db.AlertEvents(ctx, p.viewer.ID, first.ID, 10)
		return len(kept) == 2
	})
	back := newClient(p.viewer.ID, geo.Staff)
	w.attach(t, back)
	missed, err := w.hub.Missed(ctx, p.viewer.ID, first.ID)
	if err != nil || len(missed) != 2 {
		t.Fatalf("missed: %d, %v; want 2", len(missed), err)
	}
	back.mu.Lock()
	back.msgs = append(back.msgs, missed...)
	back.mu.Unlock()
	n := 0
	for _, m := range back.all(t) {
		if m.Type == "alert" {
			n++
			if m.ID <= first.ID || m.Event != share.Enter {
				t.Errorf("a missed alert: %+v", m)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d alerts told on connecting, want 2", n)
	}
	if all, _ := w.hub.Missed(ctx, p.viewer.ID, 0); len(all) < 3 {
		t.Errorf("all kept: %d, want 3 or more", len(all))
	}
	if err := w.svc.End(ctx, p.sharer, p.sh.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := w.hub.Missed(ctx, p.viewer.ID, 0); len(all) != 0 {
		t.Errorf("%d alerts kept after the share ended", len(all))
	}
}
