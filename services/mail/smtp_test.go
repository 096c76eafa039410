package mail_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/mail/mailtest"
)

const from = "校园导航 Campus <noreply@campus.example>"

// bilingual is a text as the campus sends them: English and Simplified
// Chinese, lines longer than quoted-printable's 76 characters, a line
// that starts with a dot (SMTP's end of data) and trailing spaces.
const bilingual = `Your booking of room 2-401 is confirmed for 10:00-11:00 on Monday, 1 December 2026, and it will be held for fifteen minutes after it starts.
您预订的 2-401 室已确认：2026 年 12 月 1 日（星期一）10:00-11:00，开始后保留十五分钟，逾时自动取消。请准时到达。
. a line that starts with a dot
trailing spaces   
— 校园导航 / Campus Navigation
`

// sender is an SMTP sender to srv, trusting its certificate.
func sender(t *testing.T, srv *mailtest.Server, rawURL string) *mail.SMTP {
	t.Helper()
	cfg, err := mail.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RootCAs = srv.RootCAs()
	s, err := mail.NewSMTP(cfg, from)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// only is the one message srv has accepted.
func only(t *testing.T, srv *mailtest.Server) mailtest.Received {
	t.Helper()
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server has %d messages, want 1", len(got))
	}
	return got[0]
}

func TestSendRoundTrip(t *testing.T) {
	srv := mailtest.Start(t)
	s := sender(t, srv, srv.URL())
	msgs := []mail.Message{
		{To: "alice@campus.example", Subject: "Hello", Text: "Plain ASCII text.\n"},
		{To: "王小明 <xiaoming@campus.example>", Subject: "Booking confirmed 预订已确认", Text: bilingual},
	}
	for _, m := range msgs {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatalf("Send(%q): %v", m.Subject, err)
		}
	}
	got := srv.WaitFor(len(msgs), 5*time.Second)
	if len(got) != len(msgs) {
		t.Fatalf("server has %d messages, want %d", len(got), len(msgs))
	}
	wantTo := []string{"alice@campus.example", "xiaoming@campus.example"}
	for i, m := range msgs {
		r := got[i]
		if r.Subject != m.Subject || r.Text != m.Text {
			t.Errorf("message %d came as subject %q text %q; want %q %q", i, r.Subject, r.Text, m.Subject, m.Text)
		}
		if r.From != "noreply@campus.example" || len(r.To) != 1 || r.To[0] != wantTo[i] {
			t.Errorf("message %d: envelope from %q to %q; want noreply@campus.example to %s", i, r.From, r.To, wantTo[i])
		}
		hdrFrom, err := r.Header.AddressList("From")
		if err != nil || len(hdrFrom) != 1 || hdrFrom[0].Name != "校园导航 Campus" {
			t.Errorf("message %d: From header %v (%v), want the name 校园导航 Campus", i, hdrFrom, err)
		}
		if r.Header.Get("Message-Id") == "" || r.Header.Get("Date") == "" {
			t.Errorf("message %d has no Message-ID or Date: %v", i, r.Header)
		}
		if r.TLS || r.User != "" {
			t.Errorf("message %d: TLS %v, user %q on a plain server without AUTH", i, r.TLS, r.User)
		}
	}
}

