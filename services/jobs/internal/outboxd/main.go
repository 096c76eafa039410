// Command outboxd is a small server of the job queue, for the tests that
// kill it (services/jobs kill_test.go): it opens a store, commits a state
// change together with a mail job, works jobs, and says on standard output
// what it did, one line each:
//
//	committed JOB_ID     the state change and its job are committed
//	sending ADDRESS      a worker is about to send (with -block, it then waits
//	                     for its job's time to run out)
//	completed JOB_ID     the job is done
//
// Usage:
//
//	outboxd -db PATH|postgres://... -smtp smtp://127.0.0.1:PORT [-commit EMAIL] [-work] [-block]
//
// Without -work it does not work jobs, and waits to be killed after
// committing. SIGINT or SIGTERM stop it gracefully.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "outboxd:", err)
		os.Exit(1)
	}
}

func run() error {
	dbURL := flag.String("db", "", "the store: an SQLite file or a postgres:// URL")
	smtpURL := flag.String("smtp", "", "the SMTP server, as CAMPUS_SMTP_URL")
	commit := flag.String("commit", "", "create an account with this e-mail and, in the same transaction, a mail job to it")
	work := flag.Bool("work", false, "work jobs")
	block := flag.Bool("block", false, "block every send before it starts")
	timeout := flag.Duration("timeout", jobs.DefaultTimeout, "a job's time")
	rescue := flag.Duration("rescue-after", jobs.DefaultRescueAfter, "when a running job is taken as lost")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))

	db, closeDB, err := open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer closeDB()
	cfg, err := mail.ParseURL(*smtpURL)
	if err != nil {
		return err
	}
	smtp, err := mail.NewSMTP(cfg, "noreply@campus.example")
	if err != nil {
		return err
	}
	w := jobs.NewWorkers()
	if err := jobs.Add(w, &jobs.MailWorker{Sender: announced{smtp, *block}, DB: db}); err != nil {
		return err
	}
	q, err := jobs.Open(ctx, db, jobs.Options{Workers: w, Timeout: *timeout, RescueAfter: *rescue, PollInterval: 50 * time.Millisecond, Logger: log})
	if err != nil {
		return err
	}
	db.SetQueue(q)

	if *commit != "" {
		var id int64
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO users (email, role, password_hash, created) VALUES ($1, $2, 'h', $3)",
				*commit, string(auth.Staff), db.Dialect().Time(time.Now().UTC().Truncate(time.Microsecond))); err != nil {
				return err
			}
			res, err := q.InsertTx(ctx, tx, jobs.Mail{To: *commit, Subject: "Welcome", Text: "Your account is ready.\n"}, nil)
			if err != nil {
				return err
			}
			id = res.Job.ID
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Println("committed", id)
	}
	if !*work {
		<-ctx.Done()
		return nil
	}

	events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
	defer cancel()
	if err := q.Start(ctx); err != nil {
		return err
	}
	for {
		select {
		case ev := <-events:
			if ev != nil {
				fmt.Println("completed", ev.Job.ID)
			}
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			return q.Stop(sctx)
		}
	}
}

// open opens the store named by u.
func open(ctx context.Context, u string) (*store.DB, func(), error) {
	switch {
	case u == "":
		return nil, nil, errors.New("no -db")
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		d, err := postgres.Open(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		return d.DB, func() { d.Close() }, nil
	default:
		d, err := sqlite.Open(u)
		if err != nil {
			return nil, nil, err
		}
		return d.DB, func() { d.Close() }, nil
	}
}

// announced is a mail.Sender that says "sending ADDRESS" before each
// send, and, when block is set, never sends.
type announced struct {
	mail.Sender
	block bool
}

func (a announced) Send(ctx context.Context, m mail.Message) error {
	fmt.Println("sending", m.To)
	if a.block {
		<-ctx.Done() // the job's time, or the process, ends first
		return ctx.Err()
	}
	return a.Sender.Send(ctx, m)
}

// logLevel is info when OUTBOXD_DEBUG is set, warnings otherwise.
func logLevel() slog.Level {
	if os.Getenv("OUTBOXD_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}
