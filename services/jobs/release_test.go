package jobs_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/jobs"
)

// TestReleaseNoShows: the leader's periodic job releases a booking
// nobody checked into once its window has closed, and records the
// no-show; a booking still in its window stays.
func TestReleaseNoShows(t *testing.T) {
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		clock := &testClock{}
		svc, err := booking.New(v, db, booking.Options{Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUser(ctx, auth.User{Email: "s@campus.example", Role: auth.Student}, "h")
		if err != nil {
			t.Fatal(err)
		}
		space, other := svc.Catalogue().Spaces()[0].ID, svc.Catalogue().Spaces()[1].ID
		now := clock.Now()
		due := func(start time.Time) *time.Time { d := start.Add(booking.CheckinAfter); return &d }
		gone, err := db.Book(ctx, booking.Booking{Space: space, UserID: u.ID, Start: now.Add(-time.Hour), End: now, Status: booking.Confirmed, CheckinBy: due(now.Add(-time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		stays, err := db.Book(ctx, booking.Booking{Space: other, UserID: u.ID, Start: now.Add(-10 * time.Minute), End: now.Add(time.Hour), Status: booking.Confirmed, CheckinBy: due(now.Add(-10 * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.ReleaseWorker{Bookings: svc}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{
			Workers: w, Periodic: []*river.PeriodicJob{jobs.ReleaseNoShowsEvery(jobs.ReleaseEvery)},
			Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
		defer cancel()
		start(t, q)
		if ev := next(t, events); ev.Job.Kind != jobs.KindReleaseNoShows {
			t.Fatalf("%s job completed, want the release", ev.Job.Kind)
		}
		if b, err := db.GetBooking(ctx, gone.ID); err != nil || b.Status != booking.Released {
			t.Errorf("the overdue booking: %+v %v", b, err)
		}
		if b, err := db.GetBooking(ctx, stays.ID); err != nil || b.Status != booking.Confirmed {
			t.Errorf("the booking in its window: %+v %v", b, err)
		}
		if ns, err := db.NoShows(ctx, u.ID, now.Add(-24*time.Hour)); err != nil || len(ns) != 1 || ns[0].Booking.ID != gone.ID {
			t.Errorf("no-shows: %+v %v", ns, err)
		}
	})
}
