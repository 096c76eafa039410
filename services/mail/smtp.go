package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends each message over its own connection to one SMTP server:
// connect, STARTTLS when offered (or implicit TLS), AUTH when a user is
// configured, one message, QUIT. It is safe for concurrent use.
type SMTP struct {
	cfg  Config
	from string
}

var _ Sender = (*SMTP)(nil)

// NewSMTP makes a sender to the server cfg names, writing from the
// address from (CAMPUS_MAIL_FROM: "noreply@example.edu" or
// "Campus <noreply@example.edu>").
func NewSMTP(cfg Config, from string) (*SMTP, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail: CAMPUS_MAIL_FROM %q is not an e-mail address", from)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTP{cfg: cfg, from: from}, nil
}

// Send delivers m, or says why not (see Permanent). It gives up when ctx
// ends, closing the connection. A message the server has accepted counts
// as sent even if saying goodbye then fails, so a retry does not send it
// twice; a connection lost between the end of the data and the server's
// answer leaves it unknown, and the error is temporary.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := check(m); err != nil {
		return err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail: from %q: %w", s.from, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("%w: recipient %q: %v", ErrInvalid, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)

	// The connection is closed when ctx ends, and in any case at the
	// end: go-mail leaves it open when the session fails to start.
	var raw net.Conn
	var stop func() bool
	defer func() {
		if raw != nil {
			stop()
			raw.Close()
		}
	}()
	dial := func(dialCtx context.Context, _, _ string) (net.Conn, error) {
		conn, err := s.dial(dialCtx)
		if err != nil {
			return nil, err
		}
		raw, stop = conn, context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	client, err := gomail.NewClient(s.cfg.Host, s.options(dial)...)
	if err != nil {
		return fmt.Errorf("mail: send via %s: %w", s.cfg, err)
	}

	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.failed(ctx, "connect", false, err)
	}
	err = client.SendWithSMTPClient(conn, msg)
	client.CloseWithSMTPClient(conn) // QUIT: its answer changes nothing
	if msg.IsDelivered() {
		return nil // accepted is sent, whatever came after
	}
	if err == nil {
		err = errors.New("not delivered, for no reason given")
	}
	return s.failed(ctx, "send", refused(err), err)
}

// options are the client's: the timeouts, TLS, AUTH and our own dialer.
func (s *SMTP) options(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tlsConfig()),
		gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithDialContextFunc(dial),
		gomail.WithoutNoop(), // a fresh connection needs no check
		gomail.WithoutRset(), // nor resetting before QUIT
	}
	if s.cfg.User != "" {
		opts = append(opts,
			gomail.WithUsername(s.cfg.User),
			gomail.WithPassword(s.cfg.password),
			// PLAIN and LOGIN refuse to send the password unencrypted
			// except to loopback, so a missing STARTTLS fails the send.
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	return opts
}

func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
}

// dial connects to the server, with TLS from the first byte for smtps.
func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.addr())
	if err != nil || !s.cfg.ImplicitTLS {
		return conn, err
	}
	tc := tls.Client(conn, s.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// failed wraps err from phase, permanent or not; when ctx has ended,
// that is the error, and temporary.
func (s *SMTP) failed(ctx context.Context, phase string, permanent bool, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err, permanent = fmt.Errorf("%w (%v)", ctxErr, err), false
	}
	return &failure{permanent: permanent, err: fmt.Errorf("mail: %s via %s: %w", phase, s.cfg, err)}
}

// refused reports whether err is the server refusing the message or its
// recipient with a 5xx reply.
func refused(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}
