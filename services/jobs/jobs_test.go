package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/mail/mailtest"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/visitor"
)

var errRollback = errors.New("rolled back on purpose")

// TestOutbox: a job written in a transaction that rolls back never runs,
// with the state change it came with; one that commits runs once. Both go
// through the store's hook (store.DB.EnqueueTx), as the store's own
// transactions write them.
func TestOutbox(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		srv := mailtest.Start(t)
		q, events := mailQueue(t, db, srv, &testClock{})
		db.SetQueue(q)

		u, err := db.CreateUser(ctx, auth.User{Email: "staff@campus.example", Role: auth.Staff}, "h")
		if err != nil {
			t.Fatal(err)
		}
		rename := func(tx *sql.Tx, name string) error {
			_, err := tx.ExecContext(ctx, "UPDATE users SET email = $1 WHERE id = $2", name, u.ID)
			return err
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			if err := rename(tx, "gone@campus.example"); err != nil {
				return err
			}
			if err := db.EnqueueTx(ctx, tx, jobs.KindMail, mail.Message{To: "gone@campus.example", Subject: "Never", Text: "Rolled back.\n"}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("the rolled back transaction: %v", err)
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			if err := rename(tx, "kept@campus.example"); err != nil {
				return err
			}
			return db.EnqueueTx(ctx, tx, jobs.KindMail, mail.Message{To: "kept@campus.example", Subject: "Committed", Text: "Sent once.\n"})
		})
		if err != nil {
			t.Fatal(err)
		}

		ev := next(t, events)
		if ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("event %s, want completed", ev.Kind)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].Subject != "Committed" || got[0].To[0] != "kept@campus.example" {
			t.Fatalf("messages %+v, want the committed one alone", got)
		}
		if srv.Attempts() != 1 {
			t.Errorf("%d messages tried, want 1", srv.Attempts())
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM river_job").Scan(&n); err != nil || n != 1 {
			t.Errorf("%d jobs in river_job (%v), want the committed one", n, err)
		}
		if j := job(t, q, ev.Job.ID); j.State != rivertype.JobStateCompleted || j.Attempt != 1 {
			t.Errorf("job %s after %d attempts, want completed after 1", j.State, j.Attempt)
		}
		if _, _, err := db.UserByEmail(ctx, "gone@campus.example"); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("the rolled back change stayed: %v", err)
		}
	})
}

// TestEnqueueChecks: the store's hook refuses what no worker takes, and
// arguments that are not the kind's; without a queue, the store says so.
func TestEnqueueChecks(t *testing.T) {
	db := sqliteEngine(t).open(t)
	err := db.Tx(t.Context(), func(tx *sql.Tx) error {
		return db.EnqueueTx(t.Context(), tx, jobs.KindMail, mail.Message{})
	})
	if !errors.Is(err, store.ErrNoQueue) {
		t.Errorf("a job with no queue set: %v, want store.ErrNoQueue", err)
	}
	q, _ := mailQueue(t, db, mailtest.Start(t), &testClock{})
	db.SetQueue(q)
	for _, c := range []struct {
		name string
		kind string
		args any
	}{
		{"unknown kind", "fax", mail.Message{}},
		{"wrong arguments", jobs.KindMail, struct{ Fax string }{"x"}},
		{"a kind of another queue", jobs.KindSMS, jobs.SMS{Phone: "+8613800000000"}},
	} {
		err := db.Tx(t.Context(), func(tx *sql.Tx) error { return db.EnqueueTx(t.Context(), tx, c.kind, c.args) })
		if err == nil {
			t.Errorf("%s: enqueued", c.name)
		}
	}
}