func TestSendAuth(t *testing.T) {
	const user, pass = "campus@campus.example", "p@ss w:rd/中%?#"
	srv := mailtest.Start(t, mailtest.WithAuth(user, pass))
	m := mail.Message{To: "alice@campus.example", Subject: "Signed in", Text: "hi\n"}

	if err := sender(t, srv, srv.URL()).Send(context.Background(), m); err != nil {
		t.Fatalf("Send with the right password: %v", err)
	}
	if r := only(t, srv); r.User != user {
		t.Errorf("message sent as %q, want %q", r.User, user)
	}

	u, _ := url.Parse(srv.URL())
	wrong := "Wr0ng-" + pass
	u.User = url.UserPassword(user, wrong)
	err := sender(t, srv, u.String()).Send(context.Background(), m)
	if err == nil {
		t.Fatal("Send with a wrong password: no error")
	}
	if mail.Permanent(err) {
		t.Errorf("a refused sign-in is a setting to fix, not the message's fault; Permanent(%v) = true", err)
	}
	for _, secret := range []string{wrong, url.QueryEscape(wrong), u.User.String()} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows the password", err)
		}
	}

	u.User = nil
	err = sender(t, srv, u.String()).Send(context.Background(), m)
	if err == nil || mail.Permanent(err) {
		t.Errorf("Send without signing in to a server that wants it: %v, Permanent %v; want a temporary error", err, mail.Permanent(err))
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server has %d messages, want only the signed-in one", n)
	}
}

func TestSendSTARTTLS(t *testing.T) {
	const user, pass = "campus", "s3cret"
	srv := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth(user, pass))
	m := mail.Message{To: "alice@campus.example", Subject: "加密 Encrypted", Text: bilingual}
	if err := sender(t, srv, srv.URL()).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// The server offers AUTH only after STARTTLS, so signing in shows
	// the order too.
	if r := only(t, srv); !r.TLS || r.User != user || r.Text != bilingual {
		t.Errorf("came with TLS %v as %q, text intact %v; want TLS as %q", r.TLS, r.User, r.Text == bilingual, user)
	}

	t.Run("untrusted certificate", func(t *testing.T) {
		cfg, err := mail.ParseURL(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		s, err := mail.NewSMTP(cfg, from) // the system's roots: the test's own certificate is unknown
		if err != nil {
			t.Fatal(err)
		}
		before := srv.Attempts()
		err = s.Send(context.Background(), m)
		if err == nil || mail.Permanent(err) {
			t.Fatalf("Send to a server whose certificate does not verify: %v; want a temporary error", err)
		}
		if srv.Attempts() != before {
			t.Error("the message went in plain text after STARTTLS failed")
		}
	})
}

func TestSendImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("campus", "s3cret"))
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL %q, want smtps://", srv.URL())
	}
	m := mail.Message{To: "alice@campus.example", Subject: "TLS 加密", Text: "hi 你好\n"}
	if err := sender(t, srv, srv.URL()).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if r := only(t, srv); !r.TLS || r.User != "campus" || r.Text != m.Text {
		t.Errorf("came with TLS %v as %q text %q", r.TLS, r.User, r.Text)
	}
}

func TestSendRejected(t *testing.T) {
	srv := mailtest.Start(t)
	s := sender(t, srv, srv.URL())
	m := mail.Message{To: "alice@campus.example", Subject: "Try again", Text: "hi\n"}
	for _, tc := range []struct {
		code      int
		permanent bool
	}{{421, false}, {451, false}, {452, false}, {550, true}, {552, true}, {554, true}} {
		srv.Reject(1, tc.code)
		err := s.Send(context.Background(), m)
		if err == nil {
			t.Fatalf("%d: no error", tc.code)
		}
		if mail.Permanent(err) != tc.permanent {
			t.Errorf("%d: Permanent(%v) = %v, want %v", tc.code, err, mail.Permanent(err), tc.permanent)
		}
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send once the server takes mail again: %v", err)
	}
	if n, a := len(srv.Messages()), srv.Attempts(); n != 1 || a != 7 {
		t.Errorf("server kept %d of %d attempts, want 1 of 7", n, a)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now

	cfg, err := mail.ParseURL("smtp://campus:s3cret-pw@" + addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.NewSMTP(cfg, from)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "alice@campus.example", Subject: "x", Text: "x"})
	if err == nil || mail.Permanent(err) {
		t.Fatalf("Send to a closed port: %v; want a temporary error", err)
	}
	if !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error %q should name %s and never the password", err, addr)
	}
}

