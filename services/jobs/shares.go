package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/share"
)

// KindEndShares is the kind of the jobs that end the live shares whose
// end has passed.
const KindEndShares = "end_shares"

// EndShares is an end job's arguments: none.
type EndShares struct{}

// Kind is KindEndShares.
func (EndShares) Kind() string { return KindEndShares }

// EndSharesInterval is how often the leader ends expired shares: their
// histories and alerts are deleted at most this long after their end.
// (No location is shown after a share's end whether or not the job has
// run: every server's hub ends it at its end, and the store reads a
// share past its end as ended.)
const EndSharesInterval = time.Minute

// changesKept is how long the live change log keeps a row: every server
// reads it within a poll (a quarter of a second).
const changesKept = 10 * time.Minute

// endBatch bounds the shares one job ends at a time.
const endBatch = 500

// EndSharesEvery is the periodic job that ends expired shares every
// interval, and forgets expired socket tickets and old change rows.
func EndSharesEvery(interval time.Duration) *river.PeriodicJob {
	return periodic(KindEndShares, EndShares{}, interval)
}

// EndSharesWorker ends expired shares in the store.
type EndSharesWorker struct {
	river.WorkerDefaults[EndShares]
	Store share.Store
	// Now is the clock (nil: time.Now); Log tells how many ended (nil:
	// slog.Default()).
	Now func() time.Time
	Log *slog.Logger
}

// Work ends every share due, a batch at a time.
func (w *EndSharesWorker) Work(ctx context.Context, job *river.Job[EndShares]) error {
	log, now := w.Log, time.Now
	if log == nil {
		log = slog.Default()
	}
	if w.Now != nil {
		now = w.Now
	}
	total := 0
	for {
		n, err := w.Store.EndExpired(ctx, now(), changesKept, endBatch)
		total += n
		if err != nil {
			return err
		}
		if n < endBatch {
			break
		}
	}
	if total > 0 {
		log.Info("live shares ended at their end", "count", total)
	}
	return nil
}
