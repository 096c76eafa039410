package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// Auth runs the contract of auth.Store on stores made by newStore, one per
// subtest (newStore may hand out the same database each time).
func Auth(t *testing.T, newStore func(t *testing.T) auth.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s auth.Store)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"UnknownEmail", testUnknownEmail},
		{"Conflict", testConflict},
		{"ConcurrentCreate", testConcurrentCreate},
		{"List", testList},
		{"Disable", testDisable},
		{"Sessions", testSessions},
		{"SessionExpiry", testSessionExpiry},
		{"SessionOfDisabled", testSessionOfDisabled},
		{"SessionUnknownUser", testSessionUnknownUser},
		{"SessionConflict", testSessionConflict},
		{"FamilyApply", testFamilyApply},
		{"FamilyDecide", testFamilyDecide},
		{"FamilyEndsWithSponsor", testFamilyEndsWithSponsor},
		{"FamilyPendingConflict", testFamilyPendingConflict},
		{"FamilyPendingConcurrent", testFamilyPendingConcurrent},
		{"FamilyAccountConflict", testFamilyAccountConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// created is the creation time the suite gives accounts: nanoseconds on
// purpose, which stores may drop below the microsecond.
var created = time.Date(2025, 9, 1, 8, 30, 15, 123456789, time.UTC)

// tokenHash returns a fresh token hash, as auth makes them.
func tokenHash() string {
	h := sha256.Sum256([]byte(unique("token")))
	return hex.EncodeToString(h[:])
}

// mustCreate stores an account or stops the test.
func mustCreate(t *testing.T, s auth.Store, name string, role auth.Role) auth.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), auth.User{Email: email(name), Role: role, Created: created}, "$argon2id$hash-of-"+name)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// sameUser reports how got differs from want ("" when it does not).
func sameUser(got, want auth.User) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("id %d, want %d", got.ID, want.ID)
	case got.Email != want.Email:
		return fmt.Sprintf("email %q, want %q", got.Email, want.Email)
	case got.Role != want.Role:
		return fmt.Sprintf("role %q, want %q", got.Role, want.Role)
	case got.Disabled != want.Disabled:
		return fmt.Sprintf("disabled %v, want %v", got.Disabled, want.Disabled)
	case !sameTime(got.Created, want.Created):
		return fmt.Sprintf("created %v, want %v", got.Created, want.Created)
	}
	return ""
}

func testCreateAndFind(t *testing.T, s auth.Store) {
	ctx := t.Context()
	want := auth.User{Email: email("ada"), Role: auth.Staff, Created: created}
	u, err := s.CreateUser(ctx, want, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5")
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.ID <= 0 {
		t.Fatalf("CreateUser gave id %d, want a positive id", u.ID)
	}
	want.ID = u.ID
	if d := sameUser(u, want); d != "" {
		t.Errorf("CreateUser returned %s", d)
	}
	got, hash, err := s.UserByEmail(ctx, want.Email)
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	if d := sameUser(got, want); d != "" {
		t.Errorf("UserByEmail returned %s", d)
	}
	if hash != "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5" {
		t.Errorf("UserByEmail returned hash %q", hash)
	}
	other := mustCreate(t, s, "grace", auth.Student)
	if other.ID == u.ID {
		t.Errorf("two accounts share id %d", u.ID)
	}

	// A zero creation time is filled in with the present.
	before := time.Now().Add(-time.Second)
	z, err := s.CreateUser(ctx, auth.User{Email: email("zero"), Role: auth.Visitor}, "h")
	if err != nil {
		t.Fatalf("CreateUser without a time: %v", err)
	}
	if z.Created.Before(before) || z.Created.After(time.Now().Add(time.Second)) {
		t.Errorf("CreateUser without a time set created %v, want about now", z.Created)
	}
}

func testUnknownEmail(t *testing.T, s auth.Store) {
	mustCreate(t, s, "known", auth.Staff)
	if _, _, err := s.UserByEmail(t.Context(), email("nobody")); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("UserByEmail of an unknown email: %v, want ErrNotFound", err)
	}
}

func testConflict(t *testing.T, s auth.Store) {
	u := mustCreate(t, s, "dup", auth.Staff)
	_, err := s.CreateUser(t.Context(), auth.User{Email: u.Email, Role: auth.Admin, Created: created}, "other")
	if !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("CreateUser of a taken email: %v, want ErrConflict", err)
	}
	got, hash, err := s.UserByEmail(t.Context(), u.Email)
	if err != nil || got.Role != auth.Staff || hash == "other" {
		t.Errorf("the first account changed: %+v %q %v", got, hash, err)
	}
}

// testConcurrentCreate creates accounts from many goroutines at once:
// distinct emails all succeed, one email succeeds exactly once.
func testConcurrentCreate(t *testing.T, s auth.Store) {
	ctx := t.Context()
	const n = 8
	shared := email("shared")
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.CreateUser(ctx, auth.User{Email: email(fmt.Sprint("many", i)), Role: auth.Student, Created: created}, "h")
		})
		wg.Go(func() {
			_, errs[n+i] = s.CreateUser(ctx, auth.User{Email: shared, Role: auth.Student, Created: created}, "h")
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case i < n && err != nil:
			t.Errorf("CreateUser of a distinct email, concurrently: %v", err)
		case i >= n && err == nil:
			won++
		case i >= n && !errors.Is(err, auth.ErrConflict):
			t.Errorf("CreateUser of one email, concurrently: %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent CreateUser of one email succeeded, want 1", won)
	}
}

