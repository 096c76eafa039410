package jobs_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/tour"
)

// phoneBook is a TextSender that keeps what it sends.
type phoneBook struct {
	mu   sync.Mutex
	sent []jobs.Text
}

func (p *phoneBook) SendText(_ context.Context, phone, body string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, jobs.Text{Phone: phone, Text: body})
	return nil
}

// TestTourTexts: a tour's booking texts its booker once, after the
// commit, through the outbox; a booking refused texts nobody. The
// leader's purge deletes bookings tour.Keep after their slot.
func TestTourTexts(t *testing.T) {
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	g := routing.Build(v)
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		friday := time.Date(2026, 12, 4, 9, 0, 0, 0, time.FixedZone("+08", 8*3600))
		var now atomic.Pointer[time.Time]
		now.Store(&friday)
		svc, err := tour.New(v, g, db, tour.Options{Now: func() time.Time { return *now.Load() }})
		if err != nil {
			t.Fatal(err)
		}
		book := &phoneBook{}
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.TextWorker{Sender: book, DB: db}); err != nil {
			t.Fatal(err)
		}
		if err := jobs.Add(w, &jobs.PurgeToursWorker{Tours: svc}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{Workers: w, Periodic: []*river.PeriodicJob{jobs.PurgeToursEvery(jobs.PurgeToursInterval)},
			Clock: (&testClock{}).Now, PollInterval: testPoll, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		db.SetQueue(q)
		u, err := db.CreateUser(ctx, auth.User{Email: "tel:+8613900000001", Role: auth.Visitor}, "")
		if err != nil {
			t.Fatal(err)
		}
		slot := "campus-walk-20261205-0930"
		if _, err := svc.Book(ctx, u, slot, 2, "en"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Book(ctx, u, slot, 1, "en"); err == nil {
			t.Fatal("booked one slot twice")
		}
		later := friday.Add(tour.Keep + 48*time.Hour)
		now.Store(&later)
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
		defer cancel()
		start(t, q)
		kinds := map[string]bool{}
		for range 2 {
			kinds[next(t, events).Job.Kind] = true
		}
		if !kinds[jobs.KindText] || !kinds[jobs.KindPurgeTours] {
			t.Fatalf("jobs completed: %v", kinds)
		}
		book.mu.Lock()
		sent := book.sent
		book.mu.Unlock()
		if len(sent) != 1 || sent[0].Phone != "+8613900000001" || !strings.Contains(sent[0].Text, "Campus walk, Sat 5 Dec 2026 09:30–10:30, 2 people") {
			t.Errorf("texts sent: %+v", sent)
		}
		if bs, err := db.TourBookings(ctx, u.ID, 0, 10); err != nil || len(bs) != 0 {
			t.Errorf("bookings left after the purge: %+v %v", bs, err)
		}
	})
}
