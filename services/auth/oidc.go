package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
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
// The sign-ins begun are kept in the store (State), so one begun on a
// replica finishes on any: at most maxKeys, the nearest their end
// evicted first. Evicting one only makes that sign-in start again; no
// limit rests on it.
type SSO struct {
	svc      *Service
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
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
	return &SSO{
		svc: s,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: s.now}),
	}, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in: the URL to send the browser to. State, nonce
// and the PKCE verifier are kept in the store, for Finish on any replica.
func (o *SSO) Begin(ctx context.Context) (string, error) {
	f := SSOFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Expires: o.svc.now().Add(flowTTL)}
	if err := o.svc.store.PutSSOFlow(ctx, f, o.svc.maxKeys); err != nil {
		return "", err
	}
	return o.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), nil
}

// validState reports whether state has the shape Begin gives states
// (randomString's), so that nothing else is looked up.
func validState(state string) bool {
	b, err := base64.RawURLEncoding.DecodeString(state)
	return err == nil && len(b) == 24
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
	if !validState(state) {
		return Session{}, fmt.Errorf("%w: unknown or expired sign-in (start again)", ErrSSO)
	}
	f, err := o.svc.store.TakeSSOFlow(ctx, state, o.svc.now()) // single use
	if errors.Is(err, ErrNotFound) {
		return Session{}, fmt.Errorf("%w: unknown or expired sign-in (start again)", ErrSSO)
	}
	if err != nil {
		return Session{}, err
	}
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
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
	if idt.Nonce != f.Nonce {
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