func testList(t *testing.T, s auth.Store) {
	ctx := t.Context()
	c := mustCreate(t, s, "carol", auth.Family)
	a := mustCreate(t, s, "alice", auth.Staff)
	b := mustCreate(t, s, "bob", auth.Tourist)
	if err := s.SetDisabled(ctx, b.Email, true); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	b.Disabled = true
	us, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var mine []auth.User
	for i, u := range us {
		if i > 0 && us[i-1].Email >= u.Email {
			t.Errorf("ListUsers not by email: %q before %q", us[i-1].Email, u.Email)
		}
		if u.ID == a.ID || u.ID == b.ID || u.ID == c.ID {
			mine = append(mine, u)
		}
	}
	want := []auth.User{a, b, c}
	if len(mine) != len(want) {
		t.Fatalf("ListUsers gave %d of the 3 accounts made: %+v", len(mine), mine)
	}
	for i := range want {
		if d := sameUser(mine[i], want[i]); d != "" {
			t.Errorf("ListUsers[%s]: %s", want[i].Email, d)
		}
	}
}

func testDisable(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreate(t, s, "dora", auth.Student)
	if err := s.SetDisabled(ctx, u.Email, true); err != nil {
		t.Fatalf("SetDisabled(true): %v", err)
	}
	if got, _, _ := s.UserByEmail(ctx, u.Email); !got.Disabled {
		t.Errorf("account not disabled after SetDisabled(true)")
	}
	if err := s.SetDisabled(ctx, u.Email, true); err != nil {
		t.Errorf("SetDisabled(true) twice: %v", err)
	}
	if err := s.SetDisabled(ctx, u.Email, false); err != nil {
		t.Fatalf("SetDisabled(false): %v", err)
	}
	if got, _, _ := s.UserByEmail(ctx, u.Email); got.Disabled {
		t.Errorf("account still disabled after SetDisabled(false)")
	}
	if err := s.SetDisabled(ctx, email("nobody"), true); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("SetDisabled of an unknown email: %v, want ErrNotFound", err)
	}
}

func testSessions(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreate(t, s, "sam", auth.Visitor)
	now := time.Now()
	h1, h2 := tokenHash(), tokenHash()
	for _, h := range []string{h1, h2} {
		if err := s.CreateSession(ctx, h, u.ID, now.Add(time.Hour)); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	got, _, err := s.SessionUser(ctx, h1, now)
	if err != nil {
		t.Fatalf("SessionUser: %v", err)
	}
	if d := sameUser(got, u); d != "" {
		t.Errorf("SessionUser returned %s", d)
	}
	if _, _, err := s.SessionUser(ctx, tokenHash(), now); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("SessionUser of an unknown token: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, h1); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, h1, now); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("SessionUser after DeleteSession: %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionUser(ctx, h2, now); err != nil {
		t.Errorf("DeleteSession ended another session too: %v", err)
	}
	if err := s.DeleteSession(ctx, h1); err != nil {
		t.Errorf("DeleteSession of no session: %v, want nil", err)
	}
}

func testSessionExpiry(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreate(t, s, "eve", auth.Staff)
	expires := time.Date(2031, 1, 2, 3, 4, 5, 6000, time.UTC)
	h := tokenHash()
	if err := s.CreateSession(ctx, h, u.ID, expires); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	for _, c := range []struct {
		now   time.Time
		valid bool
	}{
		{expires.Add(-time.Hour), true},
		{expires.Add(-time.Microsecond), true},
		{expires, false},
		{expires.Add(time.Microsecond), false},
		{expires.Add(24 * time.Hour), false},
	} {
		_, got, err := s.SessionUser(ctx, h, c.now)
		switch {
		case c.valid && err != nil:
			t.Errorf("SessionUser %v before expiry: %v", expires.Sub(c.now), err)
		case c.valid && (!got.Equal(expires) || got.Location() != time.UTC):
			t.Errorf("SessionUser says the session expires %v, want %v (UTC)", got, expires)
		case !c.valid && !errors.Is(err, auth.ErrNotFound):
			t.Errorf("SessionUser %v after expiry: %v, want ErrNotFound", c.now.Sub(expires), err)
		}
	}
}

func testSessionOfDisabled(t *testing.T, s auth.Store) {
	ctx := t.Context()
	u := mustCreate(t, s, "dan", auth.Student)
	other := mustCreate(t, s, "olga", auth.Student)
	now := time.Now()
	h, ho := tokenHash(), tokenHash()
	if err := s.CreateSession(ctx, h, u.ID, now.Add(time.Hour)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.CreateSession(ctx, ho, other.ID, now.Add(time.Hour)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.SetDisabled(ctx, u.Email, true); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	if err := s.SetDisabled(ctx, u.Email, false); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, h, now); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("a session outlived disabling its account: %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionUser(ctx, ho, now); err != nil {
		t.Errorf("disabling one account ended another's session: %v", err)
	}
}

func testSessionUnknownUser(t *testing.T, s auth.Store) {
	u := mustCreate(t, s, "real", auth.Staff)
	err := s.CreateSession(t.Context(), tokenHash(), u.ID+1_000_000, time.Now().Add(time.Hour))
	if !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("CreateSession for no account: %v, want ErrNotFound", err)
	}
}

func testSessionConflict(t *testing.T, s auth.Store) {
	u := mustCreate(t, s, "twice", auth.Staff)
	ctx := t.Context()
	h := tokenHash()
	if err := s.CreateSession(ctx, h, u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.CreateSession(ctx, h, u.ID, time.Now().Add(time.Hour)); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("CreateSession of a stored token hash: %v, want ErrConflict", err)
	}
}
