package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Phone sign-in: a visitor asks for a code (StartPhone), receives it by
// SMS and gives it back (VerifyPhone) for a visitor session. Codes are 6
// digits, last CodeTTL, are single use and allow MaxCodeTries attempts;
// only their HMAC is kept, under a key made at start.
const (
	CodeTTL      = 5 * time.Minute
	MaxCodeTries = 5
	codeDigits   = 6
)

// phoneAccountPrefix marks a phone account's identifier in the accounts
// table ("tel:+8613800000000"), apart from any email.
const phoneAccountPrefix = "tel:"

// SMSSender delivers a sign-in code to a phone.
type SMSSender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// LogSender is the default SMSSender: it writes the code to the server's
// log, for development and for sites without an SMS gateway.
type LogSender struct{ Logger *slog.Logger }

// SendCode logs the code.
func (l LogSender) SendCode(ctx context.Context, phone, code string) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.InfoContext(ctx, "sign-in code", "phone", phone, "code", code)
	return nil
}

// pendingCode is a code sent and not yet used.
type pendingCode struct {
	mac     []byte
	expires time.Time
	tries   int
}

// phoneCodes holds the pending codes, by phone: at most maxKeys, the
// oldest evicted first (codes all live CodeTTL, so the oldest is the
// nearest its end). Evicting a code lifts no limit: the code is gone,
// tries and all, and a new one is sent only within the per-phone and
// per-address limits. A flood of new phones (each an SMS, within those
// limits) can at worst make a person ask for their code again.
type phoneCodes struct {
	key []byte
	mu  sync.Mutex
	m   *simplelru.LRU[string, *pendingCode]
}

func newPhoneCodes() *phoneCodes {
	return newPhoneCodesOf(maxKeys)
}

// newPhoneCodesOf is newPhoneCodes keeping at most max codes.
func newPhoneCodesOf(max int) *phoneCodes {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(fmt.Sprintf("auth: no randomness for the code key: %v", err))
	}
	m, err := simplelru.NewLRU[string, *pendingCode](max, nil)
	if err != nil {
		panic(err)
	}
	return &phoneCodes{key: key, m: m}
}

// put keeps a new code for phone, replacing any pending one.
func (p *phoneCodes) put(phone string, c *pendingCode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m.Remove(phone) // a replaced code goes to the back of the queue
	p.m.Add(phone, c)
}

// remove forgets phone's code c, unless another has replaced it.
func (p *phoneCodes) remove(phone string, c *pendingCode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, ok := p.m.Peek(phone); ok && cur == c {
		p.m.Remove(phone)
	}
}

// try checks code against phone's pending code at now, counting the try:
// true for the right code of an unexpired, untried-out code, which is
// then used up. A wrong code's last try, or an expired code, ends it.
func (p *phoneCodes) try(phone, code string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.m.Peek(phone)
	if !ok {
		return false
	}
	if !now.Before(c.expires) {
		p.m.Remove(phone)
		return false
	}
	c.tries++
	valid := len(code) == codeDigits && hmac.Equal(c.mac, p.mac(phone, code))
	if valid || c.tries >= MaxCodeTries {
		p.m.Remove(phone) // single use; dead after the last try
	}
	return valid
}

// size is the number of codes kept (for tests).
func (p *phoneCodes) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m.Len()
}

func (p *phoneCodes) mac(phone, code string) []byte {
	h := hmac.New(sha256.New, p.key)
	h.Write([]byte(phone + "\x00" + code))
	return h.Sum(nil)
}

// NormalizePhone returns a phone number in E.164 form (+8613800000000).
// Spaces, dashes and brackets are ignored; eleven digits starting with 1
// are a mainland mobile number (+86).
func NormalizePhone(phone string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", &FieldError{"phone", fmt.Sprintf("%q is not a phone number (want digits, e.g. +86 138 0000 0000)", phone),
				fmt.Sprintf("%q 不是电话号码（应为数字，例如 +86 138 0000 0000）", phone)}
		}
	}
	s := b.String()
	if !strings.HasPrefix(s, "+") {
		if len(s) == 11 && s[0] == '1' {
			s = "+86" + s
		} else {
			return "", &FieldError{"phone", fmt.Sprintf("%q: give the country code, e.g. +852 or +86", phone),
				fmt.Sprintf("%q：请加上国家或地区代码，例如 +852 或 +86", phone)}
		}
	}
	if n := len(s) - 1; n < 8 || n > 15 || s[1] == '0' {
		return "", &FieldError{"phone", fmt.Sprintf("%q is not an international number (+, country code, 8 to 15 digits)", phone),
			fmt.Sprintf("%q 不是国际号码（+、国家或地区代码，共 8 至 15 位数字）", phone)}
	}
	if strings.HasPrefix(s, "+86") && (len(s) != 14 || s[3] != '1') {
		return "", &FieldError{"phone", fmt.Sprintf("%q is not a mainland mobile number (11 digits starting with 1)", phone),
			fmt.Sprintf("%q 不是中国大陆手机号码（以 1 开头的 11 位数字）", phone)}
	}
	return s, nil
}

