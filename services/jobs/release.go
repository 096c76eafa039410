package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/booking"
)

// KindReleaseNoShows is the kind of the jobs that release bookings
// nobody checked into.
const KindReleaseNoShows = "release_noshows"

// ReleaseNoShows is a release job's arguments: none.
type ReleaseNoShows struct{}

// Kind is KindReleaseNoShows.
func (ReleaseNoShows) Kind() string { return KindReleaseNoShows }

// ReleaseEvery is how often the leader releases no-shows: a booking is
// freed at most this long after its check-in window closes (start + 15
// min).
const ReleaseEvery = 30 * time.Second

// ReleaseNoShowsEvery is the periodic job that releases, every
// interval, the bookings whose check-in window has closed with nobody
// checked in, each recorded as its holder's no-show in the transaction
// that releases it. Only the leader enqueues it, one job a period; a job
// that dies midway is taken up again and releases what is left.
func ReleaseNoShowsEvery(interval time.Duration) *river.PeriodicJob {
	return periodic(KindReleaseNoShows, ReleaseNoShows{}, interval)
}

// releaseBatch bounds one transaction of releases.
const releaseBatch = 500

// ReleaseWorker releases no-shows through the booking service.
type ReleaseWorker struct {
	river.WorkerDefaults[ReleaseNoShows]
	Bookings *booking.Service
	// Log tells how many were released (nil: slog.Default()).
	Log *slog.Logger
}

// Work releases every booking due, a batch a transaction.
func (w *ReleaseWorker) Work(ctx context.Context, job *river.Job[ReleaseNoShows]) error {
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	total := 0
	for {
		bs, err := w.Bookings.ReleaseNoShows(ctx, releaseBatch)
		if err != nil {
			return err
		}
		total += len(bs)
		if len(bs) < releaseBatch {
			break
		}
	}
	if total > 0 {
		log.Info("bookings released as no-shows", "count", total)
	}
	return nil
}