// TestMailRetries: a temporary refusal (4xx) is retried after River's
// backoff, which grows (about 1 s, then 16 s), and the mail then goes
// once; the clock is moved, not waited for.
func TestMailRetries(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		db := e.open(t)
		srv := mailtest.Start(t)
		clock := &testClock{}
		q, events := mailQueue(t, db, srv, clock)
		srv.Reject(2, 451)

		res, err := q.Insert(t.Context(), jobs.Mail{To: "a@campus.example", Subject: "Retried", Text: "Third time.\n"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Job.ID
		for i, backoff := range []time.Duration{time.Second, 16 * time.Second} {
			want(t, next(t, events), river.EventKindJobFailed, id)
			j := job(t, q, id)
			if len(j.Errors) != i+1 || j.Attempt != i+1 {
				t.Fatalf("after attempt %d: %d errors recorded, attempt %d", i+1, len(j.Errors), j.Attempt)
			}
			// River's backoff: attempt⁴ seconds, ±10%, from the failure.
			if d := j.ScheduledAt.Sub(j.Errors[i].At); d < backoff*85/100 || d > backoff*115/100 {
				t.Errorf("after attempt %d the next is in %s, want about %s", i+1, d, backoff)
			}
			if n := srv.Attempts(); n != i+1 {
				t.Errorf("%d messages tried, want %d", n, i+1)
			}
			clock.Advance(backoff * 12 / 10)
		}
		want(t, next(t, events), river.EventKindJobCompleted, id)
		if got := srv.Messages(); len(got) != 1 || got[0].Subject != "Retried" {
			t.Errorf("messages %+v, want the one", got)
		}
		if srv.Attempts() != 3 {
			t.Errorf("%d tries, want 3", srv.Attempts())
		}
	})
}

// TestMailCancelled: a permanent refusal (5xx) cancels the job at once.
func TestMailCancelled(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		db := e.open(t)
		srv := mailtest.Start(t)
		q, events := mailQueue(t, db, srv, &testClock{})
		srv.Reject(1, 550)
		res, err := q.Insert(t.Context(), jobs.Mail{To: "nobody@campus.example", Subject: "Refused", Text: "No such user.\n"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want(t, next(t, events), river.EventKindJobCancelled, res.Job.ID)
		if j := job(t, q, res.Job.ID); j.State != rivertype.JobStateCancelled || j.Attempt != 1 || len(j.Errors) != 1 {
			t.Errorf("job %s after %d attempts, %d errors; want cancelled after 1, 1", j.State, j.Attempt, len(j.Errors))
		}
		if srv.Attempts() != 1 || len(srv.Messages()) != 0 {
			t.Errorf("%d tries, %d messages; want 1, 0", srv.Attempts(), len(srv.Messages()))
		}
	})
}

// texts is an auth.SMSSender that keeps what it is asked to send, and
// fails the first fail times: there is no SMS gateway to run in a test.
type texts struct {
	mu   sync.Mutex
	fail int
	sent []string
}

func (s *texts) SendCode(_ context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("gateway busy")
	}
	s.sent = append(s.sent, phone+" "+code)
	return nil
}

func (s *texts) failNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

func (s *texts) Sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

// TestSMS: a code goes through the outbox once, retried when the gateway
// fails; its job keeps no code once sent; a code that expired before it
// could go is not sent.
func TestSMS(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		clock := &testClock{}
		gw := &texts{fail: 1}
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.SMSWorker{Sender: gw, DB: db, Now: clock.Now}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{Workers: w, Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		defer cancel()
		start(t, q)

		var outbox auth.SMSSender = jobs.SMSOutbox{Queue: q}
		if err := outbox.SendCode(ctx, "+8613800000000", "123456"); err != nil {
			t.Fatal(err)
		}
		ev := next(t, events)
		if ev.Kind != river.EventKindJobFailed {
			t.Fatalf("event %s, want the gateway's failure", ev.Kind)
		}
		clock.Advance(2 * time.Second)
		want(t, next(t, events), river.EventKindJobCompleted, ev.Job.ID)
		if got := gw.Sent(); len(got) != 1 || got[0] != "+8613800000000 123456" {
			t.Errorf("sent %q, want the code once", got)
		}
		if j := job(t, q, ev.Job.ID); !strings.Contains(string(j.EncodedArgs), "+8613800000000") || strings.Contains(string(j.EncodedArgs), "123456") {
			t.Errorf("the sent job keeps %s", j.EncodedArgs)
		}

		// Expired while the gateway was down.
		gw.failNext(100)
		if err := outbox.SendCode(ctx, "+8613800000001", "654321"); err != nil {
			t.Fatal(err)
		}
		ev = next(t, events)
		want(t, ev, river.EventKindJobFailed, ev.Job.ID)
		clock.Advance(auth.CodeTTL)
		want(t, next(t, events), river.EventKindJobCancelled, ev.Job.ID)
		if j := job(t, q, ev.Job.ID); j.State != rivertype.JobStateCancelled || len(j.Errors) != 2 {
			t.Errorf("expired code: job %s with %d errors, want cancelled with 2", j.State, len(j.Errors))
		}
	})
}

