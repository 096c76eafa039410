package jobs_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/mail/mailtest"
	"github.com/campusnav/engine/services/store"
)

// listenPool is a pgx pool on the PostgreSQL database at u, for River's
// LISTEN connection, closed when the test ends.
func listenPool(tb testing.TB, u string) *pgxpool.Pool {
	tb.Helper()
	p, err := pgxpool.New(tb.Context(), u)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p
}

// benchEngines runs f on each engine, with the Listen pool on
// PostgreSQL, at each of concurrency's workers.
func benchEngines(b *testing.B, concurrency []int, f func(b *testing.B, db *store.DB, opts jobs.Options)) {
	for _, n := range concurrency {
		b.Run(fmt.Sprintf("sqlite/workers=%d", n), func(b *testing.B) {
			f(b, sqliteEngine(b).open(b), jobs.Options{Concurrency: n})
		})
		b.Run(fmt.Sprintf("postgres/workers=%d", n), func(b *testing.B) {
			e := postgresEngine(b)
			f(b, e.open(b), jobs.Options{Concurrency: n, Listen: listenPool(b, e.url)})
		})
	}
}

// BenchmarkEnqueue: jobs enqueued by 4 goroutines, each job in a
// transaction of its own as an outbox writes them; jobs/s.
func BenchmarkEnqueue(b *testing.B) {
	benchEngines(b, []int{jobs.DefaultConcurrency}, func(b *testing.B, db *store.DB, opts jobs.Options) {
		opts.Workers = noteWorkers(b)
		q, err := jobs.Open(b.Context(), db, opts)
		if err != nil {
			b.Fatal(err)
		}
		const inserters = 4
		ctx := b.Context()
		b.ResetTimer()
		var wg sync.WaitGroup
		for g := range inserters {
			wg.Go(func() {
				for i := g; i < b.N; i += inserters {
					err := db.Tx(ctx, func(tx *sql.Tx) error {
						_, err := q.InsertTx(ctx, tx, note{i}, nil)
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	})
}

// BenchmarkWork: b.N jobs waiting (a job that does nothing) are worked
// by one process of 10 (DefaultConcurrency) or 100 workers; jobs/s from
// Start to the last completion. A process fetches at most once per
// FetchCooldown (100 ms), as many jobs as it has idle workers, so short
// jobs are bounded by workers × 10 a second.
func BenchmarkWork(b *testing.B) {
	benchEngines(b, []int{jobs.DefaultConcurrency, 100}, func(b *testing.B, db *store.DB, opts jobs.Options) {
		ctx := b.Context()
		opts.Workers, opts.Logger = noteWorkers(b), testLogger(b)
		q, err := jobs.Open(ctx, db, opts)
		if err != nil {
			b.Fatal(err)
		}
		for from := 0; from < b.N; from += 1000 {
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				for i := from; i < min(from+1000, b.N); i++ {
					if _, err := q.InsertTx(ctx, tx, note{i}, nil); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		completed, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
		defer cancel()
		b.ResetTimer()
		start(b, q)
		for range b.N {
			next(b, completed)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	})
}

// BenchmarkOutboxLatency: a mail job is committed, and the time until the
// local SMTP server (mailtest, on loopback) has accepted the message is
// measured, one mail at a time, a random time (up to 1 s) after the last;
// p50 and p99 of b.N. On PostgreSQL, with
// LISTEN/NOTIFY and polling only at 1 s (River's default), 200 ms (this
// package's) and 50 ms.
func BenchmarkOutboxLatency(b *testing.B) {
	measure := func(b *testing.B, db *store.DB, opts jobs.Options) {
		srv := mailtest.Start(b)
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.MailWorker{Sender: smtpSender(b, srv), DB: db}); err != nil {
			b.Fatal(err)
		}
		opts.Workers, opts.Logger = w, testLogger(b)
		q, err := jobs.Open(b.Context(), db, opts)
		if err != nil {
			b.Fatal(err)
		}
		start(b, q)
		// Let the queue settle (leader elected, first fetch done).
		if _, err := q.Insert(b.Context(), jobs.Mail{To: "warm@campus.example", Subject: "warm", Text: "up\n"}, nil); err != nil {
			b.Fatal(err)
		}
		srv.WaitFor(1, time.Minute)

		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			// Mail comes at random times, not just after the last one was
			// delivered (just after a fetch, so waiting for the next one).
			time.Sleep(rand.N(time.Second))
			t0 := time.Now()
			if _, err := q.Insert(b.Context(), jobs.Mail{To: "a@campus.example", Subject: "latency", Text: "x\n"}, nil); err != nil {
				b.Fatal(err)
			}
			if got := srv.WaitFor(i+2, time.Minute); len(got) != i+2 {
				b.Fatalf("mail %d not delivered in a minute", i)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("sqlite", func(b *testing.B) { measure(b, sqliteEngine(b).open(b), jobs.Options{}) })
	b.Run("postgres/listen", func(b *testing.B) {
		e := postgresEngine(b)
		measure(b, e.open(b), jobs.Options{Listen: listenPool(b, e.url)})
	})
	for _, poll := range []time.Duration{time.Second, jobs.DefaultPollInterval, 50 * time.Millisecond} {
		b.Run("postgres/poll="+poll.String(), func(b *testing.B) {
			measure(b, postgresEngine(b).open(b), jobs.Options{PollInterval: poll})
		})
	}
}