// DefaultPhoneCountries are the country calling codes sign-in codes go
// to unless configured otherwise: mainland China, Hong Kong and Macau.
var DefaultPhoneCountries = []string{"86", "852", "853"}

// ParsePhoneCountries reads a comma-separated list of country calling
// codes ("86,852,853"; a leading + is allowed): each 1 to 3 digits, not
// starting with 0, none a prefix of another (calling codes never are).
func ParsePhoneCountries(list string) ([]string, error) {
	var ccs []string
	for _, f := range strings.Split(list, ",") {
		cc := strings.TrimPrefix(strings.TrimSpace(f), "+")
		if cc == "" || len(cc) > 3 || cc[0] == '0' || strings.Trim(cc, "0123456789") != "" {
			return nil, fmt.Errorf("%q is not a country calling code (1 to 3 digits, e.g. 86, 852, 853)", strings.TrimSpace(f))
		}
		for _, o := range ccs {
			if strings.HasPrefix(cc, o) || strings.HasPrefix(o, cc) {
				return nil, fmt.Errorf("calling codes %s and %s overlap", o, cc)
			}
		}
		ccs = append(ccs, cc)
	}
	return ccs, nil
}

// smsPhone is phone normalized (NormalizePhone), if codes may be sent to
// it: its country calling code is one of the configured ones.
func (s *Service) smsPhone(phone string) (string, error) {
	phone, err := NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	for _, cc := range s.phoneCountries {
		if strings.HasPrefix(phone, "+"+cc) { // calling codes are prefix-free
			return phone, nil
		}
	}
	list := "+" + strings.Join(s.phoneCountries, ", +")
	return "", &FieldError{"phone", fmt.Sprintf("codes are sent only to numbers in %s", list),
		fmt.Sprintf("验证码仅发送至 %s 的号码", strings.ReplaceAll(list, ", ", "、"))}
}

// StartPhone sends a new sign-in code to phone, replacing any pending one.
// It returns the normalized phone and when the code expires. A phone
// that is not a number, or not in a country codes are sent to, is a
// *FieldError; too many requests for the phone or from the address are
// ErrRateLimited.
func (s *Service) StartPhone(ctx context.Context, phone, addr string) (string, time.Time, error) {
	phone, err := s.smsPhone(phone)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	if !s.phoneByAddress.allow(addressKey(addr), now) || !s.phoneStarts.allow(phone, now) {
		return "", time.Time{}, ErrRateLimited
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: code: %w", err)
	}
	code := fmt.Sprintf("%0*d", codeDigits, n.Int64())
	expires := now.Add(CodeTTL)
	pending := &pendingCode{mac: s.codes.mac(phone, code), expires: expires}
	s.codes.put(phone, pending)
	if err := s.sms.SendCode(ctx, phone, code); err != nil {
		s.codes.remove(phone, pending)
		return "", time.Time{}, fmt.Errorf("auth: sending the code: %w", err)
	}
	return phone, expires, nil
}

// VerifyPhone checks a code sent to phone and signs its holder in as a
// visitor, making the account on first use. A wrong, expired, used or
// exhausted code is ErrCode; too many attempts from the address
// ErrRateLimited.
func (s *Service) VerifyPhone(ctx context.Context, phone, code, addr string) (Session, error) {
	phone, err := s.smsPhone(phone)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if !s.phoneByAddress.allow(addressKey(addr), now) {
		return Session{}, ErrRateLimited
	}
	name := phoneAccountPrefix + phone
	if !s.codes.try(phone, code, now) {
		return Session{}, s.refuse(ctx, signInEntry(now, byPhone, 0, name, addr, "wrong, expired or used code"), ErrCode)
	}
	u, err := s.account(ctx, name, Visitor, now)
	if err != nil {
		return Session{}, err
	}
	if u.Disabled {
		return Session{}, s.refuse(ctx, signInEntry(now, byPhone, u.ID, name, addr, "the account is disabled"), ErrCredentials)
	}
	return s.signIn(ctx, u, now, byPhone, addr)
}

// account returns the account of id (an email, or a phone account's
// "tel:" name), making it with role and no password if there is none.
// An existing account keeps its role.
func (s *Service) account(ctx context.Context, id string, role Role, now time.Time) (User, error) {
	u, _, err := s.store.UserByEmail(ctx, id)
	if errors.Is(err, ErrNotFound) {
		u, err = s.store.CreateUser(ctx, User{Email: id, Role: role, Created: now.UTC().Truncate(time.Microsecond)}, "")
		if errors.Is(err, ErrConflict) { // made meanwhile by another sign-in
			u, _, err = s.store.UserByEmail(ctx, id)
		}
	}
	return u, err
}
