// Package store is the campus services' state, written once for both
// engines: the SQL and the logic of every service's store (auth.Store,
// places.Store ...) live here, over database/sql, and run unchanged on
// the embedded SQLite file (services/sqlite) and on PostgreSQL
// (services/postgres, through pgx's database/sql driver). Both engines
// take $1 placeholders, RETURNING, ON CONFLICT, IS DISTINCT FROM and
// true/false, so a statement is one string.
//
// What differs between the engines is a Dialect, and nothing else: how a
// time is stored (SQLite: integer microseconds; PostgreSQL: timestamptz),
// how a constraint violation reads, whether rows lock (PostgreSQL's FOR
// UPDATE) or the one writer holds the whole database (SQLite), and each
// engine's schema (its migrations, kept by the engine's package).
//
// Errors that are a service's (auth.ErrNotFound, places.ErrNotFound,
// auth.ErrConflict ...) read as that error followed by what was not found,
// in parentheses, with nothing of the engine in them; other errors start
// with the engine's name ("sqlite:", "postgres:") and are internal.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// Compile-time proofs that DB is the stores the services need.
var (
	_ auth.Store   = (*DB)(nil)
	_ places.Store = (*DB)(nil)
)

// Dialect is what one engine does its own way.
type Dialect struct {
	// Name is the engine's, the prefix of internal errors.
	Name string
	// Time is the value stored for t, already to the microsecond in UTC.
	Time func(t time.Time) any
	// TimeType is the SQL type a time is stored as, for a CAST of a
	// parameter where nothing else tells PostgreSQL its type (a VALUES
	// list): INTEGER on SQLite, timestamptz on PostgreSQL.
	TimeType string
	// Param, if set, writes the nth parameter (from 1) of the statements
	// the store builds with many parameters (a batch's rows), instead of
	// $n: SQLite's ?n, which its parser numbers directly, where it looks
	// each $n up by name among those before it (quadratic in a batch of
	// 700 parameters) and its driver binds it by name.
	Param func(n int) string
	// IsUnique reports a UNIQUE or PRIMARY KEY violation, IsForeignKey a
	// FOREIGN KEY violation.
	IsUnique, IsForeignKey func(error) bool
	// IsOverlap reports a write refused because it would overlap a live
	// booking (PostgreSQL's exclusion constraint, SQLite's trigger).
	IsOverlap func(error) bool
	// TextArray, where set, is a list of strings as one parameter that
	// "= ANY($n)" takes (PostgreSQL's text[]); nil: the engine has no
	// arrays, and a list is an IN list of parameters. One array keeps a
	// prepared statement's generic plan cheap: an IN list of parameters
	// there is an array built again for every row.
	TextArray func([]string) any
	// PlanEach, where set, goes before a query's arguments to have the
	// engine plan it for its values each time (pgx's QueryExecModeExec),
	// not by a cached generic plan blind to them.
	PlanEach []any
	// IsDeadlock reports a transaction the engine chose to abort to
	// break a deadlock (PostgreSQL's 40P01): rolled back whole, it is run
	// again. nil: never.
	IsDeadlock func(error) bool
	// SingleWriter is SQLite's: one writer at a time, for the whole
	// database. Writers then queue in the process (see DB.writing), and a
	// transaction's reads hold until it commits, so ForUpdate is empty.
	SingleWriter bool
	// ForUpdate ends a SELECT whose rows the transaction will change, so
	// that another writer waits for them: " FOR UPDATE" on PostgreSQL.
	ForUpdate string
	// Relax and Unrelax, if set, make a connection's commits stop and
	// start again waiting for the disk: SQLite's synchronous NORMAL and
	// FULL. In WAL mode a relaxed commit is on disk at the next commit
	// that waits; a crash before loses it and what came after, never
	// part of one. Only what may be lost so is written relaxed (see
	// DB.relaxed). PostgreSQL needs none: those tables are UNLOGGED.
	Relax, Unrelax string
}

// DB is the services' store over one database. It is safe for concurrent
// use, and several processes may open the same database.
type DB struct {
	sql *sql.DB
	d   Dialect
	// wmu queues writers in the process when the engine has a single
	// writer: waiting here, in order, beats each writer polling the lock
	// with busy_timeout's sleeps, whose waits grow long under load.
	wmu sync.Mutex
	// w is the handle writers use: on a single-writer engine one
	// connection of its own (SetWriter), whose page cache stays warm;
	// else sql.
	w *sql.DB
	// queue is where the store's transactions write their jobs.
	queue atomic.Pointer[enqueuer]
}

