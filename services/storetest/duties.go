package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// Duties runs the contract of auth.Store's duties on stores made by
// newStore, one per subtest.
func Duties(t *testing.T, newStore func(t *testing.T) auth.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s auth.Store)
	}{
		{"GrantRevoke", testGrantRevoke},
		{"Carried", testDutiesCarried},
		{"UnknownAccount", testDutyUnknownAccount},
		{"ConcurrentGrant", testConcurrentGrant},
		{"ConcurrentDuties", testConcurrentDuties},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// setDuty changes a duty or stops the test, and returns whether it
// changed anything.
func setDuty(t *testing.T, s auth.Store, email string, d auth.Duty, grant bool) bool {
	t.Helper()
	changed, err := s.SetDuty(t.Context(), auth.DutyChange{Email: email, Duty: d, Grant: grant, At: time.Now(), Reason: "conformance"})
	if err != nil {
		t.Fatalf("SetDuty(%s, %s, %v): %v", email, d, grant, err)
	}
	return changed
}

// dutiesOf reads the duties of an account by email.
func dutiesOf(t *testing.T, s auth.Store, email string) []auth.Duty {
	t.Helper()
	u, _, err := s.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	return u.Duties.List()
}

func testGrantRevoke(t *testing.T, s auth.Store) {
	u := mustCreate(t, s, "guard", auth.Staff)
	other := mustCreate(t, s, "other", auth.Staff)
	if got := dutiesOf(t, s, u.Email); len(got) != 0 {
		t.Fatalf("a new account holds %v", got)
	}
	if !setDuty(t, s, u.Email, auth.Security, true) || !setDuty(t, s, u.Email, auth.Desk, true) {
		t.Fatal("granting reported no change")
	}
	if setDuty(t, s, u.Email, auth.Security, true) {
		t.Error("granting a duty held reported a change")
	}
	if got := dutiesOf(t, s, u.Email); !slices.Equal(got, []auth.Duty{auth.Desk, auth.Security}) {
		t.Errorf("duties %v, want desk and security", got)
	}
	if got := dutiesOf(t, s, other.Email); len(got) != 0 {
		t.Errorf("another account holds %v", got)
	}
	if !setDuty(t, s, u.Email, auth.Desk, false) {
		t.Error("revoking reported no change")
	}
	if setDuty(t, s, u.Email, auth.Desk, false) || setDuty(t, s, u.Email, auth.Finance, false) {
		t.Error("revoking a duty not held reported a change")
	}
	if got := dutiesOf(t, s, u.Email); !slices.Equal(got, []auth.Duty{auth.Security}) {
		t.Errorf("duties %v, want security", got)
	}
}

// testDutiesCarried: every way of reading an account carries its
// duties, the session lookup above all.
func testDutiesCarried(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreate(t, s, "lab-tech", auth.Staff)
	for _, d := range auth.Duties {
		setDuty(t, s, u.Email, d, true)
	}
	setDuty(t, s, u.Email, auth.Counsellor, false)
	want := []auth.Duty{auth.Desk, auth.Security, auth.Lab, auth.Sports, auth.Finance}
	h := tokenHash()
	if err := s.CreateSession(ctx, h, u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.SessionUser(ctx, h, time.Now())
	if err != nil || !slices.Equal(got.Duties.List(), want) {
		t.Errorf("SessionUser: %v %v, want %v", got.Duties.List(), err, want)
	}
	us, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range us {
		if x.ID == u.ID && !slices.Equal(x.Duties.List(), want) {
			t.Errorf("ListUsers: %v, want %v", x.Duties.List(), want)
		}
	}
}

func testDutyUnknownAccount(t *testing.T, s auth.Store) {
	_, err := s.SetDuty(t.Context(), auth.DutyChange{Email: email("nobody"), Duty: auth.Lab, Grant: true, At: time.Now()})
	if !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("granting to no account: %v, want ErrNotFound", err)
	}
}

// testConcurrentGrant: of grants of one duty at once, one changes it.
func testConcurrentGrant(t *testing.T, s auth.Store) {
	u := mustCreate(t, s, "racer", auth.Staff)
	var mu sync.Mutex
	changed := 0
	race(t, "SetDuty", 16, nil, func(int) error {
		c, err := s.SetDuty(t.Context(), auth.DutyChange{Email: u.Email, Duty: auth.Sports, Grant: true, At: time.Now()})
		if c {
			mu.Lock()
			changed++
			mu.Unlock()
		}
		return err
	})
	if changed != 1 {
		t.Errorf("%d of 16 grants at once changed the duty, want 1", changed)
	}
}

// testConcurrentDuties: every duty granted at once to one account, then
// all revoked at once but one: none is lost, none left over.
func testConcurrentDuties(t *testing.T, s auth.Store) {
	u := mustCreate(t, s, "busy", auth.Staff)
	set := func(grant bool, ds []auth.Duty) {
		race(t, "SetDuty", len(ds), nil, func(i int) error {
			_, err := s.SetDuty(t.Context(), auth.DutyChange{Email: u.Email, Duty: ds[i], Grant: grant, At: time.Now()})
			return err
		})
	}
	set(true, auth.Duties)
	if got := dutiesOf(t, s, u.Email); !slices.Equal(got, auth.Duties) {
		t.Errorf("after granting every duty at once: %v", got)
	}
	set(false, auth.Duties[1:])
	if got := dutiesOf(t, s, u.Email); !slices.Equal(got, auth.Duties[:1]) {
		t.Errorf("after revoking all but %s at once: %v", auth.Duties[0], got)
	}
}
