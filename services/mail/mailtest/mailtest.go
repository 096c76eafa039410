// Package mailtest is a real SMTP server (github.com/emersion/go-smtp) on
// loopback, for tests and small test programs: it keeps every message it
// accepts, decoded, and can be told to refuse the next messages, to ask
// for AUTH PLAIN, and to speak STARTTLS or implicit TLS with a
// certificate of its own.
package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From    string   // the envelope sender (MAIL FROM)
	To      []string // the envelope recipients (RCPT TO)
	Subject string   // decoded
	Text    string   // the text/plain body, decoded, with LF line ends (SMTP ends it with one)
	Header  mail.Header
	TLS     bool   // whether the session was encrypted when the data came
	User    string // who signed in with AUTH, or ""
	Raw     []byte // the message as it came, CRLF line ends
}

// Option changes how a server starts.
type Option func(*options)

type options struct {
	user, pass string
	tls        bool // STARTTLS
	implicit   bool // TLS from the first byte
}

// WithAuth makes the server offer AUTH PLAIN and refuse mail (502 5.7.0)
// from a session that has not signed in as user with pass.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate for 127.0.0.1 and localhost (see RootCAs). AUTH, if any,
// is offered only after it.
func WithSTARTTLS() Option {
	return func(o *options) { o.tls = true }
}

// WithImplicitTLS makes the server speak TLS from the first byte
// (smtps://) with its self-signed certificate.
func WithImplicitTLS() Option {
	return func(o *options) { o.implicit = true }
}

// Server is an SMTP server on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	opts  options
	srv   *smtp.Server
	ln    net.Listener
	roots *x509.CertPool

	served    chan struct{} // closed when Serve returns
	closeOnce sync.Once

	mu       sync.Mutex
	msgs     []Received
	attempts int
	reject   int // how many more messages to refuse
	code     int
	changed  chan struct{} // closed and replaced when a message comes
}

// Start starts a server for the test, closed when it ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// New starts a server on 127.0.0.1 at a free port; Close stops it. For
// programs; tests use Start.
func New(opts ...Option) (*Server, error) {
	s := &Server{changed: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if s.opts.tls || s.opts.implicit {
		cert, roots, err := selfSigned()
		if err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	} else {
		srv.AllowInsecureAuth = true // AUTH over plain text, on loopback only
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailtest: listen: %w", err)
	}
	if s.opts.implicit {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	s.srv, s.ln, s.served = srv, ln, make(chan struct{})
	go func() {
		defer close(s.served)
		srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and closes its connections. Closing twice is
// harmless.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		// The listener is closed here too, in case Serve has not yet
		// told the server about it.
		s.ln.Close()
		s.srv.Close()
		<-s.served
	})
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server as CAMPUS_SMTP_URL would name it: smtp://127.0.0.1:PORT,
// smtps:// with implicit TLS, and with the user and password (escaped)
// when it asks for AUTH.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr()}
	if s.opts.implicit {
		u.Scheme = "smtps"
	}
	if s.opts.user != "" {
		u.User = url.UserPassword(s.opts.user, s.opts.pass)
	}
	return u.String()
}

// RootCAs trusts the server's certificate; nil without TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Reject makes the server refuse the next n messages at the end of their
// data with code (400 to 599; 4xx is temporary, 5xx permanent), keeping
// none of them.
func (s *Server) Reject(n, code int) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("mailtest: Reject: code %d is not 4xx or 5xx", code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject, s.code = n, code
}

// Messages are those accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Attempts counts the messages whose data came, accepted or refused.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitFor waits until the server has accepted at least n messages, or
// timeout has passed, and returns those accepted by then.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			defer s.mu.Unlock()
			return append([]Received(nil), s.msgs...)
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			return s.Messages()
		}
	}
}

// deliver keeps a message that came in a session, or refuses it.
func (s *Server) deliver(r Received) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.reject > 0 {
		s.reject--
		return &smtp.SMTPError{
			Code:         s.code,
			EnhancedCode: smtp.EnhancedCode{s.code / 100, 0, 0},
			Message:      "Refused by mailtest",
		}
	}
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	se := &session{srv: s, conn: c}
	if s.opts.user != "" {
		return &authSession{se}, nil
	}
	return se, nil
}

// session is one SMTP session: its sign-in and the message under way.
type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.srv.opts.user != "" && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := se.conn.TLSConnectionState()
	rc := Received{From: se.from, To: se.to, TLS: isTLS, User: se.user, Raw: raw}
	if rc.Header, rc.Subject, rc.Text, err = decode(raw); err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: " + err.Error()}
	}
	return se.srv.deliver(rc)
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// authSession is a session that offers AUTH PLAIN.
type authSession struct{ *session }

func (as *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		o := as.srv.opts
		if user != o.user || pass != o.pass || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		as.user = user
		return nil
	}), nil
}

var _ smtp.AuthSession = (*authSession)(nil)
