package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
)

func TestSingleSignOn(t *testing.T) {
	f := newFixture(t, auth.Options{})
	op := oidctest.New(t, f.clock.now)
	ctx := t.Context()
	sso, err := f.svc.NewSSO(ctx, auth.SSOConfig{Issuer: op.URL(), ClientID: "campus", ClientSecret: op.Secret, RedirectURL: "https://campus.example/api/v1/auth/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	begin := func() string {
		t.Helper()
		to, err := sso.Begin(ctx)
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		return to
	}
	signIn := func() (auth.Session, error) {
		code, state := oidctest.Authorize(t, begin())
		return sso.Finish(ctx, state, code, "192.0.2.1")
	}

	sess, err := signIn()
	if err != nil || sess.User.Role != auth.Staff || sess.User.Email != "alice@hkust-gz.edu.cn" {
		t.Fatalf("staff sign-in: %+v %v", sess, err)
	}
	if u, err := f.svc.Authenticate(ctx, sess.Token); err != nil || u.ID != sess.User.ID {
		t.Fatalf("the SSO session: %+v %v", u, err)
	}
	again, err := signIn()
	if err != nil || again.User.ID != sess.User.ID {
		t.Errorf("a second sign-in is the same account: %+v %v", again, err)
	}
	op.Email = "bob@connect.hkust-gz.edu.cn"
	if s, err := signIn(); err != nil || s.User.Role != auth.Student {
		t.Errorf("student sign-in: %+v %v", s, err)
	}
	op.Email = "eve@example.com"
	if _, err := signIn(); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("an outside account: %v, want ErrForbidden", err)
	}
	op.Email = "alice@hkust-gz.edu.cn"

	refused := func(name string) {
		t.Helper()
		_, err := signIn()
		if !errors.Is(err, auth.ErrSSO) {
			t.Errorf("%s: %v, want ErrSSO", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	op.Forge = true
	refused("an ID token signed by another key")
	op.Tweak = func(c map[string]any) { c["exp"] = f.clock.now().Add(-time.Minute).Unix() }
	refused("an expired ID token")
	op.Tweak = func(c map[string]any) { c["nonce"] = "replayed" }
	refused("an ID token with another nonce")
	op.Tweak = func(c map[string]any) { c["aud"] = "someone-else" }
	refused("an ID token for another client")
	op.Tweak = func(c map[string]any) { c["iss"] = "https://evil.example" }
	refused("an ID token from another issuer")
	op.Tweak = func(c map[string]any) { c["email_verified"] = false }
	refused("an unverified email")

	// PKCE: a code from one sign-in with another's state (and verifier).
	codeA, _ := oidctest.Authorize(t, begin())
	_, stateB := oidctest.Authorize(t, begin())
	if _, err := sso.Finish(ctx, stateB, codeA, "192.0.2.1"); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("a code with another flow's verifier: %v", err)
	}
	// State is single use, and expires.
	code, state := oidctest.Authorize(t, begin())
	if _, err := sso.Finish(ctx, state, code, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := sso.Finish(ctx, state, code, "192.0.2.1"); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("a state used twice: %v", err)
	}
	code, state = oidctest.Authorize(t, begin())
	f.clock.advance(11 * time.Minute)
	if _, err := sso.Finish(ctx, state, code, "192.0.2.1"); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("a sign-in finished after 11 minutes: %v", err)
	}
	// A disabled account cannot sign in by SSO.
	f.svc.Disable(ctx, "alice@hkust-gz.edu.cn")
	refused("a disabled account")

	// The audit log has the sign-ins, and the refusals of someone the
	// issuer vouched for; not the forged, replayed or expired answers,
	// which name no one.
	if n := len(f.store.entries(audit.SignIn)); n != 4 {
		t.Errorf("%d sign-ins recorded, want 4", n)
	}
	var reasons []string
	for _, e := range f.store.entries(audit.SignInFailed) {
		if string(e.Detail) != `{"method":"sso"}` || e.Place != "192.0.2.1" {
			t.Errorf("refusal: %+v", e)
		}
		reasons = append(reasons, e.Subject+": "+e.Reason)
	}
	want := []string{"eve@example.com: not a campus account", "alice@hkust-gz.edu.cn: the issuer has not verified the email",
		"alice@hkust-gz.edu.cn: the account is disabled"}
	if strings.Join(reasons, "; ") != strings.Join(want, "; ") {
		t.Errorf("refusals recorded:\n%s\nwant\n%s", strings.Join(reasons, "\n"), strings.Join(want, "\n"))
	}
}
