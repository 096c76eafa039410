package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/store"
)

// KindMail is the kind of the jobs that send an e-mail.
const KindMail = "mail"

// MailAttempts is how many times a mail is tried before it is discarded:
// with River's backoff (attempt⁴ s), over about a day and a half.
const MailAttempts = 15

// Mail is a mail job's arguments: the message. A mail.Message given to
// EnqueueTx reads as one.
type Mail mail.Message

// Kind is KindMail.
func (Mail) Kind() string { return KindMail }

// InsertOpts are a mail job's: MailAttempts tries.
func (Mail) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MailAttempts} }

// MailWorker sends mail jobs through Sender, once each (see the package
// doc), and marks them done in DB: a permanent failure cancels the job,
// any other is retried.
type MailWorker struct {
	river.WorkerDefaults[Mail]
	Sender mail.Sender
	DB     *store.DB
}

// Work sends the job's message.
func (w *MailWorker) Work(ctx context.Context, job *river.Job[Mail]) error {
	if err := w.Sender.Send(ctx, mail.Message(job.Args)); err != nil {
		if mail.Permanent(err) {
			return river.JobCancel(err)
		}
		return err
	}
	return done(ctx, w.DB, job, nil)
}
