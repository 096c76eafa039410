package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"
)

// Phone sign-in: a visitor asks for a code (StartPhone), receives it by
// SMS and gives it back (VerifyPhone) for a visitor session. Codes are 6
// digits, last CodeTTL, are single use and allow MaxCodeTries attempts;
// the store keeps only their HMAC, under a key kept in the store too
// (State.Key), so that every replica computes the same.
//
// The store keeps at most maxKeys codes, the nearest their end (spent
// ones first) evicted first. Evicting a code lifts no limit: the code is
// gone, tries and all, and a new one is sent only within the per-phone
// and per-address limits. A flood of new phones (each an SMS, within
// those limits) can at worst make a person ask for their code again.
const (
	CodeTTL      = 5 * time.Minute
	MaxCodeTries = 5
	codeDigits   = 6
)

// codeKeyName is the name of the phone codes' HMAC key in the store.
const codeKeyName = "phone-code"

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

// codeKey is the phone codes' HMAC key, read from the store once.
type codeKey struct {
	mu  sync.Mutex
	key []byte
}

// get returns the key, asking st the first time (and again after an
// error).
func (k *codeKey) get(ctx context.Context, st State) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("auth: no randomness for the code key: %w", err)
	}
	key, err := st.Key(ctx, codeKeyName, fresh)
	if err != nil {
		return nil, err
	}
	k.key = key
	return key, nil
}

// codeMAC is what the store keeps of code, sent to phone.
func (s *Service) codeMAC(ctx context.Context, phone, code string) ([]byte, error) {
	key, err := s.codeKey.get(ctx, s.store)
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(phone + "\x00" + code))
	return h.Sum(nil), nil
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

// TxSender is an SMSSender that sends from inside the transaction that
// stores the code: SendCodeTx (typically enqueuing a job of an outbox)
// commits with the code or not at all, and the code is sent after the
// commit, by whatever the transaction recorded. StartPhone uses it in
// place of SendCode when the Options' SMS is one.
type TxSender interface {
	SMSSender
	SendCodeTx(ctx context.Context, tx *sql.Tx, phone, code string) error
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
	if err := allowed(s.phoneByAddress.allow(ctx, addressKey(addr), now)); err != nil {
		return "", time.Time{}, err
	}
	if err := allowed(s.phoneStarts.allow(ctx, phone, now)); err != nil {
		return "", time.Time{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: code: %w", err)
	}
	code := fmt.Sprintf("%0*d", codeDigits, n.Int64())
	mac, err := s.codeMAC(ctx, phone, code)
	if err != nil {
		return "", time.Time{}, err
	}
	pending := PhoneCode{Phone: phone, MAC: mac, Expires: now.Add(CodeTTL)}
	if tx, ok := s.sms.(TxSender); ok {
		err := s.store.PutPhoneCode(ctx, pending, s.maxKeys, func(t *sql.Tx) error { return tx.SendCodeTx(ctx, t, phone, code) })
		if err != nil {
			return "", time.Time{}, fmt.Errorf("auth: sending the code: %w", err)
		}
		return phone, pending.Expires, nil
	}
	if err := s.store.PutPhoneCode(ctx, pending, s.maxKeys, nil); err != nil {
		return "", time.Time{}, err
	}
	if err := s.sms.SendCode(ctx, phone, code); err != nil {
		// A code nobody received is spent; failing that, it expires
		// unguessed.
		_ = s.store.DropPhoneCode(ctx, phone, mac)
		return "", time.Time{}, fmt.Errorf("auth: sending the code: %w", err)
	}
	return phone, pending.Expires, nil
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
	if err := allowed(s.phoneByAddress.allow(ctx, addressKey(addr), now)); err != nil {
		return Session{}, err
	}
	name := phoneAccountPrefix + phone
	var mac []byte // a code of another length matches none, and counts a try
	if len(code) == codeDigits {
		if mac, err = s.codeMAC(ctx, phone, code); err != nil {
			return Session{}, err
		}
	}
	ok, err := s.store.UsePhoneCode(ctx, phone, mac, now, MaxCodeTries)
	if err != nil {
		return Session{}, err
	}
	if !ok {
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
