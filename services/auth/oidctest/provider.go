// Package oidctest is an OpenID Connect provider for tests: discovery,
// signing keys, authorization with PKCE and token exchange, on loopback.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Provider is an OpenID provider for tests: discovery, keys, an
// authorization endpoint that signs in whoever it is told to, and a token
// endpoint that checks the client, the code and its PKCE verifier. Set its
// fields between sign-ins, not during one.
type Provider struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	now func() time.Time
	// Secret is the client secret the token endpoint wants.
	Secret string

	// Email is who signs in next.
	Email string
	// Tweak changes the next ID token's claims.
	Tweak func(claims map[string]any)
	// Forge signs the next ID token with a key not published.
	Forge bool

	mu    sync.Mutex
	codes map[string]url.Values // code -> the authorization request
}

// New starts a provider on loopback, on the clock now, stopped when the
// test ends.
func New(t testing.TB, now func() time.Time) *Provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{key: key, now: now, Secret: "s3cret", codes: map[string]url.Values{}, Email: "alice@hkust-gz.edu.cn"}
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
		q.Set("email", p.Email)
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
		tweak, forge := p.Tweak, p.Forge
		p.Tweak, p.Forge = nil, false
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case id != req.Get("client_id") || secret != p.Secret:
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

// URL is the issuer.
func (p *Provider) URL() string { return p.srv.URL }

// Authorize follows a sign-in URL to the provider, as a browser would, and
// returns the code and state the provider sends back.
func Authorize(t testing.TB, signInURL string) (code, state string) {
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
