package mail

import (
	"context"
	"log/slog"
)

// LogSender is the Sender where no SMTP server is configured: it writes
// each message (recipient, subject and text) to the log at info level,
// for development and for sites without a mail server. It refuses what
// SMTP would refuse as invalid, so mistakes show before production.
type LogSender struct{ Log *slog.Logger }

var _ Sender = LogSender{}

// Send logs m.
func (l LogSender) Send(ctx context.Context, m Message) error {
	if err := check(m); err != nil {
		return err
	}
	lg := l.Log
	if lg == nil {
		lg = slog.Default()
	}
	lg.InfoContext(ctx, "mail", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}
