package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// lookups is how many times the store was asked for a session.
func (m *memStore) lookupCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookups
}

// signedIn makes an account and a session of it on f.
func (f fixture) signedIn(t *testing.T, email string, role auth.Role) auth.Session {
	t.Helper()
	f.add(t, email, "correct horse", role)
	s, err := f.svc.Login(t.Context(), email, "correct horse", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authenticated(t *testing.T, svc *auth.Service, token string) bool {
	t.Helper()
	_, err := svc.Authenticate(t.Context(), token)
	if err != nil && !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("Authenticate: %v", err)
	}
	return err == nil
}

// TestSessionCacheSavesLookups: a session is looked up in the store once
// per TTL, not once per request.
func TestSessionCacheSavesLookups(t *testing.T) {
	f := newFixture(t, auth.Options{})
	s := f.signedIn(t, "ann@example.edu", auth.Staff)
	for range 100 {
		if !authenticated(t, f.svc, s.Token) {
			t.Fatal("refused")
		}
	}
	if n := f.store.lookupCount(); n != 1 {
		t.Errorf("100 requests looked the session up %d times, want 1", n)
	}
	f.clock.advance(auth.DefaultSessionCacheTTL)
	authenticated(t, f.svc, s.Token)
	if n := f.store.lookupCount(); n != 2 {
		t.Errorf("after the TTL: %d lookups, want 2", n)
	}
	// Unknown tokens are not cached: each asks the store.
	off := newFixture(t, auth.Options{SessionCacheTTL: -1})
	s = off.signedIn(t, "bea@example.edu", auth.Staff)
	for range 3 {
		authenticated(t, off.svc, s.Token)
	}
	if n := off.store.lookupCount(); n != 3 {
		t.Errorf("without a cache, 3 requests made %d lookups, want 3", n)
	}
}

// TestSessionCacheLocalChangesAtOnce: logging out, disabling an account
// (and so its family) and approving a family account take effect in the
// process that makes them at once, cache or not.
func TestSessionCacheLocalChangesAtOnce(t *testing.T) {
	f := newFixture(t, auth.Options{SMS: &testSender{}})
	ctx := t.Context()
	a := f.signedIn(t, "out@example.edu", auth.Staff)
	b := f.signedIn(t, "stays@example.edu", auth.Staff)
	authenticated(t, f.svc, a.Token)
	authenticated(t, f.svc, b.Token)
	if err := f.svc.Logout(ctx, a.Token); err != nil {
		t.Fatal(err)
	}
	if authenticated(t, f.svc, a.Token) {
		t.Error("a cached session outlived its logout")
	}
	if !authenticated(t, f.svc, b.Token) {
		t.Error("another session ended with the logout")
	}

	// A family member's visitor session becomes family at approval.
	sms := &testSender{}
	g := newFixture(t, auth.Options{SMS: sms})
	staff := g.signedIn(t, "sponsor@example.edu", auth.Staff)
	admin := g.add(t, "ops@example.edu", "correct horse", auth.Admin)
	ph, _, err := g.svc.StartPhone(ctx, "13900000009", "192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	fam, err := g.svc.VerifyPhone(ctx, ph, sms.last(ph), "192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := g.svc.Authenticate(ctx, fam.Token); u.Role != auth.Visitor {
		t.Fatalf("before approval: %+v", u)
	}
	app, err := g.svc.ApplyFamily(ctx, staff.User, ph, "Mei")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.DecideFamily(ctx, admin, app.ID, true); err != nil {
		t.Fatal(err)
	}
	if u, _ := g.svc.Authenticate(ctx, fam.Token); u.Role != auth.Family {
		t.Errorf("a cached visitor session after approval: role %q, want family", u.Role)
	}
	// Disabling the sponsor ends both, at once.
	authenticated(t, g.svc, staff.Token)
	if err := g.svc.Disable(ctx, "sponsor@example.edu"); err != nil {
		t.Fatal(err)
	}
	if authenticated(t, g.svc, staff.Token) || authenticated(t, g.svc, fam.Token) {
		t.Error("a cached session outlived disabling its account or its sponsor")
	}
}

// TestSessionCacheOtherProcessWithinTTL: a logout or a disabled account
// made by another process (a second replica on the same store, or the
// command-line tool) takes effect here within the TTL, and not later.
func TestSessionCacheOtherProcessWithinTTL(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ttl := auth.DefaultSessionCacheTTL
	other := auth.New(f.store, auth.Options{Params: cheap, Now: f.clock.now}) // the second replica
	ctx := t.Context()
	a := f.signedIn(t, "leaving@example.edu", auth.Staff)
	b := f.signedIn(t, "fired@example.edu", auth.Staff)
	authenticated(t, f.svc, a.Token)
	authenticated(t, f.svc, b.Token)
	f.clock.advance(time.Second)
	if err := other.Logout(ctx, a.Token); err != nil {
		t.Fatal(err)
	}
	if err := other.Disable(ctx, "fired@example.edu"); err != nil {
		t.Fatal(err)
	}
	if authenticated(t, other, a.Token) || authenticated(t, other, b.Token) {
		t.Fatal("the replica that made the change still accepts the sessions")
	}
	// Here, the cached entries last out their TTL (this is the bound) ...
	f.clock.advance(ttl - time.Second - time.Millisecond)
	if !authenticated(t, f.svc, a.Token) {
		t.Log("the change arrived early (the cache let go before its TTL)")
	}
	// ... and not a moment longer.
	f.clock.advance(time.Millisecond)
	if authenticated(t, f.svc, a.Token) || authenticated(t, f.svc, b.Token) {
		t.Errorf("sessions ended elsewhere are still accepted %v after they were cached (TTL %v)", ttl, ttl)
	}
}

// blockingStore holds SessionUser until released, to interleave a
// lookup with a logout.
type blockingStore struct {
	*memStore
	looked, release chan struct{}
}

func (b blockingStore) SessionUser(ctx context.Context, hash string, now time.Time) (auth.User, time.Time, error) {
	u, exp, err := b.memStore.SessionUser(ctx, hash, now)
	b.looked <- struct{}{}
	<-b.release
	return u, exp, err
}

// TestSessionCacheLookupOverlappingLogout: a lookup that read the session
// just before a logout does not put it back in the cache after.
func TestSessionCacheLookupOverlappingLogout(t *testing.T) {
	f := newFixture(t, auth.Options{})
	s := f.signedIn(t, "racy@example.edu", auth.Staff)
	bs := blockingStore{f.store, make(chan struct{}), make(chan struct{})}
	svc := auth.New(bs, auth.Options{Params: cheap, Now: f.clock.now})
	done := make(chan bool)
	go func() {
		_, err := svc.Authenticate(context.Background(), s.Token)
		done <- err == nil
	}()
	<-bs.looked // the session was read, valid
	if err := svc.Logout(t.Context(), s.Token); err != nil {
		t.Fatal(err)
	}
	close(bs.release)
	if !<-done {
		t.Fatal("the overlapping lookup was refused (it read a valid session)")
	}
	go func() { <-bs.looked }() // the next lookup, if it happens
	if authenticated(t, svc, s.Token) {
		t.Error("a session read just before its logout was cached after it")
	}
}
