package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth/wechat"
)

// Password lengths, in characters. The upper bound keeps hashing work
// bounded; it is far above any passphrase.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
)

// maxEmailLen is the longest address, in bytes (RFC 5321's path limit).
const maxEmailLen = 254

// tokenLen is the length of a session token, in random bytes.
const tokenLen = 32

// Options configure a Service. Zero fields take the defaults.
type Options struct {
	// SessionTTL is how long a session lasts; default 30 days.
	SessionTTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Params are the argon2id parameters of new hashes; default DefaultParams.
	Params Params
	// AccountLimit bounds failed logins per account (successful ones give
	// their attempt back); default 5 per minute.
	AccountLimit Limit
	// AddressLimit bounds login attempts per client address; default 20
	// per minute.
	AddressLimit Limit
	// SMS delivers phone sign-in codes; default LogSender on slog's default.
	SMS SMSSender
	// PhoneLimit bounds codes sent to one phone; default 3 per 10 minutes.
	PhoneLimit Limit
	// PhoneAddressLimit bounds phone sign-in requests (codes asked for and
	// tried) per client address; default 20 per 10 minutes.
	PhoneAddressLimit Limit
	// SessionCacheTTL is how long Authenticate trusts a session it
	// looked up in the store: default DefaultSessionCacheTTL, at most
	// MaxSessionCacheTTL; negative: no cache, every request asks the
	// store. It bounds how long a logout, a disabled account or a new
	// role made by another process takes to reach this one.
	SessionCacheTTL time.Duration
	// PhoneCountries are the country calling codes ("86", "852") whose
	// numbers codes are sent to, and family accounts are made for;
	// default DefaultPhoneCountries.
	PhoneCountries []string
	// WeChat exchanges the mini program's wx.login codes; nil: WeChat
	// sign-in is off. The store must be a WeChatStore too.
	WeChat *wechat.Client
}

// Service signs people in: it keeps accounts and sessions in a Store.
// It is safe for concurrent use.
type Service struct {
	store     Store
	ttl       time.Duration
	now       func() time.Time
	params    Params
	byAccount limiter
	byAddress limiter

	sms            SMSSender
	phoneCountries []string
	codeKey        *codeKey
	phoneStarts    limiter
	phoneByAddress limiter

	sessions *sessionCache // nil: off
	maxKeys  int           // rows of each kind of sign-in state kept: maxKeys

	wechat *wechat.Client // nil: off

	dummyOnce sync.Once
	dummy     string // a hash to verify against when there is no account
}

// New returns a Service over store.
func New(store Store, opts Options) *Service {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Params == (Params{}) {
		opts.Params = DefaultParams
	}
	if opts.AccountLimit.N <= 0 || opts.AccountLimit.Per <= 0 {
		opts.AccountLimit = Limit{N: 5, Per: time.Minute}
	}
	if opts.AddressLimit.N <= 0 || opts.AddressLimit.Per <= 0 {
		opts.AddressLimit = Limit{N: 20, Per: time.Minute}
	}
	if opts.SMS == nil {
		opts.SMS = LogSender{}
	}
	if opts.PhoneLimit.N <= 0 || opts.PhoneLimit.Per <= 0 {
		opts.PhoneLimit = Limit{N: 3, Per: 10 * time.Minute}
	}
	if opts.PhoneAddressLimit.N <= 0 || opts.PhoneAddressLimit.Per <= 0 {
		opts.PhoneAddressLimit = Limit{N: 20, Per: 10 * time.Minute}
	}
	if opts.SessionCacheTTL == 0 {
		opts.SessionCacheTTL = DefaultSessionCacheTTL
	}
	opts.SessionCacheTTL = min(opts.SessionCacheTTL, MaxSessionCacheTTL)
	if len(opts.PhoneCountries) == 0 {
		opts.PhoneCountries = DefaultPhoneCountries
	}
	s := &Service{
		store:          store,
		ttl:            opts.SessionTTL,
		now:            opts.Now,
		params:         opts.Params,
		byAccount:      limiter{store, kindAccount, opts.AccountLimit, 0},
		byAddress:      limiter{store, kindAddress, opts.AddressLimit, 0},
		sms:            opts.SMS,
		phoneCountries: slices.Clone(opts.PhoneCountries),
		sessions:       newSessionCache(opts.SessionCacheTTL, maxKeys),
		codeKey:        &codeKey{},
		phoneStarts:    limiter{store, kindPhone, opts.PhoneLimit, 0},
		phoneByAddress: limiter{store, kindPhoneAddress, opts.PhoneAddressLimit, 0},
		wechat:         opts.WeChat,
	}
	s.setMaxKeys(maxKeys)
	return s
}

