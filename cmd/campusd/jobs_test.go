package main

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/mail/mailtest"
	"github.com/campusnav/engine/services/sqlite"
)

// TestJobsRunWithTheServer: the queue starts with the server: mail written
// in a store transaction goes to CAMPUS_SMTP_URL from CAMPUS_MAIL_FROM,
// and sessions that had expired are purged at start; it stops with it.
func TestJobsRunWithTheServer(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(t.Context(), auth.User{Email: "s@campus.example", Role: auth.Staff}, "h")
	if err == nil {
		err = db.CreateSession(t.Context(), "expired", u.ID, time.Now().Add(-time.Minute))
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	srv := mailtest.Start(t)
	env := map[string]string{"CAMPUS_SMTP_URL": srv.URL(), "CAMPUS_MAIL_FROM": "Campus <noreply@campus.example>"}
	m := NewMain(io.Discard)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--venue", venue}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	store := m.store.(*sqlite.DB)
	err = store.Tx(t.Context(), func(tx *sql.Tx) error {
		return store.EnqueueTx(t.Context(), tx, jobs.KindMail, mail.Message{To: "s@campus.example", Subject: "Hello", Text: "From the queue.\n"})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 30*time.Second)
	if len(got) != 1 || got[0].From != "noreply@campus.example" || got[0].Subject != "Hello" {
		t.Fatalf("messages %+v, want the one from CAMPUS_MAIL_FROM", got)
	}

	// A family decision mails the staff member, in the decision's
	// transaction: once, in both languages; a decision refused mails
	// nobody.
	app, err := store.CreateFamilyApplication(t.Context(), auth.FamilyApplication{SponsorID: u.ID, Phone: "+8613800000001", Name: "Mei"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideFamilyApplication(t.Context(), app.ID, true, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideFamilyApplication(t.Context(), app.ID, false, 0, time.Now()); err == nil {
		t.Fatal("an application decided twice")
	}
	got = srv.WaitFor(2, 30*time.Second)
	if len(got) != 2 || got[1].To[0] != "s@campus.example" || !strings.Contains(got[1].Subject, "approved") ||
		!strings.Contains(got[1].Text, "+8613800000001") || !strings.Contains(got[1].Text, "家属账号已通过") {
		t.Fatalf("the decision's mail: %+v", got)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := store.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM sessions").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired session was not purged in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The close job of repair tickets, run once at start, completes
	// (it once ran before the repair service was made, and panicked).
	for {
		var state string
		err := store.SQL().QueryRowContext(t.Context(), "SELECT state FROM river_job WHERE kind = $1 ORDER BY id LIMIT 1", jobs.KindCloseRepairs).Scan(&state)
		if err == nil && state == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the close job at start: %q %v, want completed", state, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages in all, want 2", n)
	}
}

// TestMailConfig: CAMPUS_SMTP_URL is checked at start, and needs
// CAMPUS_MAIL_FROM; without it, mail goes to the log.
func TestMailConfig(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string // in the error; "" for none
	}{
		{nil, ""},
		{map[string]string{"CAMPUS_SMTP_URL": "smtp://mail.campus.example:587", "CAMPUS_MAIL_FROM": "noreply@campus.example"}, ""},
		{map[string]string{"CAMPUS_SMTP_URL": "smtp://mail.campus.example"}, "CAMPUS_MAIL_FROM"},
		{map[string]string{"CAMPUS_SMTP_URL": "http://mail.campus.example", "CAMPUS_MAIL_FROM": "noreply@campus.example"}, "CAMPUS_SMTP_URL"},
		{map[string]string{"CAMPUS_SMTP_URL": "smtp://mail.campus.example", "CAMPUS_MAIL_FROM": "not an address"}, "CAMPUS_MAIL_FROM"},
	} {
		m := NewMain(io.Discard)
		err := m.ParseFlags([]string{"--venue", venue}, func(k string) string { return c.env[k] })
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.env, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: %v, want an error naming %s", c.env, err, c.want)
		}
	}
	m := NewMain(io.Discard)
	if s, err := m.Config.Mail.sender(nil); err != nil || s != (mail.LogSender{}) {
		t.Errorf("no CAMPUS_SMTP_URL: %T %v, want the log", s, err)
	}
}