// TestPurgeSessions: the leader's periodic job deletes the sessions that
// expired, by the queue's clock, and keeps the others.
func TestPurgeSessions(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		clock := &testClock{}
		u, err := db.CreateUser(ctx, auth.User{Email: "s@campus.example", Role: auth.Staff}, "h")
		if err != nil {
			t.Fatal(err)
		}
		now := clock.Now()
		if err := db.CreateSession(ctx, "old", u.ID, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, "new", u.ID, now.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// A closed ticket reported over a year ago, and one reported now.
		var photos []repair.Photo
		for i, created := range []time.Time{now.Add(-repair.PhotoKeep - 3*time.Hour), now} {
			tk, err := db.CreateTicket(ctx, repair.Ticket{ReporterID: u.ID, Lang: "en", Category: "walls", Description: "crack",
				Created: created, Location: repair.Location{Source: repair.SourcePoint}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.ChangeTicket(ctx, tk.ID, u.ID, repair.Change{Audit: repair.AuditMoved, Apply: func(x *repair.Ticket) (repair.Event, error) {
				x.Status = repair.Closed
				return repair.Event{At: created, From: repair.Submitted, To: repair.Closed}, nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := db.AddPhoto(ctx, repair.Photo{TicketID: tk.ID, UploaderID: u.ID, ContentType: "image/png", Bytes: 1, Width: 1, Height: 1,
				SHA256: fmt.Sprint(i), Created: created, Data: []byte{byte(i)}}, func(repair.Ticket) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			photos = append(photos, p)
		}
		clock.Advance(2 * time.Hour)

		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.PurgeWorker{DB: db, Now: clock.Now}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{
			Workers: w, Periodic: []*river.PeriodicJob{jobs.PurgeSessionsEvery(time.Hour)},
			Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
		defer cancel()
		start(t, q)
		ev := next(t, events)
		if ev.Job.Kind != jobs.KindPurgeSessions {
			t.Fatalf("%s job completed, want the purge", ev.Job.Kind)
		}
		var left []string
		rows, err := db.SQL().QueryContext(ctx, "SELECT token_hash FROM sessions")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var h string
			rows.Scan(&h)
			left = append(left, h)
		}
		rows.Close()
		if len(left) != 1 || left[0] != "new" {
			t.Errorf("sessions left %q, want the live one", left)
		}
		if _, err := db.Photo(ctx, photos[0].TicketID, photos[0].ID); !errors.Is(err, repair.ErrNotFound) {
			t.Errorf("the old closed ticket's photo: %v, want it purged", err)
		}
		if _, err := db.Photo(ctx, photos[1].TicketID, photos[1].ID); err != nil {
			t.Errorf("the new ticket's photo: %v, want it kept", err)
		}
		// Once a period: a second purge in the same hour is not written.
		res, err := q.Insert(ctx, jobs.PurgeSessions{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}})
		if err != nil || !res.UniqueSkippedAsDuplicate {
			t.Errorf("a second purge in the period: %+v, %v; want it skipped", res, err)
		}
	})
}

// TestOpenTogether: processes starting together on a new database (each
// with its own connections) migrate River's tables once, and the tables
// are in the store's schema.
func TestOpenTogether(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		const n = 4
		dbs := make([]*store.DB, n)
		for i := range dbs {
			dbs[i] = e.open(t)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() {
				_, errs[i] = jobs.Open(t.Context(), db, jobs.Options{Workers: noteWorkers(t)})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d of %d at once: %v", i+1, n, err)
			}
		}
		var versions, distinct int
		if err := dbs[0].SQL().QueryRowContext(t.Context(), "SELECT count(*), count(DISTINCT version) FROM river_migration").Scan(&versions, &distinct); err != nil {
			t.Fatal(err)
		}
		if versions == 0 || versions != distinct {
			t.Errorf("river_migration has %d rows of %d versions, want each version once", versions, distinct)
		}
		if e.name == "postgres" {
			var here, public bool
			err := dbs[0].SQL().QueryRowContext(t.Context(),
				"SELECT to_regclass(quote_ident(current_schema()) || '.river_job') IS NOT NULL, to_regclass('public.river_job') IS NOT NULL").Scan(&here, &public)
			if err != nil || !here {
				t.Errorf("river_job is not in the store's schema (%v)", err)
			}
			if public {
				t.Log("note: a river_job table exists in public (another program's); this test's is in its own schema")
			}
		}
	})
}

// TestOpenChecks: what Open refuses.
func TestOpenChecks(t *testing.T) {
	db := sqliteEngine(t).open(t)
	for name, opts := range map[string]jobs.Options{
		"no workers":            {},
		"rescued while running": {Workers: noteWorkers(t), Timeout: time.Minute, RescueAfter: time.Second},
		"LISTEN on SQLite":      {Workers: noteWorkers(t), Listen: new(pgxpool.Pool)},
	} {
		if _, err := jobs.Open(t.Context(), db, opts); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func (s *texts) SendText(_ context.Context, phone, text string) error {
	return s.SendCode(context.Background(), phone, text)
}

// TestTexts: a text message written in a store's transaction is sent
// once, retried when the gateway fails.
func TestTexts(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		clock := &testClock{}
		gw := &texts{fail: 1}
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.TextWorker{Sender: gw, DB: db}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{Workers: w, Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		db.SetQueue(q)
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		start(t, q)
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			return db.EnqueueTx(ctx, tx, jobs.KindText, visitor.Text{Phone: "+8613900000001", Text: "您的来访预约已批准 / approved"})
		}); err != nil {
			t.Fatal(err)
		}
		ev := next(t, events)
		if ev.Kind != river.EventKindJobFailed {
			t.Fatalf("event %s, want the gateway's failure", ev.Kind)
		}
		clock.Advance(2 * time.Second)
		want(t, next(t, events), river.EventKindJobCompleted, ev.Job.ID)
		if got := gw.Sent(); len(got) != 1 || got[0] != "+8613900000001 您的来访预约已批准 / approved" {
			t.Errorf("sent %q", got)
		}
	})
}

// TestVisitWebhook: a submission written in a store's transaction is
// POSTed to a real HTTP server, signed, retried after a 503, once; a
// 400 cancels it.
func TestVisitWebhook(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		secret := []byte("shared secret")
		var mu sync.Mutex
		var got []string
		answers := []int{503, 200, 400}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if err := visitor.VerifyWebhook(secret, r.Header.Get(visitor.WebhookTimestamp), r.Header.Get(visitor.WebhookSignature), b, time.Now()); err != nil {
				t.Errorf("the submission's signature: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			got = append(got, string(b))
			w.WriteHeader(answers[0])
			answers = answers[1:]
		}))
		defer srv.Close()
		clock := &testClock{}
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.VisitWebhookWorker{URL: srv.URL, Secret: secret, DB: db}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{Workers: w, Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		db.SetQueue(q)
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
		defer cancel()
		start(t, q)
		submit := func(body string) {
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				return db.EnqueueTx(ctx, tx, jobs.KindVisitWebhook, visitor.WebhookJob{Visit: 1, Body: body})
			}); err != nil {
				t.Fatal(err)
			}
		}
		submit(`{"event":"visit.submitted","visit":{"id":1}}`)
		ev := next(t, events)
		if ev.Kind != river.EventKindJobFailed {
			t.Fatalf("event %s, want the 503's failure", ev.Kind)
		}
		clock.Advance(2 * time.Second)
		want(t, next(t, events), river.EventKindJobCompleted, ev.Job.ID)
		submit(`{"event":"visit.submitted","visit":{"id":2}}`)
		ev = next(t, events)
		if ev.Kind != river.EventKindJobCancelled {
			t.Fatalf("event %s, want the 400's cancellation", ev.Kind)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 3 || got[0] != got[1] || !strings.Contains(got[2], `"id":2`) {
			t.Errorf("received %q", got)
		}
	})
}

