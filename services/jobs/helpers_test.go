package jobs_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/postgres/pgtest"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/mail/mailtest"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// engine opens a store: the same database each time it is called within
// one test (as replicas, or a process started again, would).
type engine struct {
	name string
	// open opens the test's database, closed when the test ends.
	open func(t testing.TB) *store.DB
	// url is what a program opens the same database by: a file path or a
	// postgres:// URL.
	url string
}

// engines runs f on SQLite (a temporary file) and on PostgreSQL (a fresh
// schema; skipped when pgtest.URLEnv is not set).
func engines(t *testing.T, f func(t *testing.T, e *engine)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteEngine(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, postgresEngine(t)) })
}

func sqliteEngine(t testing.TB) *engine {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	return &engine{name: "sqlite", url: path, open: func(t testing.TB) *store.DB {
		t.Helper()
		d, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d.DB
	}}
}

func postgresEngine(t testing.TB) *engine {
	u := pgtest.Schema(t)
	return &engine{name: "postgres", url: u, open: func(t testing.TB) *store.DB {
		t.Helper()
		d, err := postgres.Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d.DB
	}}
}

// testClock is the wall clock moved forward by what tests add.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// testPoll is how often the tests' queues look for jobs.
const testPoll = 20 * time.Millisecond

// mailQueue is a started queue on db that sends mail to srv, with clock,
// and the River events it reports.
func mailQueue(t testing.TB, db *store.DB, srv *mailtest.Server, clock *testClock) (*jobs.Queue, <-chan *river.Event) {
	t.Helper()
	w := jobs.NewWorkers()
	if err := jobs.Add(w, &jobs.MailWorker{Sender: smtpSender(t, srv), DB: db}); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.Open(t.Context(), db, jobs.Options{Workers: w, Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := q.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	start(t, q)
	return q, events
}

// start starts q, stopped when the test ends.
func start(t testing.TB, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

// smtpSender sends to srv from the campus's address.
func smtpSender(t testing.TB, srv *mailtest.Server) *mail.SMTP {
	t.Helper()
	cfg, err := mail.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.NewSMTP(cfg, "noreply@campus.example")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// next is the next event of events, failing the test after a while.
func next(t testing.TB, events <-chan *river.Event) *river.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no job event in 30 s")
		return nil
	}
}

// want checks that ev is of kind for the job id.
func want(t testing.TB, ev *river.Event, kind river.EventKind, id int64) {
	t.Helper()
	if ev.Kind != kind || ev.Job.ID != id {
		t.Fatalf("event %s of job %d (%s), want %s of job %d", ev.Kind, ev.Job.ID, ev.Job.State, kind, id)
	}
}

// job reads a job's row.
func job(t testing.TB, q *jobs.Queue, id int64) *rivertype.JobRow {
	t.Helper()
	j, err := q.Client().JobGet(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// logs is a slog handler that writes to the test's log at warnings and
// above, and keeps the errors.
type logs struct {
	t      testing.TB
	mu     *sync.Mutex
	errors *[]string
	attrs  []slog.Attr
}

// testLogger is a logger for River that writes its warnings and errors to
// the test's log; errors are River's errors so far.
func testLogger(t testing.TB) *slog.Logger {
	l, _ := testLogs(t)
	return l
}

func testLogs(t testing.TB) (*slog.Logger, func() []string) {
	h := logs{t: t, mu: new(sync.Mutex), errors: new([]string)}
	return slog.New(h), func() []string {
		h.mu.Lock()
		defer h.mu.Unlock()
		return append([]string(nil), *h.errors...)
	}
}

func (h logs) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h logs) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range h.attrs {
		b.WriteString(" " + a.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.t.Log(b.String())
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		*h.errors = append(*h.errors, b.String())
		h.mu.Unlock()
	}
	return nil
}

func (h logs) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return h
}

func (h logs) WithGroup(string) slog.Handler { return h }
