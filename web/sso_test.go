package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
	"github.com/campusnav/engine/services/sqlite"
)

// TestSingleSignOnOverHTTP: the browser goes to /auth/oidc/login, the
// in-test provider signs it in and sends it back to /auth/oidc/callback,
// which answers a session; the real auth service and SQLite store.
func TestSingleSignOnOverHTTP(t *testing.T) {
	testServer(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := auth.New(db, auth.Options{})
	op := oidctest.New(t, time.Now)
	d := campusDeps
	d.Auth, d.Places = svc, db
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	sso, err := svc.NewSSO(t.Context(), auth.SSOConfig{Issuer: op.URL(), ClientID: "campus", ClientSecret: op.Secret, RedirectURL: ts.URL + "/api/v1/auth/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	d.SSO = sso
	h = New(d, Config{}).Handler()

	signIn := func() (int, []byte) {
		resp, err := noRedirects.Get(ts.URL + "/api/v1/auth/oidc/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		u, _ := url.Parse(loc)
		if resp.StatusCode != 302 || u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("nonce") == "" {
			t.Fatalf("login: %d %s", resp.StatusCode, loc)
		}
		code, state := oidctest.Authorize(t, loc)
		c, _, body := call(t, ts, "", "GET", "/api/v1/auth/oidc/callback?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state), "")
		return c, body
	}
	code, body := signIn()
	var sess struct{ Token, Role string }
	json.Unmarshal(body, &sess)
	if code != 200 || sess.Role != "staff" {
		t.Fatalf("callback: %d %s", code, body)
	}
	var me struct{ Email, Role string }
	_, _, body = callToken(t, ts, sess.Token, "GET", "/api/v1/me", "")
	json.Unmarshal(body, &me)
	if me.Email != "alice@hkust-gz.edu.cn" || me.Role != "staff" {
		t.Errorf("me: %s", body)
	}
	op.Email = "bob@connect.hkust-gz.edu.cn"
	if code, body := signIn(); code != 200 || !json.Valid(body) || string(body) == "" {
		t.Errorf("student: %d %s", code, body)
	} else if json.Unmarshal(body, &sess); sess.Role != "student" {
		t.Errorf("student role: %s", body)
	}
	op.Forge = true
	if code, body := signIn(); code != 401 {
		t.Errorf("a forged ID token: %d %s", code, body)
	}
	op.Tweak = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }
	if code, body := signIn(); code != 401 {
		t.Errorf("an expired ID token: %d %s", code, body)
	}
	op.Email = "eve@example.com"
	if code, body := signIn(); code != 403 {
		t.Errorf("an outside account: %d %s", code, body)
	}
}
