package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// only returns the one entry of kind, or fails the test.
func only(t *testing.T, s *memStore, kind string) audit.Entry {
	t.Helper()
	es := s.entries(kind)
	if len(es) != 1 {
		t.Fatalf("%d %s entries, want 1: %+v", len(es), kind, es)
	}
	return es[0]
}

// TestSignInsRecorded: each password sign-in, and each refusal that
// names someone, is one entry saying who, from where, how and why;
// attempts over the limit are not recorded.
func TestSignInsRecorded(t *testing.T) {
	f := newFixture(t, auth.Options{AccountLimit: auth.Limit{N: 3, Per: 60e9}})
	ctx := t.Context()
	u := f.add(t, "ada@example.edu", "correct horse", auth.Staff)

	if _, err := f.svc.Login(ctx, " Ada@Example.edu", "correct horse", "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	e := only(t, f.store, audit.SignIn)
	if e.Actor != u.ID || e.Subject != "ada@example.edu" || e.Place != "192.0.2.7" || e.Decision != audit.Allow ||
		string(e.Detail) != `{"method":"password"}` || !e.At.Equal(f.clock.now()) {
		t.Errorf("sign-in entry: %+v", e)
	}

	for _, tc := range []struct {
		email, password string
		actor           int64
		subject, reason string
	}{
		{"ada@example.edu", "wrong horse", u.ID, "ada@example.edu", "wrong password"},
		{"nobody@example.edu", "whatever", 0, "nobody@example.edu", "no such account"},
		{strings.Repeat("x", 400) + "@example.edu", "whatever", 0, strings.Repeat("x", audit.MaxText), "no such account"},
		{"ada@example.edu", strings.Repeat("p", 5000), 0, "ada@example.edu", "a password far too long"},
	} {
		before := len(f.store.entries(audit.SignInFailed))
		if _, err := f.svc.Login(ctx, tc.email, tc.password, "192.0.2.8"); !errors.Is(err, auth.ErrCredentials) {
			t.Fatalf("%s: %v, want ErrCredentials", tc.reason, err)
		}
		es := f.store.entries(audit.SignInFailed)
		if len(es) != before+1 {
			t.Fatalf("%s: %d refusals recorded, want %d", tc.reason, len(es), before+1)
		}
		e := es[len(es)-1]
		if e.Actor != tc.actor || e.Subject != tc.subject || e.Reason != tc.reason || e.Decision != audit.Deny || e.Place != "192.0.2.8" {
			t.Errorf("%s: %+v", tc.reason, e)
		}
	}

	// Over the account's limit: refused, not recorded.
	for i := 0; ; i++ {
		_, err := f.svc.Login(ctx, "ada@example.edu", "wrong horse", "192.0.2.9")
		if errors.Is(err, auth.ErrRateLimited) {
			break
		}
		if i > 3 {
			t.Fatalf("no limit after %d wrong passwords", i)
		}
	}
	before := len(f.store.entries(audit.SignInFailed))
	for range 5 {
		f.svc.Login(ctx, "ada@example.edu", "wrong horse", "192.0.2.9")
	}
	if n := len(f.store.entries(audit.SignInFailed)) - before; n != 0 {
		t.Errorf("%d refusals over the limit recorded", n)
	}

	if err := f.svc.Disable(ctx, "ada@example.edu"); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(2 * 60e9)
	f.svc.Login(ctx, "ada@example.edu", "correct horse", "192.0.2.7")
	es := f.store.entries(audit.SignInFailed)
	if e := es[len(es)-1]; e.Reason != "the account is disabled" || e.Actor != u.ID {
		t.Errorf("disabled: %+v", e)
	}
}

func TestPhoneSignInRecorded(t *testing.T) {
	sms := &testSender{}
	f := newFixture(t, auth.Options{SMS: sms})
	ctx := t.Context()
	phone, _, err := f.svc.StartPhone(ctx, "13800000001", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyPhone(ctx, phone, wrong(sms.last(phone)), "192.0.2.1"); !errors.Is(err, auth.ErrCode) {
		t.Fatal(err)
	}
	if e := only(t, f.store, audit.SignInFailed); e.Subject != "tel:"+phone || e.Reason != "wrong, expired or used code" || string(e.Detail) != `{"method":"phone"}` {
		t.Errorf("wrong code: %+v", e)
	}
	sess, err := f.svc.VerifyPhone(ctx, phone, sms.last(phone), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if e := only(t, f.store, audit.SignIn); e.Subject != "tel:"+phone || e.Actor != sess.User.ID || e.Place != "192.0.2.1" {
		t.Errorf("sign-in: %+v", e)
	}
}

// failingLog is a store whose audit log refuses appends.
type failingLog struct{ *memStore }

var errLogDown = errors.New("the audit log is down")

func (failingLog) Append(context.Context, audit.Entry) (audit.Entry, error) {
	return audit.Entry{}, errLogDown
}

// TestUnrecordedSignInFails: a sign-in whose record fails is no sign-in
// (its session ends), and a refusal that cannot be recorded is an
// error, not a quiet refusal.
func TestUnrecordedSignInFails(t *testing.T) {
	f := newFixture(t, auth.Options{})
	f.add(t, "ada@example.edu", "correct horse", auth.Staff)
	svc := auth.New(failingLog{f.store}, auth.Options{Params: cheap, Now: f.clock.now})
	if _, err := svc.Login(t.Context(), "ada@example.edu", "correct horse", "192.0.2.1"); !errors.Is(err, errLogDown) {
		t.Fatalf("sign-in with the log down: %v", err)
	}
	if n := f.store.sessionCount(); n != 0 {
		t.Errorf("%d sessions kept of a sign-in not recorded", n)
	}
	_, err := svc.Login(t.Context(), "ada@example.edu", "wrong horse", "192.0.2.1")
	if !errors.Is(err, errLogDown) || errors.Is(err, auth.ErrCredentials) {
		t.Errorf("a refusal with the log down: %v", err)
	}
}

func TestFamilyDecisionRecorded(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	staff := f.add(t, "sam@example.edu", "correct horse", auth.Staff)
	admin := f.add(t, "root@example.edu", "correct horse", auth.Admin)
	a, err := f.svc.ApplyFamily(ctx, staff, "13800000002", "Mei")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DecideFamily(ctx, admin, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if e := only(t, f.store, audit.FamilyDecided); e.Actor != admin.ID || e.Decision != audit.Reject || e.Subject != "tel:+8613800000002" {
		t.Errorf("decision: %+v", e)
	}
}