// setMaxKeys bounds each kind of sign-in state kept to n rows (tests
// flood a smaller cap than maxKeys).
func (s *Service) setMaxKeys(n int) {
	s.maxKeys = n
	for _, l := range []*limiter{&s.byAccount, &s.byAddress, &s.phoneStarts, &s.phoneByAddress} {
		l.max = n
	}
}

// FieldError is an invalid input; it names the field at fault and is
// ErrInvalid to errors.Is.
type FieldError struct {
	Field    string // "email", "password", "role", "phone", "name"
	Reason   string // in English
	ReasonZH string // the same in Simplified Chinese
}

func (e *FieldError) Error() string { return "auth: invalid " + e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// DetailIn is the reason in a language: Simplified Chinese for "zh...",
// English otherwise.
func (e *FieldError) DetailIn(lang string) string {
	if geo.IsChinese(lang) && e.ReasonZH != "" {
		return e.ReasonZH
	}
	return e.Reason
}

// checkText refuses text no store should keep (services.TextProblem) as
// a FieldError naming field.
func checkText(field, s string) error {
	if en, zh := services.TextProblem(s); en != "" {
		return &FieldError{field, en, zh}
	}
	return nil
}

// NormalizeEmail checks the shape of an email address (a bare
// local@domain, no display name) and returns it trimmed and in lower case.
func NormalizeEmail(email string) (string, error) {
	if err := checkText("email", email); err != nil {
		return "", err
	}
	e := strings.ToLower(strings.TrimSpace(email))
	if e == "" {
		return "", &FieldError{"email", "empty", "为空"}
	}
	if len(e) > maxEmailLen {
		return "", &FieldError{"email", fmt.Sprintf("longer than %d bytes", maxEmailLen), fmt.Sprintf("超过 %d 字节", maxEmailLen)}
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e || !strings.Contains(e, "@") {
		return "", &FieldError{"email", fmt.Sprintf("%q is not an email address", email), fmt.Sprintf("%q 不是电子邮件地址", email)}
	}
	return e, nil
}

// checkPassword checks a new password's length.
func checkPassword(password string) error {
	if err := checkText("password", password); err != nil {
		return err
	}
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLen:
		return &FieldError{"password", fmt.Sprintf("at least %d characters (got %d)", MinPasswordLen, n), fmt.Sprintf("至少 %d 个字符（现为 %d 个）", MinPasswordLen, n)}
	case n > MaxPasswordLen:
		return &FieldError{"password", fmt.Sprintf("at most %d characters", MaxPasswordLen), fmt.Sprintf("至多 %d 个字符", MaxPasswordLen)}
	}
	return nil
}

// checkRole checks that role is one of Roles.
func checkRole(role Role) error {
	for _, r := range Roles {
		if role == r {
			return nil
		}
	}
	return &FieldError{"role", fmt.Sprintf("%q is not a role (want staff, student, family, visitor, tourist or admin)", role),
		fmt.Sprintf("%q 不是角色（应为 staff、student、family、visitor、tourist 或 admin）", role)}
}

// AddUser creates an account. Bad input is a *FieldError (ErrInvalid); a
// taken email is ErrConflict.
func (s *Service) AddUser(ctx context.Context, email, password string, role Role) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if err := checkPassword(password); err != nil {
		return User{}, err
	}
	if err := checkRole(role); err != nil {
		return User{}, err
	}
	hash, err := hashPassword(s.params, password)
	if err != nil {
		return User{}, err
	}
	return s.store.CreateUser(ctx, User{Email: email, Role: role, Created: s.now()}, hash)
}