func TestSendInvalid(t *testing.T) {
	srv := mailtest.Start(t)
	s := sender(t, srv, srv.URL())
	for name, m := range map[string]mail.Message{
		"no recipient":        {Subject: "x", Text: "x"},
		"not an address":      {To: "alice", Subject: "x", Text: "x"},
		"two addresses":       {To: "a@campus.example, b@campus.example", Subject: "x", Text: "x"},
		"header in recipient": {To: "a@campus.example\r\nBcc: eve@evil.example", Subject: "x", Text: "x"},
		"header in subject":   {To: "a@campus.example", Subject: "x\r\nBcc: eve@evil.example", Text: "x"},
		"subject not UTF-8":   {To: "a@campus.example", Subject: "\xff", Text: "x"},
		"text not UTF-8":      {To: "a@campus.example", Subject: "x", Text: "caf\xe9"},
		"NUL in text":         {To: "a@campus.example", Subject: "x", Text: "a\x00b"},
	} {
		err := s.Send(context.Background(), m)
		if !errors.Is(err, mail.ErrInvalid) || !mail.Permanent(err) {
			t.Errorf("%s: %v; want a permanent ErrInvalid", name, err)
		}
	}
	if a := srv.Attempts(); a != 0 {
		t.Errorf("%d invalid messages reached the server", a)
	}
}

// stalling listens on loopback for SMTP clients and answers each with a
// greeting, reads its first command (so the client is past connecting),
// tells stalled, and says nothing more.
func stalling(t *testing.T) (addr string, stalled <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Write([]byte("220 localhost ESMTP stalling\r\n")); err != nil {
					return
				}
				if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
					return
				}
				ch <- struct{}{}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), ch
}

func TestSendHonoursContext(t *testing.T) {
	addr, stalled := stalling(t)
	cfg, err := mail.ParseURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = time.Hour // only the context can end it
	s, err := mail.NewSMTP(cfg, from)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-stalled // cancelled while waiting for the answer to EHLO
		cancel()
	}()
	err = s.Send(ctx, mail.Message{To: "alice@campus.example", Subject: "x", Text: "x"})
	if !errors.Is(err, context.Canceled) || mail.Permanent(err) {
		t.Errorf("Send cancelled: %v; want a temporary context.Canceled", err)

	}
}

func TestSendTimeout(t *testing.T) {
	addr, _ := stalling(t)
	cfg, err := mail.ParseURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 50 * time.Millisecond
	s, err := mail.NewSMTP(cfg, from)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "alice@campus.example", Subject: "x", Text: "x"})
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || mail.Permanent(err) {
		t.Errorf("Send to a server that stops answering: %v; want a temporary timeout", err)
	}
}

func TestNewSMTP(t *testing.T) {
	good, err := mail.ParseURL("smtp://mail.campus.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "noreply", "noreply@", "<noreply@campus.example", "a@campus.example, b@campus.example"} {
		if _, err := mail.NewSMTP(good, bad); err == nil || !strings.Contains(err.Error(), "CAMPUS_MAIL_FROM") {
			t.Errorf("NewSMTP(from %q): %v; want an error naming CAMPUS_MAIL_FROM", bad, err)
		}
	}
	for _, cfg := range []mail.Config{{Port: 25}, {Host: "mail.campus.example"}, {Host: "mail.campus.example", Port: 70000}} {
		if _, err := mail.NewSMTP(cfg, "noreply@campus.example"); err == nil {
			t.Errorf("NewSMTP(%v): no error", cfg)
		}
	}
}

// BenchmarkSend is one message to a server on loopback: connect, EHLO,
// MAIL, RCPT, DATA, QUIT.
func BenchmarkSend(b *testing.B) {
	srv, err := mailtest.New()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cfg, err := mail.ParseURL(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	s, err := mail.NewSMTP(cfg, from)
	if err != nil {
		b.Fatal(err)
	}
	m := mail.Message{To: "alice@campus.example", Subject: "Booking confirmed 预订已确认", Text: bilingual}
	ctx := context.Background()
	for b.Loop() {
		if err := s.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}
