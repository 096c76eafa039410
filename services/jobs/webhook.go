package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/visitor"
)

// KindVisitWebhook is the kind of the jobs that POST a visitor's
// registration to the office workflow (CAMPUS_VISIT_WEBHOOK).
const KindVisitWebhook = visitor.KindWebhook

// WebhookAttempts is how many times a submission is tried: with River's
// backoff, over about six hours.
const WebhookAttempts = 12

// WebhookTimeout bounds one delivery.
const WebhookTimeout = 15 * time.Second

// VisitWebhook is a webhook job's arguments: a visitor.WebhookJob given
// to EnqueueTx reads as one.
type VisitWebhook visitor.WebhookJob

// Kind is KindVisitWebhook.
func (VisitWebhook) Kind() string { return KindVisitWebhook }

// InsertOpts are a submission's: WebhookAttempts tries.
func (VisitWebhook) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: WebhookAttempts}
}

// ErrWebhookRefused is a submission the workflow refused for good (a 4xx
// other than 408 and 429): it is not tried again.
var ErrWebhookRefused = errors.New("jobs: the office workflow refused the submission")

// DeliverWebhook POSTs body to url, signed under secret at now
// (visitor.SignWebhook): nil for a 2xx answer; ErrWebhookRefused
// (wrapped) for a 4xx but 408 and 429; any other error is worth trying
// again.
func DeliverWebhook(ctx context.Context, client *http.Client, url string, secret []byte, body []byte, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWebhookRefused, err)
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(visitor.WebhookTimestamp, fmt.Sprint(ts))
	req.Header.Set(visitor.WebhookSignature, visitor.SignWebhook(secret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("jobs: the office workflow: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return fmt.Errorf("%w: %s", ErrWebhookRefused, resp.Status)
	default:
		return fmt.Errorf("jobs: the office workflow answered %s", resp.Status)
	}
}

// VisitWebhookWorker delivers submissions to URL, signed with Secret,
// once each, and marks them done in DB: a refusal cancels the job, any
// other failure is retried.
type VisitWebhookWorker struct {
	river.WorkerDefaults[VisitWebhook]
	URL    string
	Secret []byte
	Client *http.Client // nil: http.DefaultClient
	DB     *store.DB
	// Now is the time the signatures are made at (nil: the wall clock).
	Now func() time.Time
}

// Work delivers the job's submission.
func (w *VisitWebhookWorker) Work(ctx context.Context, job *river.Job[VisitWebhook]) error {
	client, now := w.Client, time.Now
	if client == nil {
		client = http.DefaultClient
	}
	if w.Now != nil {
		now = w.Now
	}
	if err := DeliverWebhook(ctx, client, w.URL, w.Secret, []byte(job.Args.Body), now()); err != nil {
		if errors.Is(err, ErrWebhookRefused) {
			return river.JobCancel(err)
		}
		return err
	}
	return done(ctx, w.DB, job, nil)
}
