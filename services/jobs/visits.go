package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/visitor"
)

// KindPurgeVisits is the kind of the jobs that delete visitors'
// personal data a while after their visits.
const KindPurgeVisits = "purge_visits"

// PurgeVisits is a visitors' purge job's arguments: none.
type PurgeVisits struct{}

// Kind is KindPurgeVisits.
func (PurgeVisits) Kind() string { return KindPurgeVisits }

// PurgeVisitsInterval is how often the leader deletes visitors'
// personal data that is due: at most this long after its day comes.
const PurgeVisitsInterval = time.Hour

// PurgeVisitsEvery is the periodic job that deletes, every interval,
// the names, phones and ID hashes (and plates) of the visits that ended
// KeepDays ago; their counts remain. Only the leader enqueues it, one
// job a period; a job that dies midway is taken up again and deletes
// what is left.
func PurgeVisitsEvery(interval time.Duration) *river.PeriodicJob {
	return periodic(KindPurgeVisits, PurgeVisits{}, interval)
}

// purgeVisitsBatch bounds the visits of one transaction.
const purgeVisitsBatch = 500

// PurgeVisitsWorker deletes visitors' personal data KeepDays days after
// their visits (visitor.DefaultKeepDays when 0), by Now.
type PurgeVisitsWorker struct {
	river.WorkerDefaults[PurgeVisits]
	DB       *store.DB
	KeepDays int
	// Now is the time (nil: the wall clock).
	Now func() time.Time
	// Log tells how many were purged (nil: slog.Default()).
	Log *slog.Logger
}

// Work purges every visit due, a batch a transaction.
func (w *PurgeVisitsWorker) Work(ctx context.Context, job *river.Job[PurgeVisits]) error {
	now, days, log := time.Now, w.KeepDays, w.Log
	if w.Now != nil {
		now = w.Now
	}
	if days <= 0 {
		days = visitor.DefaultKeepDays
	}
	if log == nil {
		log = slog.Default()
	}
	before := now().AddDate(0, 0, -days)
	total := 0
	for {
		n, err := w.DB.PurgeVisits(ctx, before, purgeVisitsBatch)
		total += n
		if err != nil {
			return err
		}
		if n < purgeVisitsBatch {
			break
		}
	}
	if total > 0 {
		log.InfoContext(ctx, "visitors' personal data deleted", "visits", total, "ended_before", before)
	}
	return nil
}
