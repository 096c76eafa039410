// Package jobs is the campus's job queue and outbox: work that must
// happen later or elsewhere (a mail, a text message, a purge) is written
// into the same transaction as the state change that causes it, and done
// by a worker that survives restarts, retries with backoff, and does it
// once. It is River (github.com/riverqueue/river), a kept queue library,
// over the services' store's own database/sql handle: riversqlite on the
// embedded SQLite file, riverdatabasesql on PostgreSQL (pgx's stdlib), so
// a job is a row in the store's database, committed or rolled back with
// the transaction that wrote it. River's tables (river_job, river_leader
// ...) are migrated by River's own migrations (rivermigrate), in the
// store's schema: the first of the search_path on PostgreSQL.
//
// # Once
//
// River runs a job at least once: a job whose process dies while working
// it is taken up again (Options.RescueAfter). Delivery is made once by
// completing the job in a transaction of the store after the send
// succeeded: the job's row, marked completed, is the record that the
// message went, so a job taken up again after a crash that came before
// that commit sends again, and one that came after does not run. What is
// left is the moment between the SMTP server's "250 OK" (or the SMS
// gateway's answer) and that commit: a process killed exactly then sends
// the message twice. No sender can close it, because SMTP has no way to
// ask a server whether it already took a message; it lasts one local
// commit, milliseconds.
//
// Permanent failures (mail.Permanent: a 5xx reply, an invalid message; a
// text message whose code expired) cancel the job; any other failure is
// retried after River's backoff (attempt⁴ seconds, with jitter) up to the
// kind's attempts, then the job is discarded and kept for a week.
//
// # SQLite
//
// River shares the store's SQLite file and its connection pool, whose
// settings hold for River too: WAL, so readers never wait; busy_timeout 5
// s; and _txlock=immediate, so each of River's transactions takes the
// write lock when it begins, and waits for it, instead of failing when it
// cannot upgrade a read. Jobs inserted or completed by this package take
// the store's in-process writer queue (store.DB.Tx), like the store's own
// writes. River's own writes (fetching jobs, recording an error, electing
// a leader, cleaning up) do not: they are single statements or short
// transactions that wait for the lock in SQLite's busy handler, which is
// also how several processes share the file. That holds under load:
// TestSQLiteUnderLoad has 16 of the store's writers keep the write lock as
// busy as they can (about 1,000 writes a second) while 400 jobs are
// inserted and worked, and no write of River's times out (p99 from commit
// to completion 1.4 s; with 32 writers and 2,000 jobs, none either). Were
// one to wait past busy_timeout, River logs it and tries again (its
// completer three times, a fetch at the next poll), and a mail's or a
// text's completion is this package's own write, in the queue.
//
// # Polling
//
// A job committed is announced to the workers: on SQLite through River's
// river_notification table, which each process reads every 50 ms; on
// PostgreSQL by LISTEN/NOTIFY when Options.Listen is set (riverdatabasesql
// cannot LISTEN through database/sql, so River takes a connection of the
// pgx pool for it). Workers also poll (Options.PollInterval), which is all
// PostgreSQL has without Listen, and which catches what announcements
// miss: River announces at most once per queue per 100 ms, so the second
// job of a burst waits for a poll. Measured from commit to the local SMTP
// server's acceptance (BenchmarkOutboxLatency, mail at random times):
// SQLite p50 46 ms, p99 110 ms; PostgreSQL with LISTEN p50 25 ms, p99 110
// ms; polling only, every 1 s (River's default) p50 536 ms, p99 1,065 ms;
// every 200 ms (DefaultPollInterval) p50 120 ms, p99 220 ms; every 50 ms
// p50 33 ms, p99 114 ms. A poll is one query a process, whether there is work or not (on
// SQLite, an UPDATE that takes the write lock for a moment): 200 ms keeps
// bursts and a lost LISTEN connection under a quarter of a second, at
// five queries a second for each replica.
//
// # Time
//
// Options.Clock replaces the wall clock for River (jobs' schedules,
// retries' backoff, attempts) and for this package's workers, so tests
// move time rather than sleep.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/campusnav/engine/services/store"
)

// Defaults of Options.
const (
	DefaultConcurrency  = 10
	DefaultPollInterval = 200 * time.Millisecond
	DefaultStopTimeout  = 10 * time.Second
	DefaultTimeout      = time.Minute
	DefaultRescueAfter  = 5 * time.Minute
)

// Options say how the queue works; Workers is required.
type Options struct {
	// Workers are the kinds of job the queue knows: it inserts and works
	// these, and refuses others. Give every process the same kinds.
	Workers *Workers

	// Periodic are jobs enqueued on a schedule (PurgeSessionsEvery): only
	// by the leader, one process of all those on the database, elected
	// through River's river_leader table.
	Periodic []*river.PeriodicJob

	// Concurrency is how many jobs this process works at once:
	// DefaultConcurrency when 0.
	Concurrency int

	// PollInterval is how often workers ask the database for jobs they
	// were not told of: DefaultPollInterval when 0 (see Polling in the
	// package doc). Shorter is quicker where jobs are not announced, and
	// costs a query each time, work or not.
	PollInterval time.Duration

	// Listen is, on PostgreSQL, a pgx pool on the same database (the
	// store's own: postgres.DB.Pool) from which River takes one connection
	// to LISTEN for new jobs. Nil: poll.
	Listen *pgxpool.Pool

	// StopTimeout is how long Stop waits for running jobs to finish before
	// cancelling them: DefaultStopTimeout when 0.
	StopTimeout time.Duration

	// Timeout is how long one attempt of a job may run before its context
	// is cancelled: DefaultTimeout when 0.
	Timeout time.Duration

	// RescueAfter is how long a job may stay running before it is taken
	// as lost with its process (killed, or its machine gone) and retried:
	// DefaultRescueAfter when 0. It must be longer than Timeout.
	RescueAfter time.Duration

	// Clock is the time for River and the workers; nil is the wall clock
	// (and the database's, in River's statements). For tests.
	Clock func() time.Time

	// Logger is River's; slog.Default() when nil.
	Logger *slog.Logger
}

