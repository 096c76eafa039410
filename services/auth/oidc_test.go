package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/campusnav/engine/services/auth"
)

// provider is an OpenID provider for tests: discovery, keys, an
// authorization endpoint that signs in whoever it is told to, and a token
// endpoint that checks the client, the code and its PKCE verifier.
type provider struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	now    func() time.Time
	secret string

	mu    sync.Mutex
	email string                      // who signs in next
	codes map[string]url.Values       // code -> the authorization request
	tweak func(claims map[string]any) // changes the next ID token's claims
	forge bool                        // sign with a key not published
}

func newProvider(t *testing.T, now func() time.Time) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key, now: now, secret: "s3cret", codes: map[string]url.Values{}, email: "alice@hkust-gz.edu.cn"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("response_type") != "code" {
			http.Error(w, "PKCE S256 and response_type=code required", http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		code := base64.RawURLEncoding.EncodeToString([]byte(time.Now().String() + q.Get("state")))
		q.Set("email", p.email)
		p.codes[code] = q
		p.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		bq := back.Query()
		bq.Set("code", code)
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		req, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		tweak, forge := p.tweak, p.forge
		p.tweak, p.forge = nil, false
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case id != req.Get("client_id") || secret != p.secret:
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
			return
		case !found || base64.RawURLEncoding.EncodeToString(sum[:]) != req.Get("code_challenge") || r.PostForm.Get("redirect_uri") != req.Get("redirect_uri"):
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		now := p.now()
		claims := map[string]any{"iss": p.srv.URL, "sub": "u-" + req.Get("email"), "aud": req.Get("client_id"),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": req.Get("nonce"),
			"email": req.Get("email"), "email_verified": true}
		if tweak != nil {
			tweak(claims)
		}
		signKey := p.key
		if forge {
			signKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		}
		signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signKey, KeyID: "k1"}}, nil)
		payload, _ := json.Marshal(claims)
		jws, _ := signer.Sign(payload)
		idt, _ := jws.CompactSerialize()
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idt})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// authorize follows the sign-in URL to the provider and returns the code
// and state it sends back.
func authorize(t *testing.T, signInURL string) (code, state string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(signInURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %v", resp.StatusCode, err)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func TestSingleSignOn(t *testing.T) {
	f := newFixture(t, auth.Options{})
	op := newProvider(t, f.clock.now)
	ctx := t.Context()
	sso, err := f.svc.NewSSO(ctx, auth.SSOConfig{Issuer: op.srv.URL, ClientID: "campus", ClientSecret: op.secret, RedirectURL: "https://campus.example/api/v1/auth/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func() (auth.Session, error) {
		code, state := authorize(t, sso.Begin())
		return sso.Finish(ctx, state, code)
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
	op.email = "bob@connect.hkust-gz.edu.cn"
	if s, err := signIn(); err != nil || s.User.Role != auth.Student {
		t.Errorf("student sign-in: %+v %v", s, err)
	}
	op.email = "eve@example.com"
	if _, err := signIn(); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("an outside account: %v, want ErrForbidden", err)
	}
	op.email = "alice@hkust-gz.edu.cn"

	refused := func(name string) {
		t.Helper()
		_, err := signIn()
		if !errors.Is(err, auth.ErrSSO) {
			t.Errorf("%s: %v, want ErrSSO", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	op.forge = true
	refused("an ID token signed by another key")
	op.tweak = func(c map[string]any) { c["exp"] = f.clock.now().Add(-time.Minute).Unix() }
	refused("an expired ID token")
	op.tweak = func(c map[string]any) { c["nonce"] = "replayed" }
	refused("an ID token with another nonce")
	op.tweak = func(c map[string]any) { c["aud"] = "someone-else" }
	refused("an ID token for another client")
	op.tweak = func(c map[string]any) { c["iss"] = "https://evil.example" }
	refused("an ID token from another issuer")
	op.tweak = func(c map[string]any) { c["email_verified"] = false }
	refused("an unverified email")

	// PKCE: a code from one sign-in with another's state (and verifier).
	codeA, _ := authorize(t, sso.Begin())
	_, stateB := authorize(t, sso.Begin())
	if _, err := sso.Finish(ctx, stateB, codeA); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("a code with another flow's verifier: %v", err)
	}
	// State is single use, and expires.
	code, state := authorize(t, sso.Begin())
	if _, err := sso.Finish(ctx, state, code); err != nil {
		t.Fatal(err)
	}
	if _, err := sso.Finish(ctx, state, code); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("a state used twice: %v", err)
	}
	code, state = authorize(t, sso.Begin())
	f.clock.advance(11 * time.Minute)
	if _, err := sso.Finish(ctx, state, code); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("a sign-in finished after 11 minutes: %v", err)
	}
	// A disabled account cannot sign in by SSO.
	f.svc.Disable(ctx, "alice@hkust-gz.edu.cn")
	refused("a disabled account")
}
