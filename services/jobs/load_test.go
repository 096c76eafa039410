package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/store"
)

// note is a job that does nothing: River's own writes (fetching it,
// completing it) are all there is to it.
type note struct{ N int }

func (note) Kind() string { return "note" }

type noteWorker struct {
	river.WorkerDefaults[note]
}

func (noteWorker) Work(context.Context, *river.Job[note]) error { return nil }

// noteWorkers are workers of notes alone.
func noteWorkers(t testing.TB) *jobs.Workers {
	w := jobs.NewWorkers()
	if err := jobs.Add(w, noteWorker{}); err != nil {
		t.Fatal(err)
	}
	return w
}

// noteQueue is a started queue on db that works notes, and the River
// events of completed jobs; errors are River's logged errors.
func noteQueue(t testing.TB, db *store.DB, opts jobs.Options) (q *jobs.Queue, completed <-chan *river.Event, errors func() []string) {
	t.Helper()
	opts.Workers = noteWorkers(t)
	opts.Logger, errors = testLogs(t)
	q, err := jobs.Open(t.Context(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
	t.Cleanup(cancel)
	start(t, q)
	return q, events, errors
}

// TestSQLiteUnderLoad works jobs on SQLite while the store's writers keep
// its write lock as busy as they can: River's own writes, which wait in
// SQLite's busy handler rather than in the store's writer queue, must
// neither fail (busy_timeout is 5 s) nor lose a job.
func TestSQLiteUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	ctx := t.Context()
	db := sqliteEngine(t).open(t)
	q, completed, riverErrors := noteQueue(t, db, jobs.Options{PollInterval: testPoll})

	const writers, jobCount = 16, 400
	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			u, err := db.CreateUser(ctx, auth.User{Email: fmt.Sprintf("load%d@campus.example", w), Role: auth.Staff}, "h")
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				token := fmt.Sprintf("t%d-%d", w, i)
				if err := db.CreateSession(ctx, token, u.ID, time.Now().Add(time.Hour)); err != nil {
					t.Errorf("a store write under load: %v", err)
					return
				}
				if err := db.DeleteSession(ctx, token); err != nil {
					t.Errorf("a store write under load: %v", err)
					return
				}
				writes.Add(2)
			}
		})
	}
	began := time.Now()
	var inserted, done [jobCount]time.Duration // since began
	worked := make(chan struct{})
	go func() {
		defer close(worked)
		for range jobCount {
			ev := next(t, completed)
			var n note
			if err := json.Unmarshal(ev.Job.EncodedArgs, &n); err != nil {
				t.Error(err)
				return
			}
			done[n.N] = time.Since(began)
		}
	}()
	for i := range jobCount {
		if _, err := q.Insert(ctx, note{i}, nil); err != nil {
			t.Fatalf("insert under load: %v", err)
		}
		inserted[i] = time.Since(began)
	}
	<-worked
	took := time.Since(began)
	latencies := make([]time.Duration, jobCount)
	for i := range jobCount {
		latencies[i] = done[i] - inserted[i]
	}
	slices.Sort(latencies)
	t.Logf("commit to completion under load: p50 %s, p99 %s, max %s", latencies[len(latencies)/2].Round(time.Millisecond),
		latencies[len(latencies)*99/100].Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
	close(stop)
	wg.Wait()
	t.Logf("%d jobs inserted and worked in %s, beside %d store writes (%.0f/s)", jobCount, took.Round(time.Millisecond), writes.Load(), float64(writes.Load())/took.Seconds())
	if errs := riverErrors(); len(errs) > 0 {
		t.Errorf("River logged %d errors under load; the first: %s", len(errs), errs[0])
	}
}
