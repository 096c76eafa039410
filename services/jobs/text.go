package jobs

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/tour"
)

// KindText is the kind of the jobs that send a text message of words (a
// tour's booking confirmed), not a sign-in code (KindSMS).
const KindText = tour.KindText

// TextAttempts is how many times a text is tried: with River's backoff
// (attempt⁴ s), over about an hour and a half.
const TextAttempts = 8

// Text is a text message job's arguments: the phone (E.164) and the
// words. A tour.Text given to EnqueueTx reads as one.
type Text struct {
	Phone string `json:"phone"`
	Body  string `json:"body"`
}

// Kind is KindText.
func (Text) Kind() string { return KindText }

// InsertOpts are a text's: TextAttempts tries.
func (Text) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: TextAttempts} }

// TextSender delivers a text message to a phone: the site's SMS gateway.
type TextSender interface {
	SendText(ctx context.Context, phone, body string) error
}

// LogTexts is the default TextSender: it writes the message to the
// server's log, for development and for sites without an SMS gateway (as
// auth.LogSender does with sign-in codes).
type LogTexts struct{ Logger *slog.Logger }

// SendText logs the message.
func (l LogTexts) SendText(ctx context.Context, phone, body string) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.InfoContext(ctx, "text message", "phone", phone, "body", body)
	return nil
}

// TextWorker sends text jobs through Sender, once each (see the package
// doc), and marks them done in DB; failures are retried.
type TextWorker struct {
	river.WorkerDefaults[Text]
	Sender TextSender
	DB     *store.DB
}

// Work sends the job's message.
func (w *TextWorker) Work(ctx context.Context, job *river.Job[Text]) error {
	if err := w.Sender.SendText(ctx, job.Args.Phone, job.Args.Body); err != nil {
		return err
	}
	return done(ctx, w.DB, job, nil)
}
