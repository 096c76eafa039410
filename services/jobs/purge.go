package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/idempotency"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/store"
)

// KindPurgeSessions is the kind of the jobs that delete expired sessions.
const KindPurgeSessions = "purge_sessions"

// PurgeSessions is a purge job's arguments: none.
type PurgeSessions struct{}

// Kind is KindPurgeSessions.
func (PurgeSessions) Kind() string { return KindPurgeSessions }

// PurgeSessionsEvery is the periodic job that deletes expired sessions
// every interval, and once when the leader starts. Only the leader
// enqueues it, and each period's job is unique, so one replica purges
// once per period however many run.
func PurgeSessionsEvery(interval time.Duration) *river.PeriodicJob {
	return periodic(KindPurgeSessions, PurgeSessions{}, interval)
}

// PurgeWorker deletes what has expired by Now from DB: sessions, spent or
// expired sign-in state (codes, single sign-ons begun, limit buckets), and
// idempotency keys past their 24 hours, the records of used card codes
// that can no longer verify, and the photos of closed repair tickets
// reported more than repair.PhotoKeep ago.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeSessions]
	DB *store.DB
	// Now is the time (nil: the wall clock).
	Now func() time.Time
	// Log tells how many were deleted (nil: slog.Default()).
	Log *slog.Logger
}

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, job *river.Job[PurgeSessions]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	at := now()
	sessions, err := w.DB.PurgeSessions(ctx, at)
	if err != nil {
		return err
	}
	state, err := w.DB.PurgeAuthState(ctx, at)
	if err != nil {
		return err
	}
	keys, err := w.DB.PurgeIdempotencyKeys(ctx, at.Add(-idempotency.TTL))
	if err != nil {
		return err
	}
	// A code verifies for at most two steps and a clock's skew: its
	// single-use record is kept a minute beyond that.
	codes, err := w.DB.PurgeCodes(ctx, at.Add(-3*time.Minute))
	if err != nil {
		return err
	}
	// Photos of closed repair tickets, a batch a run.
	photos, err := w.DB.PurgePhotos(ctx, at.Add(-repair.PhotoKeep), photoBatch)
	if err != nil {
		return err
	}
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "expired state purged", "sessions", sessions, "sign_in_state", state, "idempotency_keys", keys, "used_codes", codes,
		"repair_photos", photos)
	return nil
}

// photoBatch bounds the photos one purge deletes (each up to 5 MB).
const photoBatch = 500

// periodic is the leader's job of args every interval: one job a period
// (unique by period, so replicas and restarts add no second), three
// attempts, and one at start.
func periodic(kind string, args river.JobArgs, interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return args, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
		},
		&river.PeriodicJobOpts{ID: kind, RunOnStart: true})
}
