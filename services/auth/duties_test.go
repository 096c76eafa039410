package auth_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

func TestParseDuty(t *testing.T) {
	for _, d := range auth.Duties {
		if got, err := auth.ParseDuty(" " + string(d) + " "); err != nil || got != d {
			t.Errorf("ParseDuty(%s): %v %v", d, got, err)
		}
	}
	if got, err := auth.ParseDuty("Finance"); err != nil || got != auth.Finance {
		t.Errorf("ParseDuty(Finance): %v %v", got, err)
	}
	_, err := auth.ParseDuty("janitor")
	var fe *auth.FieldError
	if !errors.As(err, &fe) || fe.Field != "duty" ||
		fe.Reason != `"janitor" is not a duty (want desk, security, lab, counsellor, sports or finance)` ||
		fe.ReasonZH != `"janitor" 不是职责（应为 desk、security、lab、counsellor、sports 或 finance）` {
		t.Errorf("ParseDuty(janitor): %#v", err)
	}
}

func TestDutySet(t *testing.T) {
	s := auth.DutySetOf("lab,desk,janitor,,finance")
	if got := s.List(); !slices.Equal(got, []auth.Duty{auth.Desk, auth.Lab, auth.Finance}) {
		t.Errorf("List %v", got)
	}
	if !s.Has(auth.Lab) || s.Has(auth.Security) || s.Has("janitor") {
		t.Errorf("Has: %b", s)
	}
	if got := auth.DutySet(0).List(); got == nil || len(got) != 0 {
		t.Errorf("the empty set lists %#v, want []", got)
	}
	staff := auth.User{Role: auth.Staff, Duties: s}
	admin := auth.User{Role: auth.Admin}
	for _, d := range auth.Duties {
		if !admin.Has(d) {
			t.Errorf("an admin lacks %s", d)
		}
		if staff.Has(d) != s.Has(d) {
			t.Errorf("staff Has(%s) = %v", d, staff.Has(d))
		}
	}
	if admin.Has("janitor") {
		t.Error("an admin holds a duty that is none")
	}
	if got := admin.HeldDuties(); !slices.Equal(got, auth.Duties) {
		t.Errorf("an admin holds %v", got)
	}
	if got := staff.HeldDuties(); !slices.Equal(got, s.List()) {
		t.Errorf("staff holds %v", got)
	}
}

// TestSetDuty: admins and the command line grant and revoke; each change
// is recorded once; a session sees it at once.
func TestSetDuty(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	admin := f.add(t, "root@example.edu", "correct horse", auth.Admin)
	guard := f.add(t, "guard@example.edu", "correct horse", auth.Staff)
	sess, err := f.svc.Login(ctx, "guard@example.edu", "correct horse", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := f.svc.Authenticate(ctx, sess.Token); u.Has(auth.Security) {
		t.Fatal("a duty before it was granted")
	}
	if changed, err := f.svc.SetDuty(ctx, admin, "Guard@example.edu", auth.Security, true); err != nil || !changed {
		t.Fatalf("grant: %v %v", changed, err)
	}
	if u, _ := f.svc.Authenticate(ctx, sess.Token); !u.Has(auth.Security) || u.Has(auth.Desk) {
		t.Errorf("the session after the grant: %+v", u)
	}
	if changed, err := f.svc.SetDuty(ctx, admin, "guard@example.edu", auth.Security, true); err != nil || changed {
		t.Errorf("granting again: %v %v, want no change", changed, err)
	}
	if changed, err := f.svc.SetDuty(ctx, auth.User{}, "guard@example.edu", auth.Security, false); err != nil || !changed {
		t.Fatalf("revoke from the command line: %v %v", changed, err)
	}
	if u, _ := f.svc.Authenticate(ctx, sess.Token); u.Has(auth.Security) {
		t.Errorf("the session after the revoke: %+v", u)
	}
	g := only(t, f.store, audit.DutyGranted)
	r := only(t, f.store, audit.DutyRevoked)
	if g.Actor != admin.ID || g.Subject != "guard@example.edu" || g.Decision != audit.Grant || g.Reason != "by an admin" {
		t.Errorf("grant entry: %+v", g)
	}
	if r.Actor != 0 || r.Decision != audit.Revoke || r.Reason != "from the command line" {
		t.Errorf("revoke entry: %+v", r)
	}

	if _, err := f.svc.SetDuty(ctx, guard, "guard@example.edu", auth.Desk, true); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("staff granting: %v, want ErrForbidden", err)
	}
	var fe *auth.FieldError
	if _, err := f.svc.SetDuty(ctx, admin, "guard@example.edu", "janitor", true); !errors.As(err, &fe) || fe.Field != "duty" {
		t.Errorf("an unknown duty: %v", err)
	}
	if _, err := f.svc.SetDuty(ctx, admin, "nobody@example.edu", auth.Desk, true); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("no such account: %v", err)
	}
}
