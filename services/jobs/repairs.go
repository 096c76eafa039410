package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/repair"
)

// KindCloseRepairs is the kind of the jobs that close repair tickets 7
// days after their completion.
const KindCloseRepairs = "close_repairs"

// CloseRepairs is a close job's arguments: none.
type CloseRepairs struct{}

// Kind is KindCloseRepairs.
func (CloseRepairs) Kind() string { return KindCloseRepairs }

// CloseRepairsInterval is how often the leader closes repair tickets: a
// ticket is closed at most this long after its 7 days end.
const CloseRepairsInterval = 10 * time.Minute

// CloseRepairsEvery is the periodic job that closes, every interval, the
// repair tickets completed repair.Window ago, each with its event and
// audit entry. Only the leader enqueues it, one job a period; a job that
// dies midway is taken up again and closes what is left.
func CloseRepairsEvery(interval time.Duration) *river.PeriodicJob {
	return periodic(KindCloseRepairs, CloseRepairs{}, interval)
}

// CloseRepairsWorker closes repair tickets through the repair service.
type CloseRepairsWorker struct {
	river.WorkerDefaults[CloseRepairs]
	Repairs *repair.Service
	// Log tells how many were closed (nil: slog.Default()).
	Log *slog.Logger
}

// Work closes every ticket due, a batch at a time.
func (w *CloseRepairsWorker) Work(ctx context.Context, job *river.Job[CloseRepairs]) error {
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	total := 0
	for {
		n, err := w.Repairs.CloseCompleted(ctx)
		total += n
		if err != nil {
			return err
		}
		if n < repair.CloseBatch {
			break
		}
	}
	if total > 0 {
		log.Info("repair tickets closed 7 days after completion", "count", total)
	}
	return nil
}
