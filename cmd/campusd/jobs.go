package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
	services "github.com/campusnav/engine/services/store"
)

// purgeEvery is how often expired sessions are deleted.
const purgeEvery = time.Hour

// MailConfig is where campusd's mail goes: the SMTP server of
// CAMPUS_SMTP_URL (smtp://[user:pass@]host[:port], STARTTLS when offered;
// smtps:// for TLS from the start) from the address CAMPUS_MAIL_FROM, or,
// with no URL, the log.
type MailConfig struct {
	URL  string
	From string
}

// readEnv sets the mail settings from the environment.
func (c *MailConfig) readEnv(getenv func(string) string) {
	if v := getenv("CAMPUS_SMTP_URL"); v != "" {
		c.URL = v
	}
	if v := getenv("CAMPUS_MAIL_FROM"); v != "" {
		c.From = v
	}
}

// sender is the mail sender the settings name; log is the LogSender's.
func (c MailConfig) sender(log *slog.Logger) (mail.Sender, error) {
	if c.URL == "" {
		return mail.LogSender{Log: log}, nil
	}
	if c.From == "" {
		return nil, errors.New("CAMPUS_SMTP_URL is set without CAMPUS_MAIL_FROM, the address mail is sent from")
	}
	cfg, err := mail.ParseURL(c.URL)
	if err != nil {
		return nil, err
	}
	return mail.NewSMTP(cfg, c.From)
}

// check says what is wrong with the mail settings.
func (c MailConfig) check() error {
	_, err := c.sender(nil)
	return err
}

// openJobs opens the job queue on the store: mail (to the SMTP server or
// the log), text messages (sign-in codes, and words such as a tour's
// booking confirmed: to the log as before), the hourly purge of expired
// sessions and the purge of old tour bookings, all written in the store's
// transactions. It does not start working; startJobs does.
func (m *Main) openJobs(ctx context.Context) error {
	var opts jobs.Options
	switch d := m.store.(type) {
	case *sqlite.DB:
		return m.openJobsOn(ctx, d.DB, opts)
	case *postgres.DB:
		opts.Listen = d.Pool() // LISTEN/NOTIFY: new jobs start at once, without polling
		return m.openJobsOn(ctx, d.DB, opts)
	default:
		return fmt.Errorf("jobs: no queue for a store of type %T", m.store)
	}
}

// openJobsOn opens the queue on db, the store under either engine.
func (m *Main) openJobsOn(ctx context.Context, db *services.DB, opts jobs.Options) error {
	sender, err := m.Config.Mail.sender(m.log)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	w := jobs.NewWorkers()
	m.closer = &jobs.CloseRepairsWorker{Log: m.log}
	if err := errors.Join(
		jobs.Add(w, &jobs.MailWorker{Sender: sender, DB: db}),
		jobs.Add(w, &jobs.SMSWorker{Sender: auth.LogSender{Logger: m.log}, DB: db}),
		jobs.Add(w, &jobs.TextWorker{Sender: jobs.LogTexts{Logger: m.log}, DB: db}),
		jobs.Add(w, &jobs.VisitWebhookWorker{URL: m.Config.VisitWebhook, Secret: []byte(m.Config.VisitWebhookSecret), DB: db}),
		jobs.Add(w, &jobs.PurgeVisitsWorker{DB: db, KeepDays: m.Config.VisitorKeepDays, Log: m.log}),
		jobs.Add(w, &jobs.PurgeWorker{DB: db, Log: m.log}),
		jobs.Add(w, &jobs.ReleaseWorker{Bookings: m.bookings, Log: m.log}),
		jobs.Add(w, m.closer),
		jobs.Add(w, &jobs.PurgeToursWorker{Tours: m.tours, Log: m.log}),
		jobs.Add(w, &jobs.EndSharesWorker{Store: m.store, Log: m.log}),
	); err != nil {
		return err
	}
	opts.Workers = w
	opts.Periodic = []*river.PeriodicJob{jobs.PurgeSessionsEvery(purgeEvery), jobs.ReleaseNoShowsEvery(jobs.ReleaseEvery),
		jobs.CloseRepairsEvery(jobs.CloseRepairsInterval), jobs.PurgeVisitsEvery(jobs.PurgeVisitsInterval),
		jobs.PurgeToursEvery(jobs.PurgeToursInterval),
		jobs.EndSharesEvery(jobs.EndSharesInterval)}
	opts.StopTimeout = m.Config.Shutdown
	opts.Logger = m.log
	q, err := jobs.Open(ctx, db, opts)
	if err != nil {
		return err
	}
	db.SetQueue(q)
	m.queue = q
	return nil
}

// startJobs starts working jobs, until stopJobs: not when ctx ends, so
// that requests in flight at shutdown may still write theirs.
func (m *Main) startJobs(ctx context.Context) error {
	return m.queue.Start(context.WithoutCancel(ctx))
}

// stopJobs waits for running jobs, the shutdown timeout at most, then
// cancels them (they are retried by the next server to start).
func (m *Main) stopJobs() error {
	if m.queue == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.Shutdown+5*time.Second)
	defer cancel()
	return m.queue.Stop(ctx)
}
