package store

import (
	"context"
	"database/sql"
	"errors"
)

// Enqueuer writes work to be done after a commit (a mail, a text message)
// into the transaction of the state change that causes it, so that both
// commit or neither does; the job queue (services/jobs) is one. The store
// declares it, rather than taking a queue library's types, so that it
// knows nothing of how jobs are kept or run: kind names the worker, and
// args (a struct of the kind's arguments) is kept as JSON.
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, args any) error
}

// ErrNoQueue is the error of a job written when no queue is set.
var ErrNoQueue = errors.New("store: no job queue is set")

// enqueuer holds the Enqueuer set (DB.queue), so that setting it races
// with nothing.
type enqueuer struct{ Enqueuer }

// SetQueue sets the queue that the store's transactions write their jobs
// to. Set it once, before the store serves.
func (db *DB) SetQueue(q Enqueuer) { db.queue.Store(&enqueuer{q}) }

// EnqueueTx writes a job of kind with args into tx, through the queue
// set (ErrNoQueue if none is: work must not be dropped unseen).
func (db *DB) EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, args any) error {
	q := db.queue.Load()
	if q == nil || q.Enqueuer == nil {
		return ErrNoQueue
	}
	return q.EnqueueTx(ctx, tx, kind, args)
}

// HasQueue reports whether a queue is set.
func (db *DB) HasQueue() bool {
	q := db.queue.Load()
	return q != nil && q.Enqueuer != nil
}

// Tx runs f in a write transaction, taking the store's write turn as the
// store's own writes do (see writing), and commits it if f returns nil.
// It is for what writes into the store's database besides the store: the
// job queue inserting a job with a state change, or completing one
// together with the mark of its delivery.
func (db *DB) Tx(ctx context.Context, f func(*sql.Tx) error) error {
	return db.inTx(ctx, f)
}

var _ Enqueuer = (*DB)(nil)
