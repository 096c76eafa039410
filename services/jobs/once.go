package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/campusnav/engine/services/store"
)

// completeTries is how many times a job whose work is done is marked
// completed before giving up (and so, maybe, doing the work again);
// completeWait is the wait between tries, doubled each time, and
// completeTimeout bounds each try.
const (
	completeTries   = 5
	completeWait    = 100 * time.Millisecond
	completeTimeout = 10 * time.Second
)

// done marks job completed, in a transaction of the store, together with
// what also writes in it (nil: nothing). It is called once the job's work
// is done outside the database (a message sent): the completed row is then
// the record that the work was done, and a job taken up again after a
// crash that came before this commit does the work again; one that came
// after does not run. Its context outlives the job's, so that a job whose
// time ran out just after sending is still marked, and it tries again
// when the database fails, for the work must not be done twice.
func done[T river.JobArgs](ctx context.Context, db *store.DB, job *river.Job[T], also func(*sql.Tx) error) error {
	ctx = context.WithoutCancel(ctx) // keeps River's client, which JobCompleteTx reads
	wait := completeWait
	var err error
	for try := 1; ; try++ {
		tctx, cancel := context.WithTimeout(ctx, completeTimeout)
		err = db.Tx(tctx, func(tx *sql.Tx) error {
			if also != nil {
				if err := also(tx); err != nil {
					return err
				}
			}
			_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](tctx, tx, job)
			return err
		})
		cancel()
		if err == nil || try == completeTries {
			break
		}
		time.Sleep(wait)
		wait *= 2
	}
	if err != nil {
		return fmt.Errorf("jobs: %s job %d was done, but marking it so failed (it may be done again): %w", job.Kind, job.ID, err)
	}
	return nil
}
