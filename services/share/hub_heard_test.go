package share_test

import (
	"context"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

// replicaBus is one replica's end of a bus between replicas of one
// process: what it publishes reaches its own subscribers and its
// peers'.
type replicaBus struct {
	self  *share.LocalBus
	peers []*share.LocalBus
}

func (b replicaBus) Publish(m share.Message) {
	b.self.Publish(m)
	for _, p := range b.peers {
		p.Publish(m)
	}
}

func (b replicaBus) Subscribe(f func(share.Message)) { b.self.Subscribe(f) }

// replicas are two hubs over w's store, each with its service, joined
// by a bus as replicas are by NATS; they read the change log when the
// bus says so (their poll is an hour).
func replicas(t *testing.T, w *world) (svcA *share.Service, hubA, hubB *share.Hub) {
	t.Helper()
	onA, onB := &share.LocalBus{}, &share.LocalBus{}
	now := func() time.Time { return *w.clock.Load() }
	svcA = share.New(w.v, w.db.DB, share.Options{Now: now})
	hubA = share.NewHub(svcA, replicaBus{onA, []*share.LocalBus{onB}}, share.HubConfig{Poll: time.Hour})
	hubB = share.NewHub(share.New(w.v, w.db.DB, share.Options{Now: now}), replicaBus{onB, []*share.LocalBus{onA}}, share.HubConfig{Poll: time.Hour})
	for _, h := range []*share.Hub{hubA, hubB} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { h.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	return svcA, hubA, hubB
}

// TestLastHeardOnAnotherReplica: a viewer connecting to replica B, while
// their sharer's locations were only heard there (the sharer on A,
// nobody of theirs on B), is sent the last one at once; a revocation on
// A ends it on B through the bus alone (B's poll is an hour), and B
// forgets the sharer's location.
func TestLastHeardOnAnotherReplica(t *testing.T) {
	w := newWorld(t)
	svc, hubA, hubB := replicas(t, w)
	ctx := t.Context()
	sam, vic := w.person(t, "sam", auth.Student), w.person(t, "vic", auth.Staff)
	sh, err := svc.Create(ctx, sam, share.Request{With: vic.Email, Minutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Accept(ctx, vic, sh.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hubA.Attach(ctx, newClient(sam.ID, geo.Student)); err != nil {
		t.Fatal(err)
	}
	spot := c3(t, w)
	hubA.Publish(sam.ID, spot, time.Now())
	if hubB.Heard() != 1 {
		t.Fatalf("B heard %d sharers, want sam", hubB.Heard())
	}
	v := newClient(vic.ID, geo.Staff)
	first, err := hubB.Attach(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	v.msgs = first
	ms := v.all(t)
	if len(ms) != 2 || ms[0].Type != share.ShareStarted || ms[1].Type != "location" || round7(ms[1].Lon) != round7(spot.Lon) {
		t.Fatalf("vic connecting to B: %+v, want share_started and sam's last location", ms)
	}
	hubA.Publish(sam.ID, spot, time.Now())
	if n := len(v.all(t)); n != 3 {
		t.Errorf("vic on B after another location: %d messages, want 3", n)
	}
	if err := svc.End(ctx, sam, sh.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "share_ended on B", func() bool { _, ok := v.last(t, share.ShareEnded); return ok })
	eventually(t, "B forgets sam's location", func() bool { return hubB.Heard() == 0 })
}

// TestHeardNotBeforeTheShare: a location heard before a share began is
// not that share's to show.
func TestHeardNotBeforeTheShare(t *testing.T) {
	w := newWorld(t)
	svc, hubA, hubB := replicas(t, w)
	ctx := t.Context()
	sam, vic, ann := w.person(t, "sam", auth.Student), w.person(t, "vic", auth.Staff), w.person(t, "ann", auth.Staff)
	old, err := svc.Create(ctx, sam, share.Request{With: ann.Email, Minutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Accept(ctx, ann, old.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hubA.Attach(ctx, newClient(sam.ID, geo.Student)); err != nil {
		t.Fatal(err)
	}
	hubA.Publish(sam.ID, c3(t, w), time.Now().Add(-time.Minute))
	sh, err := svc.Create(ctx, sam, share.Request{With: vic.Email, Minutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Accept(ctx, vic, sh.ID); err != nil {
		t.Fatal(err)
	}
	first, err := hubB.Attach(ctx, newClient(vic.ID, geo.Staff))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 {
		t.Errorf("vic connecting to B: %q, want share_started alone", first)
	}
}
