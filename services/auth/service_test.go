package auth_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// cheap are argon2id parameters that keep tests fast.
var cheap = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Service over a memStore (its sign-in state in SQLite), on
// a settable clock.
type fixture struct {
	svc   *auth.Service
	store *memStore
	clock *clock
}

func newFixture(t *testing.T, opts auth.Options) fixture {
	t.Helper()
	f := fixture{store: newMemStore(t), clock: &clock{t: time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)}}
	if opts.Params == (auth.Params{}) {
		opts.Params = cheap
	}
	opts.Now = f.clock.now
	f.svc = auth.New(f.store, opts)
	return f
}

// add makes an account or stops the test.
func (f fixture) add(t *testing.T, email, password string, role auth.Role) auth.User {
	t.Helper()
	u, err := f.svc.AddUser(t.Context(), email, password, role)
	if err != nil {
		t.Fatalf("AddUser(%s): %v", email, err)
	}
	return u
}

func TestAddUserValidation(t *testing.T) {
	f := newFixture(t, auth.Options{})
	cases := []struct {
		email, password string
		role            auth.Role
		field           string
	}{
		{"", "long enough", auth.Staff, "email"},
		{"not-an-email", "long enough", auth.Staff, "email"},
		{"Ada <ada@example.edu>", "long enough", auth.Staff, "email"},
		{"two@at@example.edu", "long enough", auth.Staff, "email"},
		{"spa ce@example.edu", "long enough", auth.Staff, "email"},
		{strings.Repeat("a", 250) + "@example.edu", "long enough", auth.Staff, "email"},
		{"ada@example.edu", "short", auth.Staff, "password"},
		{"ada@example.edu", "七个字符七个字", auth.Staff, "password"},
		{"ada@example.edu", "", auth.Staff, "password"},
		{"ada@example.edu", "long enough", "dean", "role"},
		{"ada@example.edu", "long enough", "", "role"},
		{"ada@example.edu", "long enough", "Staff", "role"},
	}
	for _, c := range cases {
		_, err := f.svc.AddUser(t.Context(), c.email, c.password, c.role)
		var fe *auth.FieldError
		if !errors.Is(err, auth.ErrInvalid) || !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("AddUser(%q, %q, %q) = %v, want ErrInvalid naming %s", c.email, c.password, c.role, err, c.field)
		}
	}
	if us, _ := f.svc.Users(t.Context()); len(us) != 0 {
		t.Errorf("invalid accounts were stored: %+v", us)
	}
	// Eight characters, counted as characters, is enough.
	f.add(t, "zh@example.edu", "八个字符八个字符", auth.Student)
}