// Queue is the job queue on one store's database. It is safe for
// concurrent use.
type Queue struct {
	db     *store.DB
	client *river.Client[*sql.Tx]
	kinds  map[string]decoder
	now    func() time.Time
}

var _ store.Enqueuer = (*Queue)(nil)

// Open makes the queue on db: it brings River's tables up to date (once,
// when several processes open a new database at the same time) and makes
// the client, which works jobs from Start to Stop.
func Open(ctx context.Context, db *store.DB, opts Options) (*Queue, error) {
	var driver riverdriver.Driver[*sql.Tx]
	name := db.Dialect().Name
	switch name {
	case "sqlite":
		driver = riversqlite.New(db.SQL())
	case "postgres":
		if opts.Listen != nil {
			driver = riverdatabasesql.NewWithPgxListener(db.SQL(), opts.Listen)
		} else {
			driver = riverdatabasesql.New(db.SQL())
		}
	default:
		return nil, fmt.Errorf("jobs: no River driver for the %q store", name)
	}
	if opts.Workers == nil {
		return nil, errors.New("jobs: no Workers")
	}
	if opts.Listen != nil && name != "postgres" {
		return nil, errors.New("jobs: Listen is for PostgreSQL")
	}
	timeout := orDefault(opts.Timeout, DefaultTimeout)
	rescue := orDefault(opts.RescueAfter, DefaultRescueAfter)
	if rescue <= timeout {
		return nil, fmt.Errorf("jobs: RescueAfter %s must be longer than Timeout %s", rescue, timeout)
	}
	if err := migrate(ctx, db, driver, opts.Logger); err != nil {
		return nil, fmt.Errorf("jobs: migrating River's tables: %w", err)
	}
	cfg := &river.Config{
		FetchPollInterval:    orDefault(opts.PollInterval, DefaultPollInterval),
		JobTimeout:           timeout,
		RescueStuckJobsAfter: rescue,
		SoftStopTimeout:      orDefault(opts.StopTimeout, DefaultStopTimeout),
		Logger:               opts.Logger,
		PeriodicJobs:         opts.Periodic,
		PollOnly:             name == "postgres" && opts.Listen == nil,
	}
	if cfg.FetchCooldown = river.FetchCooldownDefault; cfg.FetchPollInterval < cfg.FetchCooldown {
		cfg.FetchCooldown = cfg.FetchPollInterval
	}
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	cfg.Workers = opts.Workers.river
	cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
	q := &Queue{db: db, kinds: opts.Workers.kinds, now: time.Now}
	if opts.Clock != nil {
		cfg.Test.Time = clock{opts.Clock}
		q.now = opts.Clock
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.client = client
	return q, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Start starts working jobs, and, on the leader, the periodic jobs and
// River's upkeep (retries coming due, lost jobs rescued, old jobs
// deleted). Cancelling ctx stops the queue as Stop does.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops taking jobs and waits for those running to finish, for
// Options.StopTimeout at most, after which their contexts are cancelled
// (a job cut short is retried). It returns when every job has stopped, or
// when ctx ends. A queue that was not started stops at once.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// InsertTx writes a job into tx, a transaction on the store's database
// (begun by store.DB.Tx, or by the store itself): it runs only if tx
// commits. opts may be nil.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if _, ok := q.kinds[args.Kind()]; !ok {
		return nil, fmt.Errorf("jobs: no worker for jobs of kind %q", args.Kind())
	}
	res, err := q.client.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: inserting a %q job: %w", args.Kind(), err)
	}
	return res, nil
}

// Insert writes a job in a transaction of its own.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	var res *rivertype.JobInsertResult
	err := q.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = q.InsertTx(ctx, tx, args, opts)
		return err
	})
	return res, err
}

// EnqueueTx writes a job of kind into tx, with args: a value of the
// kind's arguments type (Mail, SMS ...) or anything whose JSON reads as
// one, so the store can write jobs without importing this package
// (store.Enqueuer). Args that do not fit the kind are an error.
func (q *Queue) EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, args any) error {
	dec, ok := q.kinds[kind]
	if !ok {
		return fmt.Errorf("jobs: no worker for jobs of kind %q", kind)
	}
	a, err := dec(args)
	if err != nil {
		return fmt.Errorf("jobs: a %q job: %w", kind, err)
	}
	_, err = q.InsertTx(ctx, tx, a, nil)
	return err
}

// Client is River's client, for what this package does not wrap (reading
// a job, subscribing to events).
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// Now is the queue's time: Options.Clock, or the wall clock.
func (q *Queue) Now() time.Time { return q.now() }
