package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/store"
)

// KindSMS is the kind of the jobs that text a sign-in code.
const KindSMS = "sms"

// SMSAttempts is how many times a text is tried: with River's backoff (1,
// 16, 81 s), all within the code's life (auth.CodeTTL).
const SMSAttempts = 4

// SMS is a text message job's arguments: a sign-in code for a phone,
// useless after Expires (the zero time: never).
type SMS struct {
	Phone   string    `json:"phone"`
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
}

// Kind is KindSMS.
func (SMS) Kind() string { return KindSMS }

// InsertOpts are a text's: SMSAttempts tries.
func (SMS) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: SMSAttempts} }

// ErrExpired is the cause of a text message cancelled because its code
// expired before it could be sent.
var ErrExpired = errors.New("jobs: the code expired before it was sent")

// SMSWorker sends text jobs through Sender, once each, and marks them done
// in DB, blanking the code in the job's kept arguments. A code that has
// expired is not sent (the job is cancelled); failures are retried.
type SMSWorker struct {
	river.WorkerDefaults[SMS]
	Sender auth.SMSSender
	DB     *store.DB
	// Now is the time (nil: the wall clock), for a code's expiry.
	Now func() time.Time
}

// Work sends the job's code.
func (w *SMSWorker) Work(ctx context.Context, job *river.Job[SMS]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	if a := job.Args; !a.Expires.IsZero() && !now().Before(a.Expires) {
		return river.JobCancel(fmt.Errorf("%w (at %s)", ErrExpired, a.Expires.Format(time.RFC3339)))
	}
	if err := w.Sender.SendCode(ctx, job.Args.Phone, job.Args.Code); err != nil {
		return err
	}
	// The code is kept hashed by auth; the job's row, kept a day after it
	// is done, need not hold it in clear.
	blank := job.Args
	blank.Code = ""
	args, err := json.Marshal(blank)
	if err != nil {
		return err
	}
	return done(ctx, w.DB, job, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE river_job SET args = $1 WHERE id = $2", string(args), job.ID)
		return err
	})
}

// SMSOutbox is an auth.SMSSender that sends through the queue: SendCode
// writes a text job, in a transaction of its own, for the SMSWorker to
// send. A store keeping codes writes the job in the code's own
// transaction instead (EnqueueTx with KindSMS).
type SMSOutbox struct{ Queue *Queue }

var _ auth.TxSender = SMSOutbox{}

// SendCode enqueues code for phone, expiring auth.CodeTTL from now.
func (o SMSOutbox) SendCode(ctx context.Context, phone, code string) error {
	_, err := o.Queue.Insert(ctx, o.sms(phone, code), nil)
	return err
}

// SendCodeTx enqueues code for phone in tx, the transaction that stores
// the code: the code and its message commit together, or neither does.
func (o SMSOutbox) SendCodeTx(ctx context.Context, tx *sql.Tx, phone, code string) error {
	_, err := o.Queue.InsertTx(ctx, tx, o.sms(phone, code), nil)
	return err
}

// sms is the job that texts code to phone, expiring auth.CodeTTL from now.
func (o SMSOutbox) sms(phone, code string) SMS {
	return SMS{Phone: phone, Code: code, Expires: o.Queue.Now().Add(auth.CodeTTL)}
}