func TestAddUser(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	u := f.add(t, "  Ada.Lovelace@Example.EDU ", "correct horse", auth.Admin)
	if u.Email != "ada.lovelace@example.edu" || u.Role != auth.Admin || u.ID == 0 || !u.Created.Equal(f.clock.now()) {
		t.Errorf("AddUser returned %+v", u)
	}
	_, hash, err := f.store.UserByEmail(ctx, "ada.lovelace@example.edu")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(hash, "correct horse") {
		t.Errorf("stored hash %q is not an argon2id PHC string of the options' parameters", hash)
	}
	if _, err := f.svc.AddUser(ctx, "ADA.LOVELACE@example.edu", "another one", auth.Staff); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("AddUser of a taken email in other case: %v, want ErrConflict", err)
	}
	// Two accounts with one password have different hashes (salted).
	f.add(t, "twin@example.edu", "correct horse", auth.Staff)
	_, hash2, _ := f.store.UserByEmail(ctx, "twin@example.edu")
	if hash2 == hash {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestDefaultParams(t *testing.T) {
	s := newMemStore(t)
	svc := auth.New(s, auth.Options{})
	if _, err := svc.AddUser(t.Context(), "a@example.edu", "password1", auth.Staff); err != nil {
		t.Fatal(err)
	}
	_, hash, _ := s.UserByEmail(t.Context(), "a@example.edu")
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("default hash %q, want OWASP's m=19456,t=2,p=1", hash)
	}
	sess, err := svc.Login(t.Context(), "a@example.edu", "password1", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(sess.Expires); d < 30*24*time.Hour-time.Minute || d > 30*24*time.Hour {
		t.Errorf("default session lasts %v, want 30 days", d)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t, auth.Options{SessionTTL: 12 * time.Hour})
	ctx := t.Context()
	u := f.add(t, "sam@example.edu", "correct horse", auth.Student)
	sess, err := f.svc.Login(ctx, " SAM@example.edu", "correct horse", "192.0.2.1:5555")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(sess.Token); err != nil || len(raw) != 32 {
		t.Errorf("token %q is not 32 bytes of base64url (%v)", sess.Token, err)
	}
	if sess.User.ID != u.ID || sess.User.Role != auth.Student || !sess.Expires.Equal(f.clock.now().Add(12*time.Hour)) {
		t.Errorf("session %+v", sess)
	}
	// The store keeps the token's SHA-256, not the token.
	if !f.store.hasSession(auth.HashToken(sess.Token)) || f.store.hasSession(sess.Token) {
		t.Error("the store does not key the session by the token's hash")
	}
	if h := auth.HashToken(sess.Token); len(h) != 64 || strings.ToLower(h) != h {
		t.Errorf("HashToken = %q, want 64 lower-case hex digits", h)
	}
	got, err := f.svc.Authenticate(ctx, sess.Token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate: %+v, %v", got, err)
	}
	// A second sign-in is a second session.
	again, err := f.svc.Login(ctx, "sam@example.edu", "correct horse", "192.0.2.1")
	if err != nil || again.Token == sess.Token || f.store.sessionCount() != 2 {
		t.Errorf("second Login: %v, same token %v, %d sessions", err, again.Token == sess.Token, f.store.sessionCount())
	}
}

func TestLoginFailures(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	f.add(t, "ok@example.edu", "correct horse", auth.Staff)
	f.add(t, "off@example.edu", "correct horse", auth.Staff)
	if err := f.svc.Disable(ctx, "off@example.edu"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, email, password string }{
		{"wrong password", "ok@example.edu", "battery staple"},
		{"unknown email", "nobody@example.edu", "correct horse"},
		{"malformed email", "nobody", "correct horse"},
		{"empty", "", ""},
		{"disabled", "off@example.edu", "correct horse"},
		{"huge password", "ok@example.edu", strings.Repeat("x", 1<<20)},
	} {
		if _, err := f.svc.Login(ctx, c.email, c.password, "192.0.2.7"); err != auth.ErrCredentials {
			t.Errorf("%s: Login = %v, want ErrCredentials", c.name, err)
		}
	}
	if n := f.store.sessionCount(); n != 0 {
		t.Errorf("%d sessions after failed logins", n)
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t, auth.Options{SessionTTL: time.Hour})
	ctx := t.Context()
	f.add(t, "eve@example.edu", "correct horse", auth.Staff)
	sess, err := f.svc.Login(ctx, "eve@example.edu", "correct horse", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.advance(time.Hour - time.Second)
	if _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
		t.Errorf("Authenticate a second before expiry: %v", err)
	}
	f.clock.advance(time.Second)
	if _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("Authenticate at expiry: %v, want ErrUnauthorized", err)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	f.add(t, "lou@example.edu", "correct horse", auth.Staff)
	a, _ := f.svc.Login(ctx, "lou@example.edu", "correct horse", "192.0.2.1")
	b, _ := f.svc.Login(ctx, "lou@example.edu", "correct horse", "192.0.2.1")
	if err := f.svc.Logout(ctx, a.Token); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, a.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("Authenticate after Logout: %v, want ErrUnauthorized", err)
	}
	if _, err := f.svc.Authenticate(ctx, b.Token); err != nil {
		t.Errorf("Logout ended the other session: %v", err)
	}
	for _, tok := range []string{a.Token, "", "garbage"} {
		if err := f.svc.Logout(ctx, tok); err != nil {
			t.Errorf("Logout(%q) of no session: %v, want nil", tok, err)
		}
	}
}