// TestPurgeVisits: the leader's periodic job deletes the names, phones
// and ID hashes (and plates) of visits that ended more than KeepDays
// ago by the queue's clock, moved on; the visits stay, with their
// counts, and the younger ones keep theirs.
func TestPurgeVisits(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		db := e.open(t)
		clock := &testClock{}
		vis, err := db.CreateUser(ctx, auth.User{Email: "tel:+8613800000001", Role: auth.Visitor}, "")
		if err != nil {
			t.Fatal(err)
		}
		host, err := db.CreateUser(ctx, auth.User{Email: "host@campus.example", Role: auth.Staff}, "")
		if err != nil {
			t.Fatal(err)
		}
		now := clock.Now()
		mk := func(daysAgo int) visitor.Visit {
			from := now.AddDate(0, 0, -daysAgo)
			v, err := db.CreateVisit(ctx, visitor.Visit{VisitorID: vis.ID, HostID: host.ID, Type: "business", Reason: "r", Date: from.Format(time.DateOnly),
				From: from, To: from.Add(time.Hour), Mode: visitor.Car, Plate: "粤A12345", Status: visitor.Approved, Source: visitor.SourceSelf,
				Created: from, People: []visitor.Person{{Name: "Li Lei", Phone: "+8613800000001", IDHash: []byte("0123456789abcdef0123456789abcdef"), IDKind: visitor.IDPRC},
					{Name: "Han", IDHash: []byte("fedcba9876543210fedcba9876543210"), IDKind: visitor.IDPassport}}},
				visitor.Create{Now: from})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		old, young := mk(100), mk(20)
		// 90 days on: old ended 190 days ago, young 110.
		clock.Advance(90 * 24 * time.Hour)
		w := jobs.NewWorkers()
		if err := jobs.Add(w, &jobs.PurgeVisitsWorker{DB: db, KeepDays: visitor.DefaultKeepDays, Now: clock.Now}); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.Open(ctx, db, jobs.Options{Workers: w, Periodic: []*river.PeriodicJob{jobs.PurgeVisitsEvery(jobs.PurgeVisitsInterval)},
			Clock: clock.Now, PollInterval: testPoll, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := q.Client().Subscribe(river.EventKindJobCompleted)
		defer cancel()
		start(t, q)
		if ev := next(t, events); ev.Job.Kind != jobs.KindPurgeVisits {
			t.Fatalf("%s job completed, want the purge", ev.Job.Kind)
		}
		o, err := db.Visit(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Purged || o.Plate != "" || len(o.People) != 2 || o.People[0].Name != "" || o.People[0].Phone != "" || o.People[0].IDHash != nil ||
			o.People[1].IDHash != nil || o.Status != visitor.Approved || o.Date != old.Date {
			t.Errorf("the old visit: %+v", o)
		}
		y, _ := db.Visit(ctx, young.ID)
		if y.Purged || y.Plate == "" || y.People[0].Name != "Li Lei" || y.People[0].IDHash == nil {
			t.Errorf("the young visit: %+v", y)
		}
		days, err := db.HostCalendar(ctx, host.ID, old.Date, old.Date)
		if err != nil || len(days) != 1 || days[0].People != 2 || days[0].Approved != 1 {
			t.Errorf("the old day's counts: %+v %v", days, err)
		}
	})
}
