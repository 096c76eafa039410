package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
)

// Two services over one store are two replicas behind a balancer: what
// one begins, the other finishes, and the limits count both. (The real
// thing, two campusd processes on one PostgreSQL, is cmd/campusd's
// TestReplicas.)

// replica is a second service over f's store, on f's clock.
func (f fixture) replica(opts auth.Options) *auth.Service {
	opts.Params, opts.Now = cheap, f.clock.now
	return auth.New(f.store, opts)
}

func TestReplicasShareSignIn(t *testing.T) {
	sms := &testSender{}
	f := newFixture(t, auth.Options{SMS: sms})
	b := f.replica(auth.Options{SMS: sms})
	ctx := t.Context()

	// A code asked for on one verifies on the other, once.
	phone, _, err := f.svc.StartPhone(ctx, "13800000010", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.VerifyPhone(ctx, phone, sms.last(phone), "10.0.0.1"); err != nil {
		t.Fatalf("a code asked for on A, verified on B: %v", err)
	}
	if _, err := f.svc.VerifyPhone(ctx, phone, sms.last(phone), "10.0.0.1"); !errors.Is(err, auth.ErrCode) {
		t.Errorf("the code used on B, again on A: %v, want ErrCode", err)
	}
	// Wrong tries count on both.
	f.clock.advance(time.Minute)
	f.svc.StartPhone(ctx, phone, "10.0.0.2")
	for i := range auth.MaxCodeTries {
		svc := []*auth.Service{f.svc, b}[i%2]
		svc.VerifyPhone(ctx, phone, wrong(sms.last(phone)), "10.0.0.2")
	}
	if _, err := b.VerifyPhone(ctx, phone, sms.last(phone), "10.0.0.2"); !errors.Is(err, auth.ErrCode) {
		t.Errorf("the right code after %d wrong tries across replicas: %v, want ErrCode", auth.MaxCodeTries, err)
	}

	// Five wrong passwords across both lock the account on both.
	f.add(t, "shared@example.edu", "correct horse", auth.Staff)
	for i := range 5 {
		svc := []*auth.Service{f.svc, b}[i%2]
		if _, err := svc.Login(ctx, "shared@example.edu", "guess", fmt.Sprintf("198.51.100.%d", i)); err != auth.ErrCredentials {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	for name, svc := range map[string]*auth.Service{"A": f.svc, "B": b} {
		if _, err := svc.Login(ctx, "shared@example.edu", "correct horse", "203.0.113.1"); err != auth.ErrRateLimited {
			t.Errorf("the right password on %s after five wrong ones across both: %v, want ErrRateLimited", name, err)
		}
	}
	// The per-phone limit too: three codes in ten minutes, wherever asked.
	for i := range 3 {
		svc := []*auth.Service{f.svc, b}[i%2]
		if _, _, err := svc.StartPhone(ctx, "13800000011", fmt.Sprintf("10.1.0.%d", i)); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
	}
	if _, _, err := b.StartPhone(ctx, "13800000011", "10.1.0.9"); !errors.Is(err, auth.ErrRateLimited) {
		t.Errorf("a fourth code, across replicas: %v, want ErrRateLimited", err)
	}
}

func TestReplicasShareSSO(t *testing.T) {
	f := newFixture(t, auth.Options{})
	b := f.replica(auth.Options{})
	op := oidctest.New(t, f.clock.now)
	ctx := t.Context()
	cfg := auth.SSOConfig{Issuer: op.URL(), ClientID: "campus", ClientSecret: op.Secret, RedirectURL: "https://campus.example/api/v1/auth/oidc/callback"}
	ssoA, err := f.svc.NewSSO(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ssoB, err := b.NewSSO(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	to, err := ssoA.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	code, state := oidctest.Authorize(t, to)
	sess, err := ssoB.Finish(ctx, state, code, "192.0.2.1")
	if err != nil || sess.User.Email != "alice@hkust-gz.edu.cn" {
		t.Fatalf("begun on A, finished on B: %+v %v", sess, err)
	}
	if _, err := ssoA.Finish(ctx, state, code, "192.0.2.1"); !errors.Is(err, auth.ErrSSO) {
		t.Errorf("finished on B, again on A: %v, want ErrSSO", err)
	}
	for _, bad := range []string{"", "x", "not base64 !!", "\x00\xff", state + "A"} {
		if _, err := ssoB.Finish(ctx, bad, code, "192.0.2.1"); !errors.Is(err, auth.ErrSSO) {
			t.Errorf("Finish with state %q: %v, want ErrSSO", bad, err)
		}
	}
}

// txSender sends codes from the transaction that stores them, as an
// outbox does; it records what it saw there.
type txSender struct {
	testSender
	mu     sync.Mutex
	inTx   int // codes of the phone the transaction saw
	direct int // SendCode calls
	failTx error
}

func (s *txSender) SendCode(ctx context.Context, phone, code string) error {
	s.mu.Lock()
	s.direct++
	s.mu.Unlock()
	return s.testSender.SendCode(ctx, phone, code)
}

func (s *txSender) SendCodeTx(ctx context.Context, tx *sql.Tx, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM phone_codes WHERE phone = $1", phone).Scan(&s.inTx); err != nil {
		return err
	}
	s.testSender.SendCode(ctx, phone, code) // what the job will send
	return s.failTx
}

// TestPhoneTxSender: a TxSender sends from inside the code's transaction
// (it sees the code there), not after; if it fails, the code is not kept.
func TestPhoneTxSender(t *testing.T) {
	sms := &txSender{}
	f := newFixture(t, auth.Options{SMS: sms})
	ctx := t.Context()
	phone, _, err := f.svc.StartPhone(ctx, "13800000020", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sms.inTx != 1 || sms.direct != 0 {
		t.Errorf("the sender saw %d codes in the transaction and was called %d times after it; want 1 and 0", sms.inTx, sms.direct)
	}
	if _, err := f.svc.VerifyPhone(ctx, phone, sms.last(phone), "10.0.0.1"); err != nil {
		t.Fatalf("a code sent from the transaction: %v", err)
	}
	sms.failTx = errors.New("the outbox refused")
	if _, _, err := f.svc.StartPhone(ctx, "13800000021", "10.0.0.1"); !errors.Is(err, sms.failTx) {
		t.Fatalf("StartPhone with a failing outbox: %v, want its error", err)
	}
	if _, err := f.svc.VerifyPhone(ctx, "13800000021", sms.last("+8613800000021"), "10.0.0.1"); !errors.Is(err, auth.ErrCode) {
		t.Errorf("a code whose sending failed in the transaction: %v, want ErrCode (not kept)", err)
	}
}

// TestPhoneSendFailureDropsCode: a code a plain sender failed to send is
// spent, so not even its right digits verify.
func TestPhoneSendFailureDropsCode(t *testing.T) {
	sms := &failingSender{}
	f := newFixture(t, auth.Options{SMS: sms})
	ctx := t.Context()
	if _, _, err := f.svc.StartPhone(ctx, "13800000030", "10.0.0.1"); err == nil {
		t.Fatal("a failed send succeeded")
	}
	if _, err := f.svc.VerifyPhone(ctx, "13800000030", sms.code, "10.0.0.1"); !errors.Is(err, auth.ErrCode) {
		t.Errorf("the code that could not be sent: %v, want ErrCode", err)
	}
}

// failingSender fails, remembering the code it was given.
type failingSender struct{ code string }

func (s *failingSender) SendCode(_ context.Context, _, code string) error {
	s.code = code
	return errors.New("gateway down")
}