func TestAuthenticateBadTokens(t *testing.T) {
	f := newFixture(t, auth.Options{})
	unknown := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	for _, tok := range []string{"", "x", "not base64 !!", unknown, unknown + "A", strings.Repeat("A", 10000)} {
		if _, err := f.svc.Authenticate(t.Context(), tok); !errors.Is(err, auth.ErrUnauthorized) {
			t.Errorf("Authenticate(%.20q): %v, want ErrUnauthorized", tok, err)
		}
	}
}

func TestDisable(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	f.add(t, "dora@example.edu", "correct horse", auth.Family)
	sess, _ := f.svc.Login(ctx, "dora@example.edu", "correct horse", "192.0.2.1")
	if err := f.svc.Disable(ctx, " Dora@Example.edu"); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("Authenticate of a disabled account: %v, want ErrUnauthorized", err)
	}
	if _, err := f.svc.Login(ctx, "dora@example.edu", "correct horse", "192.0.2.1"); err != auth.ErrCredentials {
		t.Errorf("Login of a disabled account: %v, want ErrCredentials", err)
	}
	us, _ := f.svc.Users(ctx)
	if len(us) != 1 || !us[0].Disabled {
		t.Errorf("Users: %+v", us)
	}
	if err := f.svc.Disable(ctx, "nobody@example.edu"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Disable of no account: %v, want ErrNotFound", err)
	}
}

// TestAuthenticateDisabledSession covers a store whose sessions outlive
// disabling: the service still refuses them.
func TestAuthenticateDisabledSession(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	f.add(t, "kim@example.edu", "correct horse", auth.Staff)
	sess, _ := f.svc.Login(ctx, "kim@example.edu", "correct horse", "192.0.2.1")
	f.store.mu.Lock()
	mu := f.store.users["kim@example.edu"]
	mu.u.Disabled = true // behind the store's back: the session stays
	f.store.users["kim@example.edu"] = mu
	f.store.mu.Unlock()
	if _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("Authenticate of a disabled account's session: %v, want ErrUnauthorized", err)
	}
}

func TestAccountRateLimit(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	f.add(t, "target@example.edu", "correct horse", auth.Staff)
	// Five failures, each from its own address, use up the account.
	for i := range 5 {
		addr := fmt.Sprintf("198.51.100.%d", i+1)
		if _, err := f.svc.Login(ctx, "target@example.edu", "guess", addr); err != auth.ErrCredentials {
			t.Fatalf("failure %d: %v, want ErrCredentials", i+1, err)
		}
	}
	if _, err := f.svc.Login(ctx, "TARGET@example.edu", "correct horse", "203.0.113.9"); err != auth.ErrRateLimited {
		t.Fatalf("sixth attempt within the minute, right password: %v, want ErrRateLimited", err)
	}
	// Other accounts are not affected.
	f.add(t, "other@example.edu", "correct horse", auth.Staff)
	if _, err := f.svc.Login(ctx, "other@example.edu", "correct horse", "203.0.113.9"); err != nil {
		t.Errorf("another account: %v", err)
	}
	// The bucket refills: one attempt per 12 s, all five after a minute.
	f.clock.advance(12 * time.Second)
	if _, err := f.svc.Login(ctx, "target@example.edu", "guess", "203.0.113.9"); err != auth.ErrCredentials {
		t.Errorf("after 12 s: %v, want ErrCredentials", err)
	}
	if _, err := f.svc.Login(ctx, "target@example.edu", "correct horse", "203.0.113.9"); err != auth.ErrRateLimited {
		t.Errorf("right after: %v, want ErrRateLimited", err)
	}
	f.clock.advance(time.Minute)
	if _, err := f.svc.Login(ctx, "target@example.edu", "correct horse", "203.0.113.9"); err != nil {
		t.Fatalf("after a minute: %v", err)
	}
	// A success gives the account its attempts back.
	for i := range 5 {
		if _, err := f.svc.Login(ctx, "target@example.edu", "guess", "203.0.113.10"); err != auth.ErrCredentials {
			t.Fatalf("failure %d after a success: %v, want ErrCredentials", i+1, err)
		}
	}
}

