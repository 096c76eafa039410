package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/campusnav/engine/services/mail"
)

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := mail.LogSender{Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	m := mail.Message{To: "王小明 <xiaoming@campus.example>", Subject: "Booking confirmed 预订已确认", Text: bilingual}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var rec struct{ Level, Msg, To, Subject, Text string }
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	if rec.Level != "INFO" || rec.Msg != "mail" || rec.To != m.To || rec.Subject != m.Subject || rec.Text != m.Text {
		t.Errorf("logged %+v, want the message at info level", rec)
	}

	buf.Reset()
	err := s.Send(context.Background(), mail.Message{To: "nobody", Subject: "x", Text: "x"})
	if !errors.Is(err, mail.ErrInvalid) || !mail.Permanent(err) || buf.Len() != 0 {
		t.Errorf("LogSender sent to a bad address: %v, logged %q; want a permanent ErrInvalid and no log", err, buf.String())
	}
}