// Login checks an email and password and starts a session. addr is the
// client's address (host or host:port), for the per-address limit.
// Unknown email, wrong password and disabled account are all
// ErrCredentials, after the same work; too many attempts ErrRateLimited.
// An email no store could keep (a NUL character, invalid UTF-8) is a
// *FieldError.
func (s *Service) Login(ctx context.Context, email, password, addr string) (Session, error) {
	if err := checkText("email", email); err != nil {
		return Session{}, err
	}
	now := s.now()
	account := strings.ToLower(strings.TrimSpace(email))
	if err := allowed(s.byAddress.allow(ctx, addressKey(addr), now)); err != nil {
		return Session{}, err
	}
	if err := allowed(s.byAccount.allow(ctx, account, now)); err != nil {
		return Session{}, err
	}
	refused := func(actor int64, reason string) error {
		return s.refuse(ctx, signInEntry(now, byPassword, actor, account, addr, reason), ErrCredentials)
	}
	if len(password) > 4*MaxPasswordLen {
		return Session{}, refused(0, "a password far too long")
	}
	u, hash, err := s.store.UserByEmail(ctx, account)
	found := err == nil
	switch {
	case errors.Is(err, ErrNotFound):
		s.dummyOnce.Do(func() { s.dummy, _ = hashPassword(s.params, "no such account") })
		hash = s.dummy
	case err != nil:
		return Session{}, err
	}
	ok, verr := verifyPassword(hash, password)
	switch {
	case !found:
		return Session{}, refused(0, "no such account")
	case hash == "":
		return Session{}, refused(u.ID, "the account has no password (it signs in by phone or single sign-on)")
	case verr != nil:
		return Session{}, refused(u.ID, "the account's password hash is unreadable")
	case !ok:
		return Session{}, refused(u.ID, "wrong password")
	case u.Disabled:
		return Session{}, refused(u.ID, "the account is disabled")
	}
	if err := s.byAccount.reset(ctx, account); err != nil {
		return Session{}, err
	}
	return s.signIn(ctx, u, now, byPassword, addr)
}

// allowed is the error of an attempt a limiter answered ok, err to:
// ErrRateLimited when refused.
func allowed(ok bool, err error) error {
	if err == nil && !ok {
		return ErrRateLimited
	}
	return err
}

// newSession makes and stores a session for u.
func (s *Service) newSession(ctx context.Context, u User, now time.Time) (Session, error) {
	raw := make([]byte, tokenLen)
	if _, err := rand.Read(raw); err != nil {
		return Session{}, fmt.Errorf("auth: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	expires := now.Add(s.ttl)
	if err := s.store.CreateSession(ctx, HashToken(token), u.ID, expires); err != nil {
		return Session{}, err
	}
	return Session{Token: token, User: u, Expires: expires}, nil
}

// HashToken is what the store keeps of a session token: its SHA-256, in
// lower-case hex.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// validToken reports whether token has the shape Login gives tokens.
func validToken(token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && len(b) == tokenLen
}

// Authenticate returns the account of a session token. An unknown,
// malformed or expired token, or a disabled account, is ErrUnauthorized.
// A session found in the store is trusted for up to the session cache's
// TTL (Options.SessionCacheTTL) without asking the store again; see
// sessionCache for what that means for changes made elsewhere.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if !validToken(token) {
		return User{}, ErrUnauthorized
	}
	hash, now := HashToken(token), s.now()
	u, gen, ok := s.sessions.get(hash, now)
	if ok {
		return u, nil
	}
	u, expires, err := s.store.SessionUser(ctx, hash, now)
	switch {
	case errors.Is(err, ErrNotFound):
		return User{}, ErrUnauthorized
	case err != nil:
		return User{}, err
	case u.Disabled:
		return User{}, ErrUnauthorized
	}
	s.sessions.put(hash, u, now, expires, gen)
	return u, nil
}

// Logout ends the session of token; no error if there is none. The
// session ends in this process at once, in others within the session
// cache's TTL.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !validToken(token) {
		return nil
	}
	hash := HashToken(token)
	err := s.store.DeleteSession(ctx, hash)
	s.sessions.remove(hash)
	return err
}

// Users returns every account, by email.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	return s.store.ListUsers(ctx)
}

// Disable disables an account and ends its sessions (and its family
// accounts'); ErrNotFound. They end in this process at once, in others
// within the session cache's TTL.
func (s *Service) Disable(ctx context.Context, email string) error {
	if err := checkText("email", email); err != nil {
		return err
	}
	err := s.store.SetDisabled(ctx, strings.ToLower(strings.TrimSpace(email)), true)
	// The account's sessions, and its family's, end here at once; the
	// cache does not index sessions by account, and disabling is rare.
	s.sessions.purge()
	return err
}