func TestUnknownAccountRateLimit(t *testing.T) {
	f := newFixture(t, auth.Options{AccountLimit: auth.Limit{N: 2, Per: time.Minute}})
	ctx := t.Context()
	for i, want := range []error{auth.ErrCredentials, auth.ErrCredentials, auth.ErrRateLimited} {
		if _, err := f.svc.Login(ctx, "ghost@example.edu", "guess", fmt.Sprintf("192.0.2.%d", i+1)); err != want {
			t.Errorf("attempt %d on no account: %v, want %v", i+1, err, want)
		}
	}
}

func TestAddressRateLimit(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := t.Context()
	f.add(t, "real@example.edu", "correct horse", auth.Staff)
	// Twenty attempts from one host (ports differ), on twenty accounts.
	for i := range 20 {
		email := strings.Repeat("x", i+1) + "@example.edu"
		if _, err := f.svc.Login(ctx, email, "guess", fmt.Sprintf("198.51.100.7:%d", 40000+i)); err != auth.ErrCredentials {
			t.Fatalf("attempt %d: %v, want ErrCredentials", i+1, err)
		}
	}
	if _, err := f.svc.Login(ctx, "real@example.edu", "correct horse", "198.51.100.7"); err != auth.ErrRateLimited {
		t.Errorf("21st attempt from one address: %v, want ErrRateLimited", err)
	}
	if _, err := f.svc.Login(ctx, "real@example.edu", "correct horse", "198.51.100.8"); err != nil {
		t.Errorf("from another address: %v", err)
	}
	// IPv6 counts by /64.
	g := newFixture(t, auth.Options{AddressLimit: auth.Limit{N: 1, Per: time.Minute}})
	g.svc.Login(ctx, "a@example.edu", "guess", "[2001:db8:1:2::1]:443")
	if _, err := g.svc.Login(ctx, "b@example.edu", "guess", "2001:db8:1:2:ffff::9"); err != auth.ErrRateLimited {
		t.Errorf("same /64: %v, want ErrRateLimited", err)
	}
	if _, err := g.svc.Login(ctx, "c@example.edu", "guess", "2001:db8:1:3::1"); err != auth.ErrCredentials {
		t.Errorf("another /64: %v, want ErrCredentials", err)
	}
}

// TestConcurrentLogins runs logins and authentications from many
// goroutines (for the race detector) and checks the account limit holds.
func TestConcurrentLogins(t *testing.T) {
	f := newFixture(t, auth.Options{AddressLimit: auth.Limit{N: 1000, Per: time.Minute}})
	ctx := t.Context()
	f.add(t, "busy@example.edu", "correct horse", auth.Staff)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures, limited := 0, 0
	for range 20 {
		wg.Go(func() {
			_, err := f.svc.Login(ctx, "busy@example.edu", "guess", "192.0.2.1")
			mu.Lock()
			defer mu.Unlock()
			switch err {
			case auth.ErrCredentials:
				failures++
			case auth.ErrRateLimited:
				limited++
			default:
				t.Errorf("Login: %v", err)
			}
		})
	}
	wg.Wait()
	if failures != 5 || limited != 15 {
		t.Errorf("20 concurrent wrong passwords: %d checked, %d limited; want 5 and 15", failures, limited)
	}
}
