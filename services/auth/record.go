package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/services/audit"
)

// What of signing in goes to the audit log: every sign-in (audit.SignIn,
// allow) and every refusal that names someone (audit.SignInFailed,
// deny): a wrong password, an unknown email, a disabled account, a
// wrong phone code, a campus sign-in for an account that may not have
// one. Each says who (the account, or the email or phone given), where
// (the client's address), how (detail: the method) and why. Refusals
// that name no one are not recorded: attempts over the rate limits
// (which bound how fast the recorded ones come, per address and per
// account), and single sign-on answers that fail before the issuer
// vouches for an email (forged, expired or replayed), which anyone can
// send without limit.

// Sign-in methods, as the detail of an entry says them.
const (
	byPassword = "password"
	byPhone    = "phone"
	bySSO      = "sso"
	byWeChat   = "wechat"
)

// clip is s cut to at most n bytes, on a character boundary: what an
// entry keeps of text a stranger chose (an email typed, an address).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// signInEntry is the audit entry of a sign-in by method at now: of the
// account actor (0 if there is none) named subject, from addr; refused
// for reason, or allowed when reason is "".
func signInEntry(now time.Time, method string, actor int64, subject, addr, reason string) audit.Entry {
	e := audit.Entry{At: now, Actor: actor, Subject: clip(subject, audit.MaxText), Place: clip(addr, audit.MaxText),
		Kind: audit.SignIn, Decision: audit.Allow, Detail: audit.Detail(map[string]string{"method": method})}
	if reason != "" {
		e.Kind, e.Decision, e.Reason = audit.SignInFailed, audit.Deny, reason
	}
	return e
}

// refuse records a refused sign-in and returns refusal, the error the
// person is told; or the error of recording it, since a refusal must not
// go unrecorded.
func (s *Service) refuse(ctx context.Context, e audit.Entry, refusal error) error {
	if _, err := s.store.Append(ctx, e); err != nil {
		return fmt.Errorf("auth: recording a refused sign-in: %w", err)
	}
	return refusal
}

// signIn starts a session for u and records the sign-in (by method, from
// addr) together: a session whose record failed is ended again, and the
// sign-in fails.
func (s *Service) signIn(ctx context.Context, u User, now time.Time, method, addr string) (Session, error) {
	sess, err := s.newSession(ctx, u, now)
	if err != nil {
		return Session{}, err
	}
	if _, err := s.store.Append(ctx, signInEntry(now, method, u.ID, u.Email, addr, "")); err != nil {
		return Session{}, errors.Join(err, s.store.DeleteSession(ctx, HashToken(sess.Token)))
	}
	return sess, nil
}
