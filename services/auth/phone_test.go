package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// testSender records the codes it is asked to send.
type testSender struct {
	mu   sync.Mutex
	sent map[string][]string
	fail error
}

func (s *testSender) SendCode(_ context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if s.sent == nil {
		s.sent = map[string][]string{}
	}
	s.sent[phone] = append(s.sent[phone], code)
	return nil
}

func (s *testSender) last(phone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.sent[phone]
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1]
}

// wrong returns a 6-digit code other than code.
func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13800000000":        "+8613800000000",
		"+86 138 0000 0000":  "+8613800000000",
		"+852 9123-4567":     "+85291234567",
		"(+44) 20 7946 0958": "",
		"+44 20 7946 0958":   "+442079460958",
		"12345":              "",
		"+86 23 1234 5678":   "",
		"+0 123 456 789":     "",
		"phone":              "",
		"":                   "",
		"+1234567890123456":  "",
	} {
		got, err := auth.NormalizePhone(in)
		if want == "" {
			var fe *auth.FieldError
			if !errors.As(err, &fe) || fe.Field != "phone" {
				t.Errorf("NormalizePhone(%q) = %q, %v; want a phone field error", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestPhoneSignIn(t *testing.T) {
	sms := &testSender{}
	f := newFixture(t, auth.Options{SMS: sms})
	ctx := t.Context()
	phone, expires, err := f.svc.StartPhone(ctx, "138 0000 0000", "10.0.0.1")
	if err != nil || phone != "+8613800000000" || !expires.Equal(f.clock.now().Add(auth.CodeTTL)) {
		t.Fatalf("StartPhone: %q %v %v", phone, expires, err)
	}
	code := sms.last(phone)
	if len(code) != 6 {
		t.Fatalf("code %q is not 6 digits", code)
	}
	if _, err := f.svc.VerifyPhone(ctx, phone, wrong(code), "10.0.0.1"); !errors.Is(err, auth.ErrCode) {
		t.Fatalf("a wrong code: %v", err)
	}
	sess, err := f.svc.VerifyPhone(ctx, "+86 13800000000", code, "10.0.0.1")
	if err != nil || sess.User.Role != auth.Visitor || sess.Token == "" || !sess.Expires.After(f.clock.now()) {
		t.Fatalf("VerifyPhone: %+v %v", sess, err)
	}
	u, err := f.svc.Authenticate(ctx, sess.Token)
	if err != nil || u.ID != sess.User.ID || u.Role != auth.Visitor {
		t.Fatalf("Authenticate: %+v %v", u, err)
	}
	// Single use.
	if _, err := f.svc.VerifyPhone(ctx, phone, code, "10.0.0.1"); !errors.Is(err, auth.ErrCode) {
		t.Fatalf("a used code: %v", err)
	}
	// The same person again: the same account.
	f.clock.advance(time.Minute)
	f.svc.StartPhone(ctx, phone, "10.0.0.1")
	again, err := f.svc.VerifyPhone(ctx, phone, sms.last(phone), "10.0.0.1")
	if err != nil || again.User.ID != sess.User.ID {
		t.Fatalf("second sign-in: %+v %v", again, err)
	}
	// A phone account cannot sign in with a password.
	if _, err := f.svc.Login(ctx, "tel:"+phone, "", "10.0.0.1"); !errors.Is(err, auth.ErrCredentials) {
		t.Fatalf("password login of a phone account: %v", err)
	}
	// Disabling the account ends it.
	if err := f.svc.Disable(ctx, "tel:"+phone); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, again.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("a disabled visitor's session: %v", err)
	}
}

func TestPhoneCodeExpiresAndTries(t *testing.T) {
	sms := &testSender{}
	f := newFixture(t, auth.Options{SMS: sms, PhoneAddressLimit: auth.Limit{N: 1000, Per: time.Minute}})
	ctx := t.Context()
	phone, _, _ := f.svc.StartPhone(ctx, "+85291234567", "a")
	code := sms.last(phone)
	f.clock.advance(auth.CodeTTL)
	if _, err := f.svc.VerifyPhone(ctx, phone, code, "a"); !errors.Is(err, auth.ErrCode) {
		t.Fatalf("an expired code: %v", err)
	}
	// Five tries, then the code is dead even when right.
	f.svc.StartPhone(ctx, phone, "a")
	code = sms.last(phone)
	for i := 0; i < auth.MaxCodeTries; i++ {
		if _, err := f.svc.VerifyPhone(ctx, phone, wrong(code), "a"); !errors.Is(err, auth.ErrCode) {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	if _, err := f.svc.VerifyPhone(ctx, phone, code, "a"); !errors.Is(err, auth.ErrCode) {
		t.Fatalf("the right code after %d wrong tries: %v", auth.MaxCodeTries, err)
	}
	// A new code replaces the old one.
	f.svc.StartPhone(ctx, phone, "a")
	old := sms.last(phone)
	f.clock.advance(11 * time.Minute) // the per-phone limit refills
	f.svc.StartPhone(ctx, phone, "a")
	if cur := sms.last(phone); cur != old {
		if _, err := f.svc.VerifyPhone(ctx, phone, old, "a"); !errors.Is(err, auth.ErrCode) {
			t.Errorf("a replaced code: %v", err)
		}
	}
	if _, err := f.svc.VerifyPhone(ctx, phone, sms.last(phone), "a"); err != nil {
		t.Errorf("the current code: %v", err)
	}
}

func TestPhoneRateLimits(t *testing.T) {
	sms := &testSender{}
	f := newFixture(t, auth.Options{SMS: sms, PhoneLimit: auth.Limit{N: 3, Per: 10 * time.Minute}, PhoneAddressLimit: auth.Limit{N: 5, Per: 10 * time.Minute}})
	ctx := t.Context()
	for i := 0; i < 3; i++ {
		if _, _, err := f.svc.StartPhone(ctx, "13800000001", "b"); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if _, _, err := f.svc.StartPhone(ctx, "13800000001", "b"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("a fourth code in 10 minutes: %v", err)
	}
	if len(sms.sent["+8613800000001"]) != 3 {
		t.Errorf("sent %d codes, want 3", len(sms.sent["+8613800000001"]))
	}
	// The address has used 4 of its 5; one more, then refused.
	f.svc.StartPhone(ctx, "13800000002", "b")
	if _, _, err := f.svc.StartPhone(ctx, "13800000003", "b"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("past the address limit: %v", err)
	}
	if _, err := f.svc.VerifyPhone(ctx, "13800000002", "123456", "b"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("verify past the address limit: %v", err)
	}
	// Another address is not held back.
	if _, _, err := f.svc.StartPhone(ctx, "13800000003", "c"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// A failing sender leaves no code behind.
	sms.fail = errors.New("gateway down")
	if _, _, err := f.svc.StartPhone(ctx, "13800000004", "d"); err == nil {
		t.Fatal("a failed send succeeded")
	}
}

// TestPhoneCountries: codes go only to numbers of the configured
// countries (by default mainland China, Hong Kong and Macau); others are a
// field error naming phone and the list, and nothing is sent.
func TestPhoneCountries(t *testing.T) {
	sms := &testSender{}
	f := newFixture(t, auth.Options{SMS: sms})
	ctx := t.Context()
	for _, ok := range []string{"13800000000", "+852 9123 4567", "+853 6612 3456"} {
		if _, _, err := f.svc.StartPhone(ctx, ok, "10.0.0.1"); err != nil {
			t.Errorf("StartPhone(%q): %v", ok, err)
		}
	}
	staff := f.add(t, "sam@example.edu", "correct horse", auth.Staff)
	for _, bad := range []string{"+44 20 7946 0958", "+1 415 555 0100", "+85 512 345 678"} {
		_, _, err := f.svc.StartPhone(ctx, bad, "10.0.0.2")
		var fe *auth.FieldError
		if !errors.As(err, &fe) || fe.Field != "phone" || fe.Reason != "codes are sent only to numbers in +86, +852, +853" {
			t.Errorf("StartPhone(%q): %v, want a phone field error naming the countries", bad, err)
		} else if fe.DetailIn("zh") != "验证码仅发送至 +86、+852、+853 的号码" {
			t.Errorf("in Chinese: %q", fe.DetailIn("zh"))
		}
		if _, err := f.svc.VerifyPhone(ctx, bad, "123456", "10.0.0.2"); !errors.As(err, &fe) || fe.Field != "phone" {
			t.Errorf("VerifyPhone(%q): %v, want a phone field error", bad, err)
		}
		if _, err := f.svc.ApplyFamily(ctx, staff, bad, "Mei"); !errors.As(err, &fe) || fe.Field != "phone" {
			t.Errorf("ApplyFamily(%q): %v, want a phone field error", bad, err)
		}
	}
	if len(sms.sent) != 3 {
		t.Errorf("codes sent to %d phones, want 3: %v", len(sms.sent), sms.sent)
	}

	// Another list.
	g := newFixture(t, auth.Options{SMS: sms, PhoneCountries: []string{"44"}})
	if _, _, err := g.svc.StartPhone(ctx, "+44 7700 900123", "10.0.0.3"); err != nil {
		t.Errorf("a UK number with 44 listed: %v", err)
	}
	if _, _, err := g.svc.StartPhone(ctx, "13800000000", "10.0.0.3"); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("a mainland number with only 44 listed: %v, want ErrInvalid", err)
	}
}

func TestParsePhoneCountries(t *testing.T) {
	for in, want := range map[string]string{
		"86,852,853":      "86 852 853",
		" +86 , 852 ":     "86 852",
		"44":              "44",
		"1,44":            "1 44",
		"":                "",
		"86,":             "",
		"0086":            "",
		"8a":              "",
		"1234":            "",
		"86,86":           "",
		"8,86":            "",
		"852,85":          "",
		"086":             "",
		"86;852":          "",
		"\u0668\u0666,86": "",
	} {
		got, err := auth.ParsePhoneCountries(in)
		switch {
		case want == "" && err == nil:
			t.Errorf("ParsePhoneCountries(%q) = %v, want an error", in, got)
		case want != "" && (err != nil || strings.Join(got, " ") != want):
			t.Errorf("ParsePhoneCountries(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}
