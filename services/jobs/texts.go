package jobs

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/visitor"
)

// KindText is the kind of the jobs that text a message (an invitation, a
// visit's decision) to a phone.
const KindText = visitor.KindText

// TextAttempts is how many times a text message is tried: with River's
// backoff, over about an hour and a half.
const TextAttempts = 10

// Text is a text message job's arguments: a visitor.Text given to
// EnqueueTx reads as one.
type Text visitor.Text

// Kind is KindText.
func (Text) Kind() string { return KindText }

// InsertOpts are a text's: TextAttempts tries.
func (Text) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: TextAttempts} }

// TextSender delivers a text message to a phone: the SMS gateway.
type TextSender interface {
	SendText(ctx context.Context, phone, text string) error
}

// LogTexts is the default TextSender: it writes the message to the log,
// for development and for sites without an SMS gateway (as sign-in codes
// are, by auth.LogSender).
type LogTexts struct{ Logger *slog.Logger }

// SendText logs the message.
func (l LogTexts) SendText(ctx context.Context, phone, text string) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.InfoContext(ctx, "text message", "phone", phone, "text", text)
	return nil
}

// TextWorker sends text jobs through Sender, once each, and marks them
// done in DB; failures are retried.
type TextWorker struct {
	river.WorkerDefaults[Text]
	Sender TextSender
	DB     *store.DB
}

// Work sends the job's message.
func (w *TextWorker) Work(ctx context.Context, job *river.Job[Text]) error {
	if err := w.Sender.SendText(ctx, job.Args.Phone, job.Args.Text); err != nil {
		return err
	}
	return done(ctx, w.DB, job, nil)
}
