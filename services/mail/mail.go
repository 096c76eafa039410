// Package mail sends the campus's e-mail: plain-text messages (English
// and Simplified Chinese, UTF-8) over SMTP through github.com/wneessen/go-mail,
// or to the log where no server is configured. It owns the message, the
// sender interface, the CAMPUS_SMTP_URL format and the rule that tells a
// permanent failure from a temporary one; queueing and retrying belong to
// whoever calls Send.
package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/campusnav/engine/services"
)

// Message is one plain-text e-mail to one recipient.
type Message struct {
	To      string // an address, "who@example.edu" or "Name <who@example.edu>"
	Subject string // one line
	Text    string // the body, UTF-8 plain text; it arrives ending in a line end
}

// Sender delivers a message, or says why not; Permanent tells whether
// trying the same message again can help.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalid is the cause of a message that cannot be sent as it is (a
// recipient that is not an address, a subject on two lines, text that is
// not UTF-8). Such a failure is permanent.
var ErrInvalid = errors.New("mail: invalid message")

// check says what makes m unfit to send, wrapping ErrInvalid, or nil.
func check(m Message) error {
	if _, err := netmail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("%w: recipient %q is not an e-mail address", ErrInvalid, m.To)
	}
	if en, _ := services.TextProblem(m.Subject); en != "" {
		return fmt.Errorf("%w: subject %s", ErrInvalid, en)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: subject has a line break", ErrInvalid)
	}
	if en, _ := services.TextProblem(m.Text); en != "" {
		return fmt.Errorf("%w: text %s", ErrInvalid, en)
	}
	return nil
}

// failure is an error from Send, marked permanent or temporary.
type failure struct {
	permanent bool
	err       error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// Permanent reports whether err says that sending the same message again
// cannot succeed, so a queue should give up on it rather than retry:
//
//   - the message is invalid (ErrInvalid);
//   - the server refused this message or its recipient with a 5xx reply
//     (to RCPT TO, DATA, or the end of the data).
//
// Everything else is temporary: a 4xx reply, a refused or broken
// connection, a timeout, a cancelled context, and also a failure to set up
// the session (greeting, EHLO, STARTTLS, a certificate that does not
// verify, AUTH, or the server refusing MAIL FROM), whatever its code,
// because those are about the sender's configuration, not the message:
// retried later, after the operator has fixed the password or the
// CAMPUS_MAIL_FROM address, the message still goes.
func Permanent(err error) bool {
	if errors.Is(err, ErrInvalid) {
		return true
	}
	var f *failure
	return errors.As(err, &f) && f.permanent
}
