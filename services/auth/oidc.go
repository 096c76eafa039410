package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/oauth2"
)

// Campus single sign-on: OpenID Connect, authorization code flow with PKCE
// (S256), against the university's issuer. The role comes from the
// verified email's domain.

// SSOConfig names the issuer and this client.
type SSOConfig struct {
	Issuer       string // CAMPUS_OIDC_ISSUER
	ClientID     string
	ClientSecret string
	RedirectURL  string // where the issuer sends the browser back: .../api/v1/auth/oidc/callback
}

// flowTTL is how long a sign-in may take between Begin and Finish.
const flowTTL = 10 * time.Minute

// SSO runs sign-ins against one OpenID provider. Make it with NewSSO.
type SSO struct {
	svc      *Service
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier

	mu sync.Mutex
	// flows are the sign-ins begun, by state: at most maxKeys, the
	// oldest evicted first (as expired). Evicting one only makes that
	// sign-in start again; no limit rests on it.
	flows *simplelru.LRU[string, flow]
}

// flow is a sign-in begun and not yet finished.
type flow struct {
	verifier, nonce string
	expires         time.Time
}

// NewSSO discovers the issuer (its /.well-known/openid-configuration) and
// returns an SSO that signs people in through svc.
func (s *Service) NewSSO(ctx context.Context, cfg SSOConfig) (*SSO, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("auth: single sign-on needs an issuer, a client id and a redirect URL")
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discovering %s: %w", cfg.Issuer, err)
	}
	flows, err := simplelru.NewLRU[string, flow](maxKeys, nil)
	if err != nil {
		return nil, err
	}
	return &SSO{
		svc: s,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: s.now}),
		flows:    flows,
	}, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in: the URL to send the browser to. State, nonce
// and the PKCE verifier are kept here, for Finish.
func (o *SSO) Begin() string {
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	now := o.svc.now()
	o.mu.Lock()
	for { // the expired go first: they are the oldest
		_, f, ok := o.flows.GetOldest()
		if !ok || now.Before(f.expires) {
			break
		}
		o.flows.RemoveOldest()
	}
	o.flows.Add(state, flow{verifier: verifier, nonce: nonce, expires: now.Add(flowTTL)})
	o.mu.Unlock()
	return o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
}

// RoleOfEmail is the role the university's account gives: staff for
// @hkust-gz.edu.cn, students for @connect.hkust-gz.edu.cn; others have
// none (ErrForbidden).
func RoleOfEmail(email string) (Role, error) {
	switch {
	case strings.HasSuffix(email, "@connect.hkust-gz.edu.cn"):
		return Student, nil
	case strings.HasSuffix(email, "@hkust-gz.edu.cn"):
		return Staff, nil
	}
	return "", fmt.Errorf("%w: %s is not a campus account", ErrForbidden, email)
}

// Finish completes a sign-in from the issuer's answer (state and code):
// exchanges the code with the PKCE verifier, verifies the ID token
// (signature, issuer, audience, expiry, nonce) and signs its holder in,
// making the account on first use. A forged, expired or replayed answer
// is ErrSSO. addr is the client's address, for the audit log: a sign-in,
// or a refusal once the issuer has vouched for an email, is recorded.
func (o *SSO) Finish(ctx context.Context, state, code, addr string) (Session, error) {
	o.mu.Lock()
	f, ok := o.flows.Peek(state)
	o.flows.Remove(state) // single use
	o.mu.Unlock()
	if !ok || !o.svc.now().Before(f.expires) {
		return Session{}, fmt.Errorf("%w: unknown or expired sign-in (start again)", ErrSSO)
	}
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		return Session{}, fmt.Errorf("%w: the issuer refused the code: %v", ErrSSO, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Session{}, fmt.Errorf("%w: the issuer gave no ID token", ErrSSO)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Session{}, fmt.Errorf("%w: ID token: %v", ErrSSO, err)
	}
	if idt.Nonce != f.nonce {
		return Session{}, fmt.Errorf("%w: ID token: wrong nonce", ErrSSO)
	}
	var claims struct {
		Email    string `json:"email"`
		Verified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return Session{}, fmt.Errorf("%w: ID token claims: %v", ErrSSO, err)
	}
	now := o.svc.now()
	refused := func(actor int64, email, reason string, refusal error) error {
		return o.svc.refuse(ctx, signInEntry(now, bySSO, actor, email, addr, reason), refusal)
	}
	email, err := NormalizeEmail(claims.Email)
	if err != nil {
		return Session{}, fmt.Errorf("%w: ID token has no usable email", ErrSSO)
	}
	if claims.Verified != nil && !*claims.Verified {
		return Session{}, refused(0, email, "the issuer has not verified the email", fmt.Errorf("%w: the email is not verified", ErrSSO))
	}
	role, err := RoleOfEmail(email)
	if err != nil {
		return Session{}, refused(0, email, "not a campus account", err)
	}
	u, err := o.svc.account(ctx, email, role, now)
	if err != nil {
		return Session{}, err
	}
	if u.Disabled {
		return Session{}, refused(u.ID, email, "the account is disabled", ErrSSO)
	}
	return o.svc.signIn(ctx, u, now, bySSO, addr)
}
