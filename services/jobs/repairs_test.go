package jobs_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/repair"
)

// TestCloseRepairs: the leader's periodic job closes a ticket completed
// 7 days ago, as the system; one completed since stays completed.
func TestCloseRepairs(t *testing.T) {
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		clock := &testClock{}
		svc := repair.New(v, db, repair.Options{Now: clock.Now})
		u, err := db.CreateUser(ctx, auth.User{Email: "s@campus.example", Role: auth.Student}, "h")
		if err != nil {
			t.Fatal(err)
		}
		now := clock.Now()
		completed := func(at time.Time) int64 {
			tk, err := db.CreateTicket(ctx, repair.Ticket{ReporterID: u.ID, Lang: "en", Category: "water", Description: "leak", Created: at,
				Location: repair.Location{Unit: "u-" + at.String(), Source: repair.SourceManual, Room: true}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.ChangeTicket(ctx, tk.ID, 0, repair.Change{Audit: repair.AuditMoved, Apply: func(tk *repair.Ticket) (repair.Event, error) {
				tk.Status, tk.Completed = repair.Completed, &at
				return repair.Event{At: at, From: repair.Submitted, To: repair.Completed}, nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		old, recent := completed(now.Add(-repair.Window-time.Minute)), completed(now.Add(-time.Hour))
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.CloseRepairsWorker{Repairs: svc}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{
			Workers: w, Periodic: []*river.PeriodicJob{jobs.CloseRepairsEvery(jobs.CloseRepairsInterval)},
			Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
		defer cancel()
		start(t, q)
		if ev := next(t, events); ev.Job.Kind != jobs.KindCloseRepairs {
			t.Fatalf("%s job completed, want the close", ev.Job.Kind)
		}
		tk, err := db.Ticket(ctx, old)
		if err != nil || tk.Status != repair.Closed || tk.History[len(tk.History)-1].ActorID != 0 {
			t.Errorf("the ticket completed 7 days ago: %+v %v", tk, err)
		}
		if tk, err := db.Ticket(ctx, recent); err != nil || tk.Status != repair.Completed {
			t.Errorf("the ticket completed an hour ago: %+v %v", tk, err)
		}
	})
}