// New is the store over db, an engine's database/sql handle, migrated by
// its engine's package.
func New(db *sql.DB, d Dialect) *DB { return &DB{sql: db, w: db, d: d} }

// SetWriter gives a single-writer engine a handle of its own for writes
// (one connection): a writer that took whichever pooled connection was
// idle longest read back from disk, under the write lock, every page
// other connections had changed since it last ran. Set it before the
// store serves; Close closes it.
func (db *DB) SetWriter(w *sql.DB) { db.w = w }

// SQL is the database/sql handle, for the engine's own package and for
// what shares its transactions (the job queue).
func (db *DB) SQL() *sql.DB { return db.sql }

// Dialect is the engine's.
func (db *DB) Dialect() Dialect { return db.d }

// Close closes the database.
func (db *DB) Close() error {
	if db.w != db.sql {
		db.w.Close()
	}
	return db.sql.Close()
}

// Ping reports whether the database answers: the server's readiness.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Version is the schema version of the database: its last migration.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := db.sql.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// writing takes the process's write turn on a single-writer engine, and
// gives the handle to write with; call the function it returns when the
// write is done.
func (db *DB) writing() (*sql.DB, func()) {
	if !db.d.SingleWriter {
		return db.sql, func() {}
	}
	db.wmu.Lock()
	return db.w, db.wmu.Unlock
}

// param is the nth parameter (from 1) of a statement the store builds.
func (db *DB) param(n int) string {
	if db.d.Param != nil {
		return db.d.Param(n)
	}
	return "$" + strconv.Itoa(n)
}

// errorf is an internal error: the engine's name, what was being done,
// the cause.
func (db *DB) errorf(format string, args ...any) error {
	return fmt.Errorf(db.d.Name+": "+format, args...)
}

// inTx runs f in a transaction, on the write turn, and commits it if f
// returns nil.
func (db *DB) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	w, unlock := db.writing()
	defer unlock()
	for attempt := 1; ; attempt++ {
		err := db.once(ctx, w, f)
		// A deadlock's victim was rolled back whole: run it again (f
		// sets its results afresh each time, and what it asks outside
		// the store, a provider's charge, is idempotent by reference).
		if err == nil || attempt == deadlockAttempts || db.d.IsDeadlock == nil || !db.d.IsDeadlock(err) || ctx.Err() != nil {
			return err
		}
	}
}

// deadlockAttempts bounds how often a transaction chosen as a deadlock's
// victim is run.
const deadlockAttempts = 4

// once runs f in one transaction of w.
func (db *DB) once(ctx context.Context, w *sql.DB, f func(*sql.Tx) error) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// t is the value stored for a time: now when t is zero.
func (db *DB) t(t time.Time) any { return db.d.Time(stamp(t)) }

// stamp is the time to store for t: now when t is zero, to the
// microsecond, in UTC. (PostgreSQL parsing text would round; both
// engines keep microseconds.)
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.Truncate(time.Microsecond).UTC()
}

// timeOf scans a stored time, whichever way the engine keeps it, as UTC.
type timeOf struct{ t *time.Time }

func (s timeOf) Scan(v any) error {
	switch v := v.(type) {
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	case time.Time:
		*s.t = v.UTC()
	default:
		return fmt.Errorf("a time stored as %T", v)
	}
	return nil
}

// maybeTimeOf scans a stored time or NULL (nil).
type maybeTimeOf struct{ t **time.Time }

func (s maybeTimeOf) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (timeOf{&t}).Scan(v); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// row is a *sql.Row or *sql.Rows.
type row interface{ Scan(...any) error }

// list reads rows of a query by scan, closing them; a list is never nil.
func list[T any](rows *sql.Rows, err error, scan func(row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// noRows reports the error of a query that found nothing.
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// served marks an error that is a service's answer (auth.ErrNotFound
// ...), returned from inside a transaction, so that fail passes it on
// as it is.
type served struct{ error }

func (s served) Unwrap() error { return s.error }

// fail is err as the store answers it: a service's answer as it is, any
// other error internal, after what was being done (format, args).
func (db *DB) fail(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if s, ok := errors.AsType[served](err); ok {
		return s.error
	}
	return db.errorf(format+": %w", append(args, err)...)
}
