package mailtest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/campusnav/engine/services/mail/mailtest"
)

// send writes raw to srv with go-smtp's own client, not this project's.
// (go-smtp's SendMail insists on STARTTLS.)
func send(srv *mailtest.Server, auth sasl.Client, raw string) error {
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	err = c.SendMail("noreply@campus.example", []string{"alice@campus.example"},
		strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		return err
	}
	return c.Quit()
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct{ name, raw, subject, text string }{
		{
			name: "base64 body, B-encoded subject",
			raw: "Subject: =?UTF-8?B?6aKE6K6i5bey56Gu6K6k?=\nContent-Type: text/plain; charset=utf-8\n" +
				"Content-Transfer-Encoding: base64\n\n5L2g5aW977yM\n5LiW55WMCg==\n",
			subject: "预订已确认", text: "你好，世界\n",
		},
		{
			name: "multipart alternative, quoted-printable text part",
			raw: "Subject: =?utf-8?q?Booking_=E9=A2=84=E8=AE=A2?= confirmed\nMIME-Version: 1.0\n" +
				"Content-Type: multipart/alternative; boundary=b1\n\n--b1\nContent-Type: text/html; charset=utf-8\n\n<p>html</p>\n" +
				"--b1\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"=E4=BD=A0=E5=A5=BD a long line that is soft-=\nbroken\n--b1--\n",
			subject: "Booking 预订 confirmed", text: "你好 a long line that is soft-broken",
		},
		{
			name: "no MIME at all", raw: "Subject: plain\n\nJust text.\n.. dot-stuffed\n",
			subject: "plain", text: "Just text.\n.. dot-stuffed\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mailtest.Start(t)
			if err := send(srv, nil, tc.raw); err != nil {
				t.Fatal(err)
			}
			got := srv.WaitFor(1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("%d messages", len(got))
			}
			r := got[0]
			if r.Subject != tc.subject || r.Text != tc.text {
				t.Errorf("decoded subject %q text %q; want %q %q", r.Subject, r.Text, tc.subject, tc.text)
			}
			if r.From != "noreply@campus.example" || len(r.To) != 1 || r.To[0] != "alice@campus.example" {
				t.Errorf("envelope from %q to %q", r.From, r.To)
			}
		})
	}

	t.Run("another charset", func(t *testing.T) {
		srv := mailtest.Start(t)
		err := send(srv, nil, "Subject: x\nContent-Type: text/plain; charset=gb2312\n\n\xc4\xe3\xba\xc3\n")
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 554 || len(srv.Messages()) != 0 {
			t.Errorf("a GB2312 text: %v, kept %d; want 554 and none kept", err, len(srv.Messages()))
		}
	})
}

func TestReject(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Reject(2, 451)
	for i := range 2 {
		var se *smtp.SMTPError
		if err := send(srv, nil, "Subject: x\n\nx\n"); !errors.As(err, &se) || se.Code != 451 {
			t.Fatalf("message %d: %v, want 451", i, err)
		}
	}
	if err := send(srv, nil, "Subject: x\n\nx\n"); err != nil {
		t.Fatalf("third message: %v", err)
	}
	if n, a := len(srv.Messages()), srv.Attempts(); n != 1 || a != 3 {
		t.Errorf("kept %d of %d attempts, want 1 of 3", n, a)
	}
}

func TestAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("campus", "s3cret"))
	if !strings.HasPrefix(srv.URL(), "smtp://campus:s3cret@127.0.0.1:") {
		t.Errorf("URL %q, want the user and password in it", srv.URL())
	}
	for _, tc := range []struct {
		auth sasl.Client
		code int
	}{
		{nil, 502},
		{sasl.NewPlainClient("", "campus", "wrong"), 535},
		{sasl.NewPlainClient("", "campus", "s3cret"), 0},
	} {
		err := send(srv, tc.auth, "Subject: x\n\nx\n")
		var se *smtp.SMTPError
		if tc.code == 0 && err != nil || tc.code != 0 && (!errors.As(err, &se) || se.Code != tc.code) {
			t.Errorf("%v: %v, want code %d", tc.auth, err, tc.code)
		}
	}
	if got := srv.Messages(); len(got) != 1 || got[0].User != "campus" {
		t.Errorf("kept %+v, want one message from campus", got)
	}
}

func TestWaitFor(t *testing.T) {
	srv := mailtest.Start(t)
	errs := make(chan error, 3)
	go func() {
		for range 3 {
			errs <- send(srv, nil, "Subject: x\n\nx\n")
		}
	}()
	if got := srv.WaitFor(3, 10*time.Second); len(got) != 3 {
		t.Fatalf("WaitFor(3) = %d messages", len(got))
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Nothing more comes: WaitFor gives up at its timeout with what it has.
	if got := srv.WaitFor(4, 10*time.Millisecond); len(got) != 3 {
		t.Errorf("WaitFor(4) after its timeout = %d messages, want 3", len(got))
	}
}

func TestClose(t *testing.T) {
	srv, err := mailtest.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := send(srv, nil, "Subject: x\n\nx\n"); err == nil {
		t.Error("a closed server took a message")
	}
}
