package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/tour"
)

// KindPurgeTours is the kind of the jobs that delete tour bookings
// tour.Keep after their slot.
const KindPurgeTours = "purge_tours"

// PurgeTours is a tours' purge job's arguments: none.
type PurgeTours struct{}

// Kind is KindPurgeTours.
func (PurgeTours) Kind() string { return KindPurgeTours }

// PurgeToursInterval is how often the leader purges old tour bookings.
const PurgeToursInterval = 6 * time.Hour

// PurgeToursEvery is the periodic job that deletes, every interval, the
// tour bookings (and slots) of slots that started tour.Keep ago. Only
// the leader enqueues it, one job a period.
func PurgeToursEvery(interval time.Duration) *river.PeriodicJob {
	return periodic(KindPurgeTours, PurgeTours{}, interval)
}

// PurgeToursWorker purges through the tours' service.
type PurgeToursWorker struct {
	river.WorkerDefaults[PurgeTours]
	Tours *tour.Service
	// Log tells how many were deleted (nil: slog.Default()).
	Log *slog.Logger
}

// Work purges every booking due, a batch at a time.
func (w *PurgeToursWorker) Work(ctx context.Context, job *river.Job[PurgeTours]) error {
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	total := 0
	for {
		n, err := w.Tours.Purge(ctx)
		total += n
		if err != nil {
			return err
		}
		if n < tour.PurgeBatch {
			break
		}
	}
	if total > 0 {
		log.Info("tour bookings purged", "count", total, "older_than_days", int(tour.Keep.Hours()/24))
	}
	return nil
}
